import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkSchema } from '../../../../src/lib/lab-schema.ts';
import { CheckLimits, runCheck } from '../../../../runner/checks/checks.ts';
import { isAlive } from '../../../../runner/checks/process-group.ts';

const dir = mkdtempSync(join(tmpdir(), 'istio-lab-checks-'));
const context = { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, cwd: dir };
const check = (fields: Record<string, unknown>) => checkSchema.parse(fields);

describe('checks', () => {
  it('passes when the script exits 0 and the expectation holds', async () => {
    const result = await runCheck(
      check({ run: 'echo ready', expect: { equals: 'ready' } }),
      context,
    );
    assert.equal(result.status, 'pass');
    assert.equal(result.attempts, 1);
    assert.equal(result.output, 'ready\n');
  });

  it('fails with the exit code, and keeps stderr in the output', async () => {
    const result = await runCheck(check({ run: 'echo "no such pod" >&2; exit 4' }), context);
    assert.equal(result.status, 'fail');
    assert.match(result.reason, /exited 4/);
    assert.equal(result.output, 'no such pod\n');
  });

  it('matches on stdout only', async () => {
    const result = await runCheck(
      check({
        run: 'echo Ready >&2; echo NotReady',
        expect: { contains: 'Ready\n', notContains: 'Ready\n' },
      }),
      context,
    );
    assert.equal(result.status, 'fail');
  });

  it('kills the whole process group on timeout: no background grandchild survives', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const started = Date.now();
    const result = await runCheck(
      check({ run: `sleep 300 & echo $! > ${pidFile}; sleep 300`, timeout: '1s' }),
      context,
    );
    assert.equal(result.status, 'fail');
    assert.match(result.reason, /did not finish within/);
    assert.ok(Date.now() - started < 5_000, 'the timeout ended the check');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !isAlive(grandchild), `grandchild ${grandchild} to be gone`);
  });

  it('kills background jobs left behind by a check that exits by itself', async () => {
    const pidFile = join(dir, 'leftover.pid');
    const result = await runCheck(
      check({ run: `sleep 300 & echo $! > ${pidFile}; echo done` }),
      context,
    );
    assert.equal(result.status, 'pass');
    const leftover = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !isAlive(leftover), `leftover ${leftover} to be gone`);
  });

  it('polls with waitUpTo until the step has taken effect, counting attempts', async () => {
    const counter = join(dir, 'counter');
    const attempts: number[] = [];
    const result = await runCheck(
      check({
        run: `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ] && echo ready || echo waiting`,
        expect: { contains: 'ready' },
        waitUpTo: '10s',
        interval: '100ms',
      }),
      { ...context, onAttempt: (attempt) => attempts.push(attempt) },
    );
    assert.equal(result.status, 'pass');
    assert.equal(result.attempts, 3);
    assert.deepEqual(attempts, [2, 3]);
  });

  it('gives up when waitUpTo runs out, saying how many attempts it made', async () => {
    const result = await runCheck(
      check({
        run: 'echo waiting',
        expect: { contains: 'ready' },
        waitUpTo: '300ms',
        interval: '100ms',
      }),
      context,
    );
    assert.equal(result.status, 'fail');
    assert.ok(result.attempts >= 2, `attempts: ${result.attempts}`);
    assert.match(result.reason, new RegExp(`after ${result.attempts} attempts`));
  });

  it('returns all of a 20 KB output, 100 runs out of 100', async () => {
    const twenty = check({ run: 'head -c 20480 /dev/zero | tr "\\0" x; printf end' });
    for (let run = 1; run <= 100; run++) {
      const result = await runCheck(twenty, context);
      assert.equal(result.output.length, 20_483, `run ${run}`);
      assert.ok(result.output.endsWith('xend'), `run ${run}`);
    }
  });

  it('caps what it keeps: the tail of a huge output, and says it was cut', async () => {
    const result = await runCheck(
      check({
        run: `head -c ${CheckLimits.captureBytes + 4096} /dev/zero | tr "\\0" y`,
        expect: { contains: 'y' },
      }),
      context,
    );
    assert.equal(result.output.length, CheckLimits.tailBytes);
    assert.match(result.reason, /was cut/);
  });
});

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
