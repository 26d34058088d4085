import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkSchema } from '../../../../src/lib/lab-schema.ts';
import { runCheck } from '../../../../runner/checks/checks.ts';
import { isAlive } from '../../../../runner/process/group.ts';
import { startCli } from '../../support/cli.ts';
import { liveRunner, TerminalClient } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

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

/** The pids written to `file` so far (none while it does not exist yet). */
function pidsIn(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    // Not written yet.
    return [];
  }
}

async function expectAllGone(file: string, count: number): Promise<void> {
  let pids: number[] = [];
  try {
    await waitFor(`${count} processes to be gone`, () => {
      pids = pidsIn(file);
      return pids.length >= count && pids.every((pid) => !isAlive(pid));
    });
  } catch (error) {
    const alive = pids.filter((pid) => isAlive(pid));
    // Reported, then ended: a failing run leaves no sleeps behind.
    for (const pid of alive) process.kill(pid, 'SIGKILL');
    assert.fail(
      `${(error as Error).message}: still alive: ${alive.join(', ')} of ${pids.join(', ')}`,
    );
  }
}

async function waitForPids(file: string, count: number): Promise<void> {
  await waitFor(`the shell to start ${count} processes`, () => pidsIn(file).length >= count);
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
      const cli = startCli(['--port', '0'], home);
      try {
        await cli.started();
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
        const exited = cli.stop(signal);
        await waitFor(
          `the runner to exit on ${signal}`,
          () => cli.child.exitCode !== null || cli.child.signalCode !== null,
        );
        assert.equal(await exited, 0, `${signal} exit code`);
        await expectAllGone(file, 5);
      } finally {
        // Only on failure is anything left: end it, so that a failing run does not leak sleeps.
        cli.child.kill('SIGKILL');
        for (const pid of pidsIn(file)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    }
  });
});
