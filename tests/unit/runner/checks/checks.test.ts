import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkSchema } from '../../../../src/lib/lab-schema.ts';
import { CheckLimits, runCheck } from '../../../../runner/checks/checks.ts';
import { isAlive } from '../../../../runner/process/group.ts';
import { waitFor } from '../../support/poll.ts';

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

  it('says why as a code, and after a failure its last line and a common cause', async () => {
    const passed = await runCheck(
      check({ run: 'echo ready', expect: { equals: 'ready' } }),
      context,
    );
    assert.deepEqual(passed.why, { code: 'passed', params: { matched: 1 } });
    assert.equal(passed.cause, undefined);
    assert.equal(passed.hint, undefined);

    const missing = await runCheck(
      check({ run: 'echo "looking"; no-such-tool-in-the-lab get clusters' }),
      context,
    );
    assert.deepEqual(missing.why, { code: 'exited', params: { code: 127 } });
    assert.match(missing.cause ?? '', /no-such-tool-in-the-lab: command not found$/);
    assert.deepEqual(missing.hint, {
      code: 'missingTool',
      params: { tool: 'no-such-tool-in-the-lab' },
    });

    const unmatched = await runCheck(
      check({ run: 'echo "Error from server (NotFound)"; echo 1/2', expect: { equals: '2/2' } }),
      context,
    );
    assert.deepEqual(unmatched.why, {
      code: 'notEquals',
      params: { expected: '"2/2"', got: '"Error from server (NotFound)\\n1/2"' },
    });
    assert.equal(unmatched.cause, '1/2');
    assert.equal(unmatched.hint, undefined);
  });

  it('matches on stdout only: what goes to stderr never reaches the matchers', async () => {
    const marker = 'stderr-only-marker';
    const onStderr = `echo ${marker} >&2; echo something else`;
    const contains = await runCheck(
      check({ run: onStderr, expect: { contains: marker } }),
      context,
    );
    assert.equal(contains.status, 'fail', contains.reason);
    assert.match(contains.reason, /expected the output to contain "stderr-only-marker"/);
    // It was printed and kept for the page: only the matching left it out.
    assert.match(contains.output, /stderr-only-marker/);
    const notContains = await runCheck(
      check({ run: onStderr, expect: { notContains: marker } }),
      context,
    );
    assert.equal(notContains.status, 'pass', notContains.reason);
    const equals = await runCheck(
      check({ run: `echo ready; echo ${marker} >&2`, expect: { equals: 'ready' } }),
      context,
    );
    assert.equal(equals.status, 'pass', equals.reason);
    // The same marker on stdout is seen.
    const onStdout = await runCheck(
      check({ run: `echo ${marker}`, expect: { contains: marker } }),
      context,
    );
    assert.equal(onStdout.status, 'pass', onStdout.reason);
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
    await waitFor(`grandchild ${grandchild} to be gone`, () => !isAlive(grandchild), 5_000);
  });

  it('kills background jobs left behind by a check that exits by itself', async () => {
    const pidFile = join(dir, 'leftover.pid');
    const result = await runCheck(
      check({ run: `sleep 300 & echo $! > ${pidFile}; echo done` }),
      context,
    );
    assert.equal(result.status, 'pass');
    const leftover = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(`leftover ${leftover} to be gone`, () => !isAlive(leftover), 5_000);
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
        // Long enough for two attempts even when bash takes a few hundred ms to start (a loaded
        // machine): with 300ms, one slow attempt left no time for a second, and the test failed.
        waitUpTo: '2s',
        interval: '100ms',
      }),
      context,
    );
    assert.equal(result.status, 'fail');
    assert.ok(result.attempts >= 2, `attempts: ${result.attempts}`);
    // It stops only once another interval would end past waitUpTo: 2s less 100ms at least.
    assert.ok(result.ms >= 1_900 && result.ms < 10_000, `gave up after ${result.ms} ms`);
    assert.match(result.reason, new RegExp(`after ${result.attempts} attempts`));
  });

  it('stops at once when waiting cannot help: no cluster, a missing tool, the wrong context', async () => {
    const causes = {
      noCluster: 'echo "The connection to the server 127.0.0.1:6443 was refused" >&2; exit 1',
      missingTool: 'no-such-tool-in-the-lab get pods',
      wrongContext: 'echo \'error: context "kind-istio-lab" does not exist\' >&2; exit 1',
      dockerDown:
        'echo "Cannot connect to the Docker daemon. Is the docker daemon running?" >&2; exit 1',
    };
    for (const [code, run] of Object.entries(causes)) {
      const attempts: number[] = [];
      const result = await runCheck(
        // Polling would go on for ten minutes; a cause that cannot change ends it at the first.
        check({ run, expect: { contains: 'ready' }, waitUpTo: '10m', interval: '100ms' }),
        { ...context, onAttempt: (attempt) => attempts.push(attempt) },
      );
      assert.equal(result.status, 'fail', code);
      assert.equal(result.attempts, 1, `${code}: ${result.attempts} attempts`);
      assert.deepEqual(attempts, [], code);
      assert.equal(result.hint?.code, code);
    }
  });

  it('while it polls for a cause that can change, tells each attempt why the last one failed', async () => {
    const counter = join(dir, 'counter-why');
    const told: unknown[] = [];
    const result = await runCheck(
      check({
        run: `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ] && echo ready || exit 4`,
        expect: { contains: 'ready' },
        waitUpTo: '10s',
        interval: '100ms',
      }),
      { ...context, onAttempt: (_attempt, _last, why) => told.push(why) },
    );
    assert.equal(result.status, 'pass');
    assert.deepEqual(told, [
      { code: 'exited', params: { code: 4 } },
      { code: 'exited', params: { code: 4 } },
    ]);
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

  it('keeps stdout whole however much stderr says first: each stream has its own cap', async () => {
    // Twice the cap on stderr, so that at least the cap of it has been read before stdout speaks.
    const noise = 2 * CheckLimits.captureBytes;
    const result = await runCheck(
      check({
        run: `head -c ${noise} /dev/zero | tr "\\0" w >&2; echo ready`,
        expect: { equals: 'ready' },
      }),
      context,
    );
    assert.equal(result.status, 'pass', result.reason);
    assert.doesNotMatch(result.reason, /was cut/, 'only stderr was cut, and nothing matches it');
    assert.match(result.output, /w+\nready\n$|ready\n/);
  });
});
