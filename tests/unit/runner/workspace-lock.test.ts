import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lockWorkspace } from '../../../runner/workspace-lock.ts';
import { ensureWorkspace, workspaceAt } from '../../../runner/workspace.ts';
import { startCli, type Cli } from '../support/cli.ts';
import { waitFor } from '../support/poll.ts';

/** The runner's pid and address as it wrote them, once it runs. */
const runnerFile = (home: string) =>
  JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as { url: string; pid: number };

/** Its exit code; a start that does not end in time (it ran instead of refusing) is killed. */
async function exitCode(cli: Cli, what: string): Promise<number | null> {
  try {
    await waitFor(what, () => cli.child.exitCode !== null || cli.child.signalCode !== null, 60_000);
  } finally {
    await cli.stop('SIGKILL');
  }
  return cli.child.exitCode;
}

describe('the workspace lock', () => {
  it('is held by one taker at a time, who answers the others with its pid and address', async () => {
    const workspace = workspaceAt(mkdtempSync(join(tmpdir(), 'istio-lab-lock-')));
    ensureWorkspace(workspace);
    const first = await lockWorkspace(workspace);
    assert.ok(first.ok);
    const second = await lockWorkspace(workspace);
    assert.deepEqual(second, { ok: false, holder: { pid: process.pid } });
    first.lock.update({ pid: process.pid, url: 'http://127.0.0.1:9/' });
    assert.deepEqual(await lockWorkspace(workspace), {
      ok: false,
      holder: { pid: process.pid, url: 'http://127.0.0.1:9/' },
    });
    await first.lock.release();
    const third = await lockWorkspace(workspace);
    assert.ok(third.ok, 'taken again once released');
    await third.lock.release();
  });
});

describe('one runner per workspace', () => {
  it('of two runners started at once on one workspace, one runs and the other exits 1 naming it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-twice-'));
    const both = [startCli(['--port', '0'], home), startCli(['--port', '0'], home)];
    try {
      // Whichever loses exits, in time; the winner runs on.
      await waitFor(
        'one of them to exit',
        () => both.some((cli) => cli.child.exitCode !== null),
        60_000,
      );
      const loser = both.find((cli) => cli.child.exitCode !== null) as Cli;
      const winner = both.find((cli) => cli !== loser) as Cli;
      await winner.started();
      assert.equal(await exitCode(loser, 'the loser to exit'), 1, loser.output());
      assert.ok(loser.output().includes(home), `names the workspace:\n${loser.output()}`);
      assert.match(loser.output(), new RegExp(`pid ${winner.child.pid}\\b`));
      assert.doesNotMatch(loser.output(), /^\s+at /m, 'no stack trace');
      assert.equal(runnerFile(home).pid, winner.child.pid, 'the winner keeps its runner.json');
      // Started again now, the loser also names the winner's address.
      const again = startCli(['--port', '0'], home);
      assert.equal(await exitCode(again, 'a third start to exit'), 1);
      assert.ok(again.output().includes(runnerFile(home).url), again.output());
      assert.equal(await winner.stop(), 0);
    } finally {
      for (const cli of both) await cli.stop('SIGKILL');
    }
  });

  it('is taken over from a runner killed with SIGKILL', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-killed-'));
    const first = startCli(['--port', '0'], home);
    await first.started();
    first.child.kill('SIGKILL');
    await first.exited();
    const second = startCli(['--port', '0'], home);
    try {
      await second.started();
      assert.equal(runnerFile(home).pid, second.child.pid);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
