import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { startCli, type Cli } from '../support/cli.ts';
import { waitFor } from '../support/poll.ts';

/**
 * A workspace the runner cannot write, made for real: a read-only bind mount and a full tmpfs.
 * Mounting takes root (CI's containers run as root); elsewhere the tests are skipped, saying why.
 */

/** Runs `mount` with these arguments; the reason it could not, if it could not. */
function mount(args: string[]): string | undefined {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount ${args.join(' ')} was refused (it takes root): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
}

function unmount(folder: string): void {
  execFileSync('umount', [folder], { stdio: 'pipe' });
}

/** Its exit code; a start that does not end in time (it ran instead of refusing) is killed. */
async function exitCode(cli: Cli, what: string): Promise<number | null> {
  try {
    await waitFor(what, () => cli.child.exitCode !== null || cli.child.signalCode !== null, 20_000);
  } finally {
    await cli.stop('SIGKILL');
  }
  return cli.child.exitCode;
}

/** Starts the runner on `home` and holds it to the one-paragraph answer, exit 2. */
async function assertClearRefusal(
  home: string,
  problem: RegExp,
  extra: string[] = [],
): Promise<void> {
  const cli = startCli(['--port', '0', ...extra], home);
  const code = await exitCode(cli, 'the runner to refuse the workspace');
  const output = cli.output();
  assert.equal(code, 2, output);
  assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
  assert.equal(output.trim().split('\n').length, 1, `one paragraph:\n${output}`);
  assert.ok(output.includes(home), `names the folder:\n${output}`);
  assert.match(output, problem);
  assert.match(output, /Fix: .*ISTIO_LAB_HOME/);
}

describe('a workspace the runner cannot write', () => {
  it('on a read-only bind mount: one paragraph naming the folder, the problem and the fix, exit 2', async (t: TestContext) => {
    const place = mkdtempSync(join(tmpdir(), 'istio-lab-ro-'));
    const source = join(place, 'source');
    const home = join(place, 'workspace');
    mkdirSync(source);
    mkdirSync(home);
    const refused = mount(['--bind', source, home]);
    if (refused) return t.skip(refused);
    try {
      const again = mount(['-o', 'remount,ro,bind', home]);
      if (again) return t.skip(again);
      await assertClearRefusal(home, /read-only file system \(EROFS\)/);
      // The instructor's hub starts in the runner's process: it says the same.
      await assertClearRefusal(home, /read-only file system \(EROFS\)/, [
        '--hub',
        '--hub-host',
        '127.0.0.1',
        '--hub-port',
        '0',
      ]);
      // A workspace not yet made, under a read-only folder, says the same of that folder.
      await assertClearRefusal(join(home, 'inner'), /read-only file system \(EROFS\)/);
    } finally {
      unmount(home);
      rmSync(place, { recursive: true, force: true });
    }
  });

  it('on a full disk (a tiny tmpfs, filled): the same, naming the full disk', async (t: TestContext) => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-full-'));
    const refused = mount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', home]);
    if (refused) return t.skip(refused);
    try {
      // Filled up to its last block: every later write fails with ENOSPC.
      try {
        writeFileSync(join(home, 'filler'), Buffer.alloc(1 << 20));
      } catch (error) {
        assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
      }
      await assertClearRefusal(home, /disk it is on is full \(ENOSPC\)/);
    } finally {
      unmount(home);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
