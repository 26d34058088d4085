import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { liveRunner, TerminalClient, type LiveRunner } from '../../support/live-runner.ts';

/**
 * The edges of a terminal session, through the runner's real WebSocket and a real bash: what
 * the shell writes last, bytes that are not UTF-8, and the runs the page asks for by name.
 */
describe('terminal session edges', () => {
  let runner: LiveRunner;
  before(async () => {
    runner = await liveRunner();
  });
  after(async () => {
    await runner.stop();
  });

  async function open(name: string): Promise<TerminalClient> {
    const client = new TerminalClient(runner, `session=${name}&cols=100&rows=30`);
    await client.opened();
    await client.message('screen');
    return client;
  }

  it("sends the shell's last output before it says the shell ended", async () => {
    for (let round = 0; round < 5; round++) {
      const client = await open(`exit${round}`);
      // Much output, the last line, and the shell exits at once: the end of it is still on its
      // way from the pty when the shell's exit is seen.
      client.type(`head -c 300000 /dev/zero | tr '\\0' x; echo; echo LAST-WORDS-$((40+2)); exit\r`);
      await client.until('the socket to close', () => client.closed !== undefined, 20_000);
      assert.equal(client.closed?.code, 4002, 'closed because the shell exited');
      assert.match(client.output, /LAST-WORDS-42/, `round ${round}: the last line arrived`);
    }
  });

  it('passes bytes of 0x80 and above to the shell as they are', async () => {
    const client = await open('bytes');
    // Once echo has run, the shell has left its line editor: what comes next goes to head.
    client.type('echo reading-$((40+2)); head -c 2 | od -An -tx1\r');
    await client.until('head to wait for input', () => client.output.includes('reading-42'));
    // One byte that is not UTF-8 on its own, then Enter: the shell must read exactly ff 0a.
    client.socket.send(Buffer.from([0xff, 0x0a]), { binary: true });
    await client.until('od to print two bytes', () =>
      /^\s*[0-9a-f]{2} [0-9a-f]{2}\s*$/m.test(client.output.replaceAll('\r', '')),
    );
    assert.match(client.output, /\bff 0a\b/);
    client.close();
  });

  it('reports a lab script as a script, from running to done', async () => {
    const client = await open('script');
    const from = client.messages.length;
    client.send({ type: 'script', lab: 'fixture', script: 'prepare' });
    await client.until('the prepare to end', () =>
      client.messages.slice(from).some((m) => m.type === 'script' && m.state !== 'running'),
    );
    const states = client.messages
      .slice(from)
      .filter((m) => m.type === 'script')
      .map((m) => `${m.lab} ${m.script} ${m.state} ${m.exitCode ?? ''}`.trim());
    assert.deepEqual(states, ['fixture prepare running', 'fixture prepare done 0']);
    assert.equal(
      client.messages.slice(from).some((m) => m.type === 'cell'),
      false,
      'no fake cell',
    );
    client.close();
  });

  it('names the run an error answers, and calls a missing script unknown-script', async () => {
    const client = await open('errors');
    const from = client.messages.length;
    client.send({ type: 'run', lab: 'fixture', cell: 'nope' });
    client.send({ type: 'script', lab: 'short', script: 'cleanup' });
    await client.until(
      'two errors',
      () => client.messages.slice(from).filter((m) => m.type === 'error').length === 2,
    );
    const errors = client.messages.slice(from).filter((m) => m.type === 'error');
    assert.deepEqual(
      errors.map(({ code, lab, cell, script }) => ({ code, lab, cell, script })),
      [
        { code: 'unknown-cell', lab: 'fixture', cell: 'nope', script: undefined },
        { code: 'unknown-script', lab: 'short', cell: undefined, script: 'cleanup' },
      ],
    );
    client.close();
  });
});
