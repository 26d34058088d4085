import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IPty } from 'node-pty';
import { LifeState } from '../../../../runner/lifecycle.ts';
import { TerminalSession, type SessionClient } from '../../../../runner/terminal/session.ts';

/** A pty whose exit the test decides; it spawns nothing. */
class FakePty {
  /** Far above any pid the system hands out: signalling its group finds nothing. */
  readonly pid = 2 ** 30;
  #exit: (() => void) | undefined;
  killed: string[] = [];
  onData = () => ({ dispose: () => {} });
  onExit = (listener: () => void) => {
    this.#exit = listener;
    return { dispose: () => {} };
  };
  write = () => {};
  resize = () => {};
  pause = () => {};
  resume = () => {};
  kill = (signal: string) => this.killed.push(signal);
  exit(): void {
    this.#exit?.();
  }
}

/** A page's end of the socket, keeping how it was closed. */
function page() {
  const closes: string[] = [];
  const client: SessionClient = {
    sendBytes: () => {},
    sendMessage: () => {},
    close: (code, reason) => closes.push(`${code} ${reason}`),
  };
  return { client, closes };
}

function session() {
  const pty = new FakePty();
  const ends: TerminalSession[] = [];
  let ended: () => void = () => {};
  const endedOnce = new Promise<void>((resolve) => (ended = resolve));
  const terminal = new TerminalSession({
    name: 'lifecycle',
    shell: { kind: 'bash', file: 'fake', args: [], env: {} },
    env: {},
    cwd: '/',
    cols: 80,
    rows: 24,
    onEnd: (which) => {
      ends.push(which);
      ended();
    },
    spawn: () => pty as unknown as IPty,
  });
  return { terminal, pty, ends, endedOnce };
}

describe('terminal session lifecycle', () => {
  it('is running once its shell has started', () => {
    const { terminal } = session();
    assert.equal(terminal.state, LifeState.running);
    void terminal.dispose();
  });

  it('ends once when the shell exits and then the page closes its socket', async () => {
    const { terminal, pty, ends, endedOnce } = session();
    const { client, closes } = page();
    await terminal.attach(client);
    pty.exit();
    assert.equal(terminal.state, LifeState.ending, "reading the shell's last output");
    await endedOnce;
    terminal.detach(client);
    await terminal.exited;
    assert.equal(terminal.state, LifeState.ended);
    assert.deepEqual(ends, [terminal]);
    assert.deepEqual(closes, ['4002 the shell exited']);
  });

  it('ends once when the page closes its socket and then the shell exits', async () => {
    const { terminal, pty, ends, endedOnce } = session();
    const { client, closes } = page();
    await terminal.attach(client);
    terminal.detach(client);
    assert.equal(terminal.state, LifeState.running, 'a session outlives its page');
    pty.exit();
    await endedOnce;
    await terminal.exited;
    assert.equal(terminal.state, LifeState.ended);
    assert.deepEqual(ends, [terminal]);
    assert.deepEqual(closes, [], 'no page was left to tell');
  });

  it('ends once when it is closed, the shell exits after, and it is closed again', async () => {
    const { terminal, pty, ends } = session();
    const { client, closes } = page();
    await terminal.attach(client);
    const exited = terminal.dispose('the runner is stopping');
    assert.equal(terminal.state, LifeState.ended);
    assert.deepEqual(pty.killed, ['SIGHUP']);
    pty.exit();
    await exited;
    await terminal.dispose();
    terminal.detach(client);
    assert.deepEqual(ends, [terminal]);
    assert.deepEqual(closes, ['4002 the runner is stopping']);
    assert.deepEqual(pty.killed, ['SIGHUP'], 'hung up once');
    assert.deepEqual(terminal.run({ lab: 'l', cell: 'c' }, 'true').ok, false);
  });
});
