import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAlive } from '../../../runner/process-group.ts';
import { liveRunner, TerminalClient, type LiveRunner } from '../support/live-runner.ts';

/**
 * Real bash in a real pty, driven through the runner's WebSocket: the cell state must follow the
 * shell-integration marks exactly.
 */
describe('terminal session', () => {
  let runner: LiveRunner;
  let client: TerminalClient;
  before(async () => {
    runner = await liveRunner();
    client = new TerminalClient(runner, 'session=marks&cols=100&rows=30');
    await client.opened();
    await client.message('screen');
  });
  after(async () => {
    client.close();
    await runner.stop();
  });

  /** Runs a fixture cell and returns its final `cell` message. */
  async function runCell(cell: string) {
    const from = client.messages.length;
    client.send({ type: 'run', lab: 'fixture', cell });
    let done: unknown;
    await client.until(`cell ${cell} to finish`, () => {
      done = client.messages
        .slice(from)
        .find((m) => m.type === 'cell' && m.cell === cell && m.state !== 'running');
      return done !== undefined;
    });
    return done as { state: string; exitCode?: number; ms?: number };
  }

  it('reports exit 0 for a passing cell, with its duration', async () => {
    const done = await runCell('say-hello');
    assert.equal(done.state, 'done');
    assert.equal(done.exitCode, 0);
    assert.equal(typeof done.ms, 'number');
    assert.match(client.output, /hello from bash cell/);
  });

  it('reports the exit code of the command, not of the prompt: (exit 3)', async () => {
    assert.equal((await runCell('fail-on-purpose')).exitCode, 3);
  });

  it('runs a heredoc paste whole', async () => {
    const done = await runCell('heredoc');
    assert.equal(done.exitCode, 0);
    assert.match(client.output, /line one\r\nline two/);
  });

  it('an empty Enter or a Ctrl-C at the prompt completes nothing', async () => {
    const from = client.messages.length;
    client.type('\r');
    client.type('abc\x03');
    client.type('true\r');
    await client.until('the prompt after true', () => /true\r\n/.test(client.output.slice(-400)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      client.messages.slice(from).filter((m) => m.type === 'cell'),
      [],
    );
  });

  it('Ctrl-C during a cell ends it with 130', async () => {
    const from = client.messages.length;
    client.type('sleep 30\r');
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.send({ type: 'run', lab: 'fixture', cell: 'say-hello' });
    const busy = await client.message('error', from);
    assert.equal(busy.code, 'shell-busy');
    client.type('\x03');
    await client.until('the prompt after Ctrl-C', () => /\^C/.test(client.output.slice(-300)));
    assert.equal((await runCell('say-hello')).exitCode, 0);
  });

  it('a printed look-alike mark cannot complete a cell or fake its exit code', async () => {
    const done = await runCell('forge-mark');
    assert.equal(done.state, 'done');
    assert.equal(done.exitCode, 9);
  });
});

describe('terminal session lifetime', () => {
  it('restores the screen for a new page, and the old page is told it was taken over', async () => {
    const runner = await liveRunner();
    try {
      const first = new TerminalClient(runner, 'session=keep&cols=90&rows=20');
      await first.opened();
      await first.message('screen');
      first.type('echo restored-$((40+2))\r');
      await first.until('the echo', () => first.output.includes('restored-42'));
      const second = new TerminalClient(runner, 'session=keep&cols=120&rows=40');
      await second.opened();
      const screen = await second.message('screen');
      assert.match(screen.data, /restored-42/);
      assert.deepEqual(
        [screen.cols, screen.rows],
        [120, 40],
        'the size is applied before the replay',
      );
      await first.until('the first page to be closed', () => first.closed !== undefined);
      assert.equal(first.closed?.code, 4001);
      second.close();
    } finally {
      await runner.stop();
    }
  });

  it('ends an idle session with no page attached, and its shell with it', async () => {
    const runner = await liveRunner({ idleMs: 300 });
    try {
      const client = new TerminalClient(runner, 'session=idle');
      await client.opened();
      await client.message('screen');
      client.type('echo pid=$$\r');
      await client.until('the shell pid', () => /pid=\d+/.test(client.output));
      const pid = Number(/pid=(\d+)/.exec(client.output)?.[1]);
      assert.ok(isAlive(pid));
      client.close();
      const deadline = Date.now() + 5_000;
      while (isAlive(pid) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(isAlive(pid), false, 'the shell ended after the idle timeout');
    } finally {
      await runner.stop();
    }
  });

  it('under a flood with no acknowledgements, stops sending at the high watermark; Ctrl-C brings the prompt back', async () => {
    const runner = await liveRunner();
    try {
      const client = new TerminalClient(runner, 'session=flood', { autoAck: false });
      await client.opened();
      await client.message('screen');
      client.type('yes\r');
      await client.until('the flood to start', () => client.bytes > 64 << 10);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const held = client.bytes;
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(client.bytes, held, 'nothing more is sent without acknowledgements');
      assert.ok(held < 1 << 20, `sent ${held} bytes unacknowledged`);
      client.type('\x03');
      client.send({ type: 'ack', bytes: held });
      // Acknowledge everything from now on, as a page that keeps up would.
      client.socket.on(
        'message',
        (data, isBinary) =>
          isBinary && client.send({ type: 'ack', bytes: (data as Buffer).length }),
      );
      await client.until(
        'the prompt after Ctrl-C',
        () => /\^C\r\n[\s\S]*istio-lab/.test(client.output.slice(-2000)),
        10_000,
      );
      client.close();
    } finally {
      await runner.stop();
    }
  });
});
