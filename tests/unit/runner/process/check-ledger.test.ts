import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Writable } from 'node:stream';
import { checkSchema } from '../../../../src/lib/lab-schema.ts';
import { afterRecorded, runCheck } from '../../../../runner/checks/checks.ts';
import type { ProcessLedger } from '../../../../runner/process/ledger.ts';

const dir = mkdtempSync(join(tmpdir(), 'istio-lab-check-ledger-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };

/** Holds this thread for `ms`, as a runner busy (or descheduled) at that moment would be. */
const hold = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe("a check and the runner's ledger of process sessions", () => {
  it('runs its script only once its session is in the ledger', async () => {
    const marker = join(dir, 'ran-before-recorded');
    const seen: boolean[] = [];
    const ledger = {
      add: () => {
        // Whatever the script does, it must not have done it yet: a runner killed now could
        // not end a check it has no record of.
        hold(300);
        seen.push(existsSync(marker));
      },
      remove: () => undefined,
    } as unknown as ProcessLedger;
    const result = await runCheck(checkSchema.parse({ run: `touch '${marker}'; echo done` }), {
      env,
      cwd: dir,
      ledger,
    });
    assert.equal(result.status, 'pass', result.output);
    assert.deepEqual(seen, [false], 'the script ran before its session was recorded');
    assert.ok(existsSync(marker), 'and it ran once recorded');
  });

  it('says so when bash cannot start, and the word it was to be sent is dropped', async () => {
    const result = await runCheck(checkSchema.parse({ run: 'true' }), {
      env: { PATH: join(dir, 'no-such-dir') },
      cwd: dir,
    });
    assert.equal(result.status, 'error');
    assert.match(result.output, /could not start bash/);
  });

  it('ends without running its script when the runner is gone before recording it', async () => {
    const marker = join(dir, 'ran-unrecorded');
    const child = spawn('bash', ['-c', afterRecorded(`touch '${marker}'`)], {
      env,
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    // The runner's end of the pipe closes with it: no word that the check was recorded.
    (child.stdio[3] as Writable).destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.notEqual(code, 0);
    assert.ok(!existsSync(marker), 'the script ran with no record of it');
  });
});
