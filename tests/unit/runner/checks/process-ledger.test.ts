import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAlive } from '../../../../runner/checks/process-group.ts';
import { findLeftovers } from '../../../../runner/checks/process-ledger.ts';
import { startCli } from '../../support/cli.ts';
import { TerminalClient } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

/** A lab with one check that runs for a long time and says where it is. */
function longLab(dir: string): string {
  const labs = join(dir, 'labs');
  mkdirSync(labs, { recursive: true });
  writeFileSync(
    join(labs, 'lingering.yaml'),
    [
      'title: Lingering',
      'order: 2000',
      'cells:',
      '  noop:',
      '    run: "true"',
      'checks:',
      '  slow:',
      '    run: echo $$ > "$ISTIO_LAB_HOME/check-pid"; sleep 3172',
      '    timeout: 10m',
      '',
    ].join('\n'),
  );
  return labs;
}

const pidIn = (file: string) => Number(readFileSync(file, 'utf8').trim());

describe('a runner killed hard', () => {
  it('leaves shells and checks behind that the next start ends, and the ledger names', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-ledger-'));
    const labs = longLab(home);
    const first = startCli(['--port', '0', '--labs', labs], home);
    let left: number[] = [];
    try {
      await first.started();
      const info = JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as {
        url: string;
        token: string;
      };
      const headers = { Authorization: `Bearer ${info.token}` };
      const client = new TerminalClient({ ...info, headers } as never, 'session=main');
      await client.opened();
      await client.message('screen');
      // A job that outlives a hang-up, as a learner's port-forward might.
      client.type(`nohup sleep 3171 >/dev/null 2>&1 & echo $! > "$ISTIO_LAB_HOME/job-pid"\r`);
      void fetch(`${info.url}api/checks/lingering/slow`, { method: 'POST', headers }).catch(
        () => undefined,
      );
      await waitFor('the job and the check to start', () => {
        try {
          left = [pidIn(join(home, 'job-pid')), pidIn(join(home, 'check-pid'))];
          return left.every((pid) => pid > 0 && isAlive(pid));
        } catch {
          return false;
        }
      });
      client.close();
      first.child.kill('SIGKILL');
      await first.exited();
      // The runner could not end them: they are still there, and the ledger says whose they are.
      assert.ok(
        left.every((pid) => isAlive(pid)),
        'left running by the killed runner',
      );
      const found = findLeftovers(join(home, 'processes.json'));
      const kinds = found.map((leftover) => leftover.entry.kind).sort();
      assert.deepEqual(kinds, ['check', 'terminal']);
      for (const pid of left)
        assert.ok(
          found.some((leftover) => leftover.pids.includes(pid)),
          `${pid} is named`,
        );

      const second = startCli(['--port', '0', '--labs', labs], home);
      try {
        await second.started();
        assert.match(second.output(), /Ended \d+ process(es)? left running by a runner/);
        await waitFor('the left processes to end', () => left.every((pid) => !isAlive(pid)));
        assert.deepEqual(findLeftovers(join(home, 'processes.json')), []);
      } finally {
        await second.stop();
      }
    } finally {
      first.child.kill('SIGKILL');
      for (const pid of left) if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
