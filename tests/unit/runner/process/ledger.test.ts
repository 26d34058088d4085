import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkSchema } from '../../../../src/lib/lab-schema.ts';
import { runCheck } from '../../../../runner/checks/checks.ts';
import { isAlive } from '../../../../runner/process/group.ts';
import {
  findLeftovers,
  procStat,
  ProcessLedger,
  readLedger,
  sweepLeftovers,
  unreadableLedgers,
} from '../../../../runner/process/ledger.ts';
import { startCli } from '../../support/cli.ts';
import { liveRunner, TerminalClient } from '../../support/live-runner.ts';
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

/** A real process in a session of its own, as an unrelated program of the learner's would be. */
async function stranger(): Promise<{ pid: number; end: () => void }> {
  // Not detached: setsid then needs no fork, so the pid is sleep's own, and it leads its session.
  const child = spawn('setsid', ['sleep', '3173'], { stdio: 'ignore' });
  const pid = child.pid ?? 0;
  await waitFor(
    'the stranger to lead its own session',
    () => procStat(pid)?.session === pid && procStat(pid)?.command === 'sleep',
  );
  return {
    pid,
    end: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
/** A pid above any pid_max: a runner that is surely gone. */
const goneRunner = 999_999_999;

describe('a ledger entry and a process under its pid', () => {
  const linux = process.platform === 'linux';

  it(
    'never ends a process that merely has the recorded pid',
    { skip: !linux && 'reads /proc' },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'istio-lab-stranger-'));
      const ledger = join(home, 'processes.json');
      const other = await stranger();
      try {
        const stat = procStat(other.pid);
        assert.ok(stat);
        const entry = {
          sid: other.pid,
          kind: 'terminal',
          start: stat.start,
          command: stat.command,
          boot: bootId(),
          mark: 'a-runner-it-never-knew',
          runner: goneRunner,
          runnerStart: 1,
        };
        const entries = {
          "an older runner's entry, started earlier": {
            sid: other.pid,
            kind: 'check',
            startedAt: Date.now() - 60_000,
            runner: goneRunner,
          },
          'an entry without a start time': { ...entry, start: undefined },
          'a start one clock tick apart': { ...entry, start: stat.start - 1 },
          'another command': { ...entry, command: 'bash' },
          'another boot': { ...entry, boot: 'd0d0d0d0-0000-0000-0000-000000000000' },
        };
        for (const [what, recorded] of Object.entries(entries)) {
          writeFileSync(ledger, JSON.stringify([recorded]));
          assert.deepEqual(findLeftovers(ledger), [], `${what}: named`);
          assert.equal(sweepLeftovers(ledger).ended, 0, `${what}: counted`);
          assert.ok(isAlive(other.pid), `${what}: the stranger was killed`);
        }
        // The same process, recorded as it is: that one is proved, and ended.
        writeFileSync(ledger, JSON.stringify([entry]));
        assert.deepEqual(
          findLeftovers(ledger).map((leftover) => leftover.pids),
          [[other.pid]],
        );
        assert.equal(sweepLeftovers(ledger).ended, 1);
        await waitFor('the recorded process to end', () => !isAlive(other.pid));
      } finally {
        other.end();
      }
    },
  );
});

describe('a ledger that cannot be read', () => {
  it('is kept aside and reported, by the sweep and by the doctor, not taken as empty', () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-unreadable-'));
    const ledger = join(home, 'processes.json');
    for (const [text, problem] of [
      ['', /it is empty/],
      ['[{"sid": 4', /JSON/],
      ['{"sid": 4}', /not a list/],
    ] as const) {
      writeFileSync(ledger, text);
      assert.match(unreadableLedgers(ledger)[0]?.problem ?? '', problem);
      const sweep = sweepLeftovers(ledger);
      assert.match(sweep.unreadable?.problem ?? '', problem);
      assert.equal(readFileSync(sweep.unreadable?.aside ?? '', 'utf8'), text, 'kept as it was');
      assert.deepEqual(readLedger(ledger), { entries: [] }, 'a new ledger');
      assert.ok(
        unreadableLedgers(ledger).some((found) => found.file === sweep.unreadable?.aside),
        'the doctor names the one kept aside',
      );
    }
  });

  it('is said at start, as a warning: shown at --log warn, and so at the default info', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-unreadable-start-'));
    writeFileSync(join(home, 'processes.json'), '');
    const cli = startCli(['--port', '0', '--log', 'warn'], home);
    try {
      await cli.started();
      assert.match(
        cli.output(),
        /WARNING: the record of the processes .* could not be read \(it is empty\)/,
      );
      assert.match(cli.output(), /processes\.json\.unreadable-/);
    } finally {
      await cli.stop();
    }
  });
});

describe('a process the ledger cannot record', () => {
  const unwritable = () =>
    new ProcessLedger(
      join(mkdtempSync(join(tmpdir(), 'istio-lab-norecord-')), 'gone', 'processes.json'),
    );

  it('is killed at once, and the reason is given', async () => {
    const child = spawn('sleep', ['3174'], { detached: true, stdio: 'ignore' });
    const pid = child.pid ?? 0;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      assert.match(
        unwritable().add(pid, 'terminal') ?? '',
        /could not record it in its process ledger/,
      );
      await exited;
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('as a terminal: its shell is stopped at once, and the page is told why', async () => {
    const runner = await liveRunner();
    try {
      // A folder where the ledger goes: its write fails, as on a full disk.
      mkdirSync(join(runner.workspace.processes, 'in-the-way'), { recursive: true });
      const client = new TerminalClient(runner, 'session=unrecorded');
      await waitFor('the terminal to close', () => client.closed !== undefined);
      assert.equal(client.closed?.code, 4002);
      assert.match(client.closed?.reason ?? '', /could not record it in its process ledger/);
    } finally {
      await runner.stop();
    }
  });

  it('as a check: its script never runs, and its answer says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-norecord-check-'));
    const marker = join(dir, 'ran');
    const result = await runCheck(checkSchema.parse({ run: `touch '${marker}'; echo ok` }), {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: dir,
      ledger: unwritable(),
    });
    assert.equal(result.status, 'error');
    assert.match(result.reason, /could not record it in its process ledger/);
    assert.ok(!existsSync(marker), 'the script ran unrecorded');
  });
});
