import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCheck } from '../../../../runner/checks/checks.ts';
import { checkSchema } from '../../../../src/lib/lab-schema.ts';
import { liveRunner, TerminalClient, type LiveRunner } from '../../support/live-runner.ts';

/**
 * Every terminal's pty master lives in the runner. A shell or a check that inherited one could
 * write into that terminal: type commands into another learner's shell, or read its keystrokes.
 */
const listPtys = `for fd in /proc/$$/fd/*; do t=$(readlink "$fd"); case "$t" in *ptmx*) echo "PTMX-HELD $fd";; esac; done; echo "FD-SCAN-DONE"`;

describe(
  'descriptors a shell or a check starts with',
  { skip: process.platform !== 'linux' },
  () => {
    let runner: LiveRunner;
    const clients: TerminalClient[] = [];
    before(async () => {
      runner = await liveRunner();
      // Two terminals first: their masters are open in the runner when the third one starts.
      for (const name of ['first', 'second', 'third']) {
        const client = new TerminalClient(runner, `session=${name}&cols=120&rows=30`);
        await client.opened();
        await client.message('screen');
        clients.push(client);
      }
    });
    after(async () => {
      for (const client of clients) client.close();
      await runner.stop();
    });

    it('a shell holds no pty master, its own or another terminal’s', async () => {
      const third = clients[2];
      assert.ok(third);
      third.type(`${listPtys}\r`);
      await third.until('the scan to finish', () => /(?<!")FD-SCAN-DONE\r?\n/.test(third.output));
      assert.doesNotMatch(third.output.replaceAll('\r', ''), /PTMX-HELD \/proc\//);
    });

    it('a check holds no pty master either', async () => {
      const result = await runCheck(
        checkSchema.parse({ run: listPtys.replaceAll('$$', '$BASHPID') }),
        {
          env: { PATH: '/usr/bin:/bin' },
          cwd: '/',
        },
      );
      assert.match(result.output, /FD-SCAN-DONE/);
      assert.doesNotMatch(result.output, /PTMX-HELD \/proc\//);
    });
  },
);
