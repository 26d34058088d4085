import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LearnerSummary } from '../../../../runner/classroom/hub/learners.ts';
import { startCli } from '../../support/cli.ts';
import { root } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

const labs = join(root, 'tests/fixtures/labs');

describe('classroom from the command line', () => {
  it('an instructor starts a hub, a learner joins with the printed command, the hub sees their check', async () => {
    const instructor = startCli([
      '--port',
      '0',
      '--hub',
      '--hub-port',
      '0',
      '--hub-host',
      '127.0.0.1',
      '--labs',
      labs,
    ]);
    let learner: ReturnType<typeof startCli> | undefined;
    try {
      await instructor.started();
      const printed = instructor.output();
      assert.match(printed, /runs no commands/);
      assert.match(printed, /display names and check results/);
      // Only the join link outlives a restart: the view link is new at each start.
      assert.match(printed, /a restart takes the same join link \(the view link above is new/);
      // The view link names this start's own origin; this process, which resolves no `.localhost`
      // name, reads the table at 127.0.0.1 of the same port.
      const viewLink =
        /Instructor hub:[^\n]*\n\n {2}(http:\/\/[0-9a-f]{16}\.localhost:\d+\/#token=\S+)/.exec(
          printed,
        )?.[1];
      const command = /npm start -- --report-to (\S+) --name "<your name>"/.exec(printed);
      assert.ok(viewLink && command?.[1], printed);
      const link = new URL(viewLink);
      const viewToken = new URLSearchParams(link.hash.slice(1)).get('token') ?? '';
      const hub = new URL(`http://127.0.0.1:${link.port}/`);

      learner = startCli([
        '--port',
        '0',
        '--labs',
        labs,
        '--report-to',
        command[1],
        '--name',
        'Dana',
      ]);
      await learner.started();
      assert.match(learner.output(), /Reporting to the hub at 127\.0\.0\.1:\d+ as "Dana"/);
      const runnerFile = JSON.parse(readFileSync(join(learner.home, 'runner.json'), 'utf8')) as {
        url: string;
        token: string;
      };
      const check = await fetch(new URL('api/checks/fixture/never-passes', runnerFile.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${runnerFile.token}` },
      });
      assert.equal(((await check.json()) as { status: string }).status, 'fail');

      let rows: LearnerSummary[] = [];
      try {
        await waitFor(
          'the hub to show Dana stuck',
          async () => {
            const answer = await fetch(new URL('/api/learners', hub), {
              headers: { Authorization: `Bearer ${viewToken}` },
            });
            rows = ((await answer.json()) as { learners: LearnerSummary[] }).learners;
            return rows.some((row) => row.stuck?.check === 'never-passes');
          },
          15_000,
          100,
        );
      } catch (error) {
        assert.fail(`${(error as Error).message}: ${JSON.stringify(rows)}`);
      }
      assert.deepEqual(
        rows.map((row) => [row.name, row.chapter]),
        [['Dana', 'fixture']],
      );
      assert.equal(await learner.stop(), 0);
      assert.equal(await instructor.stop(), 0);
    } finally {
      await learner?.stop();
      await instructor.stop();
    }
  });

  it('exits with a clear message when --report-to is not a join link', async () => {
    const cli = startCli(['--port', '0', '--report-to', 'http://127.0.0.1:4322/', '--name', 'Eve']);
    assert.equal(await cli.exited(), 2);
    assert.match(cli.output(), /istio-lab: --report-to .* is not a join link/);
  });

  it("exits with a clear message when the hub's port is taken", async () => {
    const first = startCli(['--port', '0', '--hub', '--hub-port', '0', '--hub-host', '127.0.0.1']);
    try {
      await first.started();
      const port = /http:\/\/127\.0\.0\.1:(\d+)\/join\//.exec(first.output())?.[1] ?? '';
      const second = startCli([
        '--port',
        '0',
        '--hub',
        '--hub-port',
        port,
        '--hub-host',
        '127.0.0.1',
      ]);
      assert.equal(await second.exited(), 2);
      assert.match(second.output(), new RegExp(`the hub's port ${port} is in use`));
    } finally {
      await first.stop();
    }
  });
});
