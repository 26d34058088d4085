import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkSchema } from '../../../../src/lib/lab-schema.ts';
import { runCheck } from '../../../../runner/checks/checks.ts';
import { isAlive } from '../../../../runner/checks/process-group.ts';
import { liveRunner, root, TerminalClient } from '../../support/live-runner.ts';

/**
 * Starts, from a shell, every kind of process that could outlive it: a background job, a nohup'd
 * one, one that ignores SIGTERM and SIGHUP, and a double fork (reparented to init). Each writes
 * its pid to `file`, then a foreground sleep keeps the shell busy.
 */
function spawnEverything(file: string): string {
  return [
    `sleep 301 & echo $! >> ${file}`,
    `nohup sleep 302 >/dev/null 2>&1 & echo $! >> ${file}`,
    `(trap '' TERM HUP; sleep 303) & echo $! >> ${file}`,
    `( (sleep 304 & echo $! >> ${file}) & )`,
    `sh -c 'echo $$ >> ${file}; exec sleep 305'`,
  ].join('\n');
}

async function expectAllGone(file: string, count: number): Promise<void> {
  let pids: number[] = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    pids = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
    if (pids.length >= count && pids.every((pid) => !isAlive(pid))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(
    `still alive: ${pids.filter((pid) => isAlive(pid)).join(', ')} of ${pids.join(', ')}`,
  );
}

async function waitForPids(file: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      if (readFileSync(file, 'utf8').split('\n').filter(Boolean).length >= count) return;
    } catch {
      // Not written yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`the shell did not start ${count} processes`);
}

describe('no process survives', () => {
  it("a terminal session's end: jobs, nohup, signal-ignoring children, double forks", async () => {
    const runner = await liveRunner({ idleMs: 200 });
    const file = join(runner.workspace.root, 'pids');
    try {
      const client = new TerminalClient(runner, 'session=jobs');
      await client.opened();
      await client.message('screen');
      client.type(`${spawnEverything(file).replace(/\n/g, '\r')}\r`);
      await waitForPids(file, 5);
      client.close(); // detached: the idle timeout ends the session
      await expectAllGone(file, 5);
    } finally {
      await runner.stop();
    }
  });

  it("a check's timeout, whatever the check started", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-cleanup-'));
    const file = join(dir, 'pids');
    const check = checkSchema.parse({ run: spawnEverything(file), timeout: '1s' });
    const result = await runCheck(check, { env: { PATH: process.env.PATH ?? '' }, cwd: dir });
    assert.equal(result.status, 'fail');
    await expectAllGone(file, 5);
  });

  it("the runner's SIGTERM and SIGINT, with a terminal open", async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const home = mkdtempSync(join(tmpdir(), 'istio-lab-signal-'));
      const file = join(home, 'pids');
      const child = spawn(
        process.execPath,
        [join(root, 'runner/cli.ts'), '--port', '0', '--no-build'],
        {
          env: { ...process.env, ISTIO_LAB_HOME: home },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let printed = '';
      child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      while (!printed.includes('Stop with Ctrl-C'))
        await new Promise((resolve) => setTimeout(resolve, 50));
      const info = JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as {
        url: string;
        port: number;
        token: string;
      };
      const client = new TerminalClient(
        { ...info, headers: { Authorization: `Bearer ${info.token}` } } as never,
        'session=main',
      );
      await client.opened();
      await client.message('screen');
      client.type(`${spawnEverything(file).replace(/\n/g, '\r')}\r`);
      await waitForPids(file, 5);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill(signal);
      assert.equal(await exited, 0, `${signal} exit code`);
      await expectAllGone(file, 5);
    }
  });
});
