import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import xtermHeadless from '@xterm/headless';
import { isAlive } from '../../../../runner/process/group.ts';
import { ScreenLimits, screens } from '../../../../runner/screen/host.ts';
import { chooseShell } from '../../../../runner/terminal/shell.ts';
import { FlowLimits } from '../../../../runner/terminal/flow-control.ts';
import { liveRunner, TerminalClient, type LiveRunner } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

const { Terminal } = xtermHeadless;

/**
 * Real bash in a real pty, driven through the runner's WebSocket: the cell state must follow the
 * shell-integration marks exactly.
 */
for (const kind of ['bash', 'zsh'] as const)
  describe(`terminal session (${kind})`, () => {
    let runner: LiveRunner;
    let client: TerminalClient;
    before(async () => {
      const shell = chooseShell(kind);
      if ('problem' in shell) throw new Error(`${shell.problem} (the tests need both shells)`);
      runner = await liveRunner({ shell });
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

    /** The cells reported since message `from`, and each one's state, in order. */
    const cellStates = (from: number) =>
      client.messages
        .slice(from)
        .flatMap((m) => (m.type === 'cell' ? [[m.cell, m.state] as const] : []));

    it('reports exit 0 for a passing cell, with its duration', async () => {
      const done = await runCell('say-hello');
      assert.equal(done.state, 'done');
      assert.equal(done.exitCode, 0);
      // An echo: a whole number of milliseconds, from none to well under the 10 s allowed.
      assert.ok(
        Number.isInteger(done.ms) && done.ms !== undefined && done.ms >= 0 && done.ms < 10_000,
        `say-hello took ${done.ms} ms`,
      );
      assert.match(client.output, /hello from the cell/);
      // The duration is measured, not made up: `sleep 1; echo slept` takes a second at least.
      const slept = await runCell('short-sleep');
      assert.equal(slept.exitCode, 0);
      assert.ok(
        slept.ms !== undefined && slept.ms >= 900 && slept.ms < 10_000,
        `short-sleep took ${slept.ms} ms`,
      );
    });

    it('reports the exit code of the command, not of the prompt: (exit 3)', async () => {
      assert.equal((await runCell('fail-on-purpose')).exitCode, 3);
    });

    it('runs a heredoc paste whole', async () => {
      const done = await runCell('heredoc');
      assert.equal(done.exitCode, 0);
      assert.match(client.output, /line one\r\nline two/);
    });

    const count = (mark: string) => client.output.split(`\x1b]133;${mark};`).length - 1;
    const pause = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

    it('an empty Enter or a Ctrl-C at the prompt reports no finished command', async () => {
      const prompts = count('A');
      const ends = count('D');
      client.type('\r');
      await client.until('a prompt after Enter', () => count('A') > prompts);
      await pause();
      client.type('abc');
      await pause();
      client.type('\x03');
      await client.until('a prompt after Ctrl-C', () => count('A') > prompts + 1);
      // A mark that the Enter or the Ctrl-C wrote comes before the one of the command typed next.
      const typed = client.output.length;
      client.type('true\r');
      await client.until('the end of true', () =>
        client.output.slice(typed).includes('\x1b]133;D;0;'),
      );
      assert.equal(count('D'), ends + 1, 'no command-finished mark but the one of true');
    });

    it('an Enter typed while a cell runs does not complete it early', async () => {
      const from = client.messages.length;
      client.send({ type: 'run', lab: 'fixture', cell: 'short-sleep' });
      await client.until('the cell to start', () =>
        client.messages.slice(from).some((m) => m.type === 'cell'),
      );
      await pause(300);
      client.type('\r');
      await client.until('the cell to end', () =>
        client.messages.slice(from).some((m) => m.type === 'cell' && m.state === 'done'),
      );
      const done = client.messages.slice(from).find((m) => m.type === 'cell' && m.state === 'done');
      assert.ok(
        done?.type === 'cell' && done.exitCode === 0 && (done.ms ?? 0) >= 900,
        JSON.stringify(done),
      );
      // Whatever the Enter made the session report comes before the next cell's messages.
      await runCell('say-hello');
      assert.deepEqual(cellStates(from), [
        ['short-sleep', 'running'],
        ['short-sleep', 'done'],
        ['say-hello', 'running'],
        ['say-hello', 'done'],
      ]);
    });

    it('Ctrl-C during a cell ends it with 130; a cell asked for meanwhile is refused as busy', async () => {
      const from = client.messages.length;
      client.send({ type: 'run', lab: 'fixture', cell: 'long-sleep' });
      await client.until('the cell to start', () =>
        client.messages.slice(from).some((m) => m.type === 'cell'),
      );
      await pause(300);
      client.send({ type: 'run', lab: 'fixture', cell: 'say-hello' });
      const busy = await client.message('error', from);
      assert.equal(busy.code, 'shell-busy');
      client.type('\x03');
      await client.until('the cell to end', () =>
        client.messages.slice(from).some((m) => m.type === 'cell' && m.state !== 'running'),
      );
      const done = client.messages
        .slice(from)
        .find((m) => m.type === 'cell' && m.state !== 'running');
      assert.ok(done?.type === 'cell' && done.exitCode === 130, JSON.stringify(done));
      await pause();
      assert.equal((await runCell('say-hello')).exitCode, 0);
    });

    it('a cell that tries to end its bracketed paste early still runs as one command', async () => {
      const done = await runCell('paste-breakout');
      assert.equal(done.exitCode, 0);
      assert.match(client.output, /kept together \[201~ 201~ done/);
    });

    it('runs a multi-command cell whole and reports its last exit code', async () => {
      assert.equal((await runCell('several-commands')).exitCode, 7);
      assert.match(client.output, /first\r\n[\s\S]*second/);
    });

    it('a cell whose first command fails is failed, and names that command', async () => {
      const done = (await runCell('first-fails')) as { exitCode?: number; failed?: unknown };
      assert.equal(done.exitCode, 0, 'the last command succeeded');
      assert.deepEqual(done.failed, { command: 'no-such-command-in-the-lab', exitCode: 127 });
      assert.match(client.output, /before[\s\S]*after/);
      const last = (await runCell('several-commands')) as { failed?: unknown };
      assert.deepEqual(last.failed, { command: '( exit 7 )', exitCode: 7 });
    });

    it('a pipeline fails with any of its commands, and pipefail stays as the learner had it', async () => {
      const done = (await runCell('pipe-fails')) as { exitCode?: number; failed?: unknown };
      assert.equal(done.exitCode, 6, 'the first command of the pipeline failed');
      assert.match(client.output, /Could not resolve host/);
      await runCell('pipefail-state');
      assert.match(client.output, /pipefail is off\r\n/);
      assert.doesNotMatch(client.output, /pipefail is on\r\n/);
    });

    it('a failure the cell handles itself does not fail it', async () => {
      const done = (await runCell('tolerated-failure')) as { exitCode?: number; failed?: unknown };
      assert.equal(done.exitCode, 0);
      assert.equal(done.failed, undefined);
      assert.match(client.output, /nothing there yet/);
    });

    it('a command the learner types is never reported as a cell', async () => {
      const from = client.messages.length;
      client.socket.send(Buffer.from('false; echo typed-by-hand\r'));
      await client.until('the typed command to run', () => /typed-by-hand\r\n/.test(client.output));
      // What the session made of the typed command comes before the next cell's messages.
      await runCell('say-hello');
      assert.deepEqual(cellStates(from), [
        ['say-hello', 'running'],
        ['say-hello', 'done'],
      ]);
    });

    it('carries CJK, Cyrillic and emoji intact', async () => {
      const bytes: Buffer[] = [];
      client.socket.on('message', (data, isBinary) => isBinary && bytes.push(data as Buffer));
      assert.equal((await runCell('unicode')).exitCode, 0);
      const text = Buffer.concat(bytes).toString('utf8');
      assert.ok(!text.includes('\ufffd'), 'no replacement characters');
      assert.match(text, /服务网格 · сервисная сетка · 🚀⛵/);
    });

    it('a printed look-alike mark cannot complete a cell or fake its exit code', async () => {
      const done = await runCell('forge-mark');
      assert.equal(done.state, 'done');
      assert.equal(done.exitCode, 9);
    });
  });

for (const kind of ['bash', 'zsh'] as const)
  describe(`a cell taller than the terminal (${kind})`, () => {
    let runner: LiveRunner;
    let client: TerminalClient;
    const rows = 13;
    before(async () => {
      const shell = chooseShell(kind);
      if ('problem' in shell) throw new Error(`${shell.problem} (the tests need both shells)`);
      runner = await liveRunner({ shell });
      client = new TerminalClient(runner, `session=short&cols=80&rows=${rows}`);
      await client.opened();
      await client.message('screen');
    });
    after(async () => {
      client.close();
      await runner.stop();
    });

    /** The screen as a terminal of the session's size draws what the shell wrote, line by line. */
    async function screenLines(): Promise<string[]> {
      const terminal = new Terminal({ cols: 80, rows, scrollback: 1000, allowProposedApi: true });
      await new Promise<void>((resolve) => terminal.write(client.output, resolve));
      const buffer = terminal.buffer.active;
      const lines: string[] = [];
      for (let y = 0; y < buffer.length; y++) {
        const line = buffer.getLine(y);
        const text = line?.translateToString(true) ?? '';
        // A line the terminal wrapped is one line of the shell's.
        if (line?.isWrapped && lines.length > 0) lines.push(`${lines.pop() ?? ''}${text}`);
        else lines.push(text);
      }
      terminal.dispose();
      return lines;
    }

    it('shows exactly its text, then its output; the up arrow recalls one line that runs it again', async () => {
      client.send({ type: 'run', lab: 'fixture', cell: 'long-heredoc' });
      const finished = () =>
        client.messages.filter(
          (m) => m.type === 'cell' && m.cell === 'long-heredoc' && m.state === 'done',
        ).length;
      await client.until('the tall cell to finish', () => finished() === 1);
      const body = Array.from(
        { length: 15 },
        (_, i) =>
          `line ${String(i + 1).padStart(2, '0')} of a heredoc taller than the docked terminal`,
      );
      const cellText = ["cat <<'EOF'", ...body, 'EOF'];
      const screen = await screenLines();
      const start = screen.indexOf(cellText[0] ?? '');
      assert.ok(start >= 0, `the cell's first line is on the screen:\n${screen.join('\n')}`);
      assert.deepEqual(screen.slice(start, start + cellText.length), cellText);
      assert.deepEqual(screen.slice(start + cellText.length, start + cellText.length + 15), body);

      // Up arrow: one line comes back, naming the cell; Enter runs the same cell again.
      const before = client.output.length;
      client.socket.send(Buffer.from('\x1b[A'));
      await client.until('the up arrow to recall a line', () =>
        client.output.slice(before).includes('long-heredoc.sh'),
      );
      // The shell draws the line again in more than one write: the screen is read until it is whole.
      const recalled = /istio-lab.*[$%#] \. .*long-heredoc\.sh$/;
      let shown: string[] = [];
      await waitFor(
        'the recalled line to be drawn',
        async () => {
          shown = (await screenLines()).filter((line) => line.trim() !== '');
          return recalled.test(shown.at(-1) ?? '');
        },
        10_000,
        100,
      );
      assert.match(shown.at(-1) ?? '', recalled);
      client.socket.send(Buffer.from('\r'));
      await client.until('the recalled cell to print its body again', () => {
        const times = client.output.split('line 15 of a heredoc').length - 1;
        return times >= 4;
      });
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

  it("sends a long screen's visible rows right before it, a short one alone", async () => {
    const runner = await liveRunner();
    try {
      const first = new TerminalClient(runner, 'session=long&cols=80&rows=20');
      await first.opened();
      await first.message('screen');
      first.type(`seq -f 'long line %g' 1 ${ScreenLimits.visibleFirstLines + 100}\r`);
      await first.until('the last line', () =>
        first.output.includes(`long line ${ScreenLimits.visibleFirstLines + 100}`),
      );
      const second = new TerminalClient(runner, 'session=long&cols=80&rows=20');
      await second.opened();
      const screen = await second.message('screen');
      const types = second.messages.map((message) => message.type);
      assert.deepEqual(types.slice(0, 2), ['visible', 'screen'], 'the rows, then the screen');
      const [rows] = second.messages;
      assert.ok(rows?.type === 'visible');
      assert.match(rows.data, new RegExp(`long line ${ScreenLimits.visibleFirstLines + 100}`));
      assert.doesNotMatch(rows.data, /long line 1\r/, 'not the scrollback');
      assert.match(screen.data, /long line 1\r/);
      second.close();
      const short = new TerminalClient(runner, 'session=short&cols=80&rows=20');
      await short.opened();
      await short.message('screen');
      assert.deepEqual(
        short.messages.map((message) => message.type),
        ['screen'],
      );
      short.close();
    } finally {
      await runner.stop();
    }
  });

  it('a screen whose worker was lost is restored with what came after, and marked as lost', async () => {
    const runner = await liveRunner();
    try {
      const first = new TerminalClient(runner, 'session=lost');
      await first.opened();
      assert.equal((await first.message('screen')).lost, undefined, 'nothing lost yet');
      first.type('echo before-$((1+1))\r');
      await first.until('the first echo', () => first.output.includes('before-2'));
      // A page that attaches gets the screen as the worker serialized it: once it shows the echo,
      // the output is in the worker, and is lost with it.
      const second = new TerminalClient(runner, 'session=lost');
      await second.opened();
      const before = await second.message('screen');
      assert.match(before.data, /before-2/);
      assert.equal(before.lost, undefined);
      await screens.crashForTest();
      second.type('echo after-$((2+2))\r');
      await second.until('the second echo', () => second.output.includes('after-4'));
      const third = new TerminalClient(runner, 'session=lost');
      await third.opened();
      const screen = await third.message('screen');
      assert.equal(screen.lost, true);
      assert.match(screen.data, /after-4/);
      assert.doesNotMatch(screen.data, /before-2/);
      third.close();
    } finally {
      await runner.stop();
    }
  });

  it('two pages attaching at once: the first is told it was taken over, the second gets the terminal', async () => {
    const runner = await liveRunner();
    try {
      const first = new TerminalClient(runner, 'session=race');
      const second = new TerminalClient(runner, 'session=race');
      await Promise.all([first.opened(), second.opened()]);
      await first.until('the first page to be closed', () => first.closed !== undefined);
      assert.equal(first.closed?.code, 4001);
      await second.message('screen');
      second.type('echo still-$((6*7))\r');
      await second.until('the echo', () => second.output.includes('still-42'));
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
      await waitFor('the shell to end after the idle timeout', () => !isAlive(pid), 5_000, 50);
    } finally {
      await runner.stop();
    }
  });

  it('during an 80 MB cat, Ctrl-C brings the prompt back and memory stays bounded', async () => {
    const runner = await liveRunner();
    try {
      const big = join(runner.workspace.root, 'big.txt');
      writeFileSync(big, `${'0123456789abcdef'.repeat(63)}\n`.repeat(80_000));
      const client = new TerminalClient(runner, 'session=cat');
      await client.opened();
      await client.message('screen');
      const before = process.memoryUsage().rss;
      client.type(`cat ${big}\r`);
      await client.until('the flood to start', () => client.bytes > 1 << 20);
      const prompts = client.output.split('\x1b]133;A;').length;
      client.type('\x03');
      await client.until(
        'the prompt after Ctrl-C',
        () => client.output.split('\x1b]133;A;').length > prompts,
        10_000,
      );
      assert.ok(
        client.bytes < 80 << 20,
        `the rest of the file was not sent (${client.bytes} bytes)`,
      );
      const grown = process.memoryUsage().rss - before;
      assert.ok(grown < 200 << 20, `memory grew by ${Math.round(grown / 2 ** 20)} MiB`);
      client.close();
    } finally {
      await runner.stop();
    }
  });

  it('sends a page that is behind the end of a flood, not every line, and its screen ends as if it drew them all', async () => {
    const runner = await liveRunner();
    try {
      const size = { cols: 100, rows: 30 };
      const query = `session=behind&cols=${size.cols}&rows=${size.rows}`;
      // A page that has fallen behind, however fast this machine is: it acknowledges nothing until
      // the shell has written the flood's last line (and then a file), then catches up,
      // acknowledging what it has and all that comes after.
      const slow = new TerminalClient(runner, query, { autoAck: false });
      let caughtUp = false;
      slow.socket.on('message', (data, isBinary) => {
        if (caughtUp && isBinary) slow.send({ type: 'ack', bytes: (data as Buffer).length });
      });
      await slow.opened();
      await slow.message('screen');
      const count = 300_000;
      const floodBytes = Array.from({ length: count }, (_, i) => String(i + 1).length + 2).reduce(
        (sum, n) => sum + n,
      );
      const written = join(runner.workspace.root, 'flood-written');
      slow.type(`seq ${count}; : > '${written}'; echo flood-ended-$((6 * 7))\r`);
      await slow.until('the shell to write the whole flood', () => existsSync(written), 60_000);
      caughtUp = true;
      slow.send({ type: 'ack', bytes: slow.bytes });
      await slow.until(
        'the end of the flood',
        () => slow.output.includes('flood-ended-42'),
        30_000,
      );
      assert.ok(
        slow.bytes < floodBytes / 2,
        `sent ${slow.bytes} bytes of a ${floodBytes}-byte flood`,
      );

      // What the slow page shows, scrollback included, against the screen the runner kept.
      const lines = async (data: string) => {
        const terminal = new Terminal({
          ...size,
          scrollback: FlowLimits.scrollback,
          allowProposedApi: true,
        });
        await new Promise<void>((resolve) => terminal.write(data, resolve));
        const buffer = terminal.buffer.active;
        const all = Array.from({ length: buffer.length }, (_, y) =>
          buffer.getLine(y)!.translateToString(true),
        );
        terminal.dispose();
        return all;
      };
      await slow.until('the prompt after the flood', () =>
        /flood-ended-42\r\n[\s\S]*\x1b\]133;A;/.test(slow.output),
      );
      const shown = await lines(slow.output);
      const reload = new TerminalClient(runner, query);
      await reload.opened();
      const kept = await lines((await reload.message('screen')).data);
      assert.deepEqual(shown, kept);
      // The scrollback is full, of the flood's last lines, each in its place.
      const numbers = shown.filter((line) => /^\d+$/.test(line)).map(Number);
      assert.equal(numbers.at(-1), count);
      assert.ok(numbers.length > FlowLimits.scrollback - size.rows, `${numbers.length} lines`);
      assert.ok(numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1));
      reload.close();
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
      await client.until(
        'the flood to fill the window a key leaves',
        () => client.bytes > FlowLimits.highWatermark,
      );
      // A key with more than the small window in flight stops sending at once, whatever time it
      // is; a ping's pong is written after every frame sent before the ping was read, so each
      // round trip gathers all the runner has sent by then.
      client.type('x');
      const roundTrip = () =>
        new Promise((resolve) => {
          client.socket.once('pong', resolve);
          client.socket.ping();
        });
      await roundTrip();
      const held = client.bytes;
      await roundTrip();
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
