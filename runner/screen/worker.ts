// The worker thread behind runner/screen/host.ts: it keeps every terminal's headless xterm, so that
// parsing a flood of output takes a core of its own instead of the runner's main thread.
import { parentPort } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { ScreenReply, ScreenRequest } from './host.ts';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

interface Kept {
  terminal: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
  scrollback: number;
  /** Counts the writes and resizes received: a serialization is current while it is unchanged. */
  changes: number;
  /** The last serialization, while no write or resize has been received since. */
  serialized: { changes: number; data: string } | undefined;
}

const port = parentPort;
if (!port)
  throw new Error('runner/screen/worker.ts runs as a worker thread (runner/screen/host.ts)');
const screens = new Map<number, Kept>();
const reply = (message: ScreenReply) => port.postMessage(message);

port.on('message', (request: ScreenRequest) => {
  if (request.op === 'open') {
    const terminal = new Terminal({
      cols: request.cols,
      rows: request.rows,
      scrollback: request.scrollback,
      allowProposedApi: true,
    });
    const serializer = new SerializeAddon();
    terminal.loadAddon(serializer);
    screens.set(request.id, {
      terminal,
      serializer,
      scrollback: request.scrollback,
      changes: 0,
      serialized: undefined,
    });
    return;
  }
  const screen = screens.get(request.id);
  if (!screen) return;
  const { terminal } = screen;
  switch (request.op) {
    case 'write': {
      changed(screen);
      const bytes = request.data.byteLength;
      terminal.write(request.data, () => reply({ op: 'written', id: request.id, bytes }));
      break;
    }
    case 'resize':
      changed(screen);
      // After what is already queued: that output was written for the old size.
      terminal.write('', () => terminal.resize(request.cols, request.rows));
      break;
    case 'prepare': {
      const at = screen.changes;
      if (screen.serialized?.changes !== at) terminal.write('', () => serialized(screen, at));
      break;
    }
    case 'serialize': {
      const at = screen.changes;
      const send = () => {
        const reused = screen.serialized?.changes === at;
        const data = serialized(screen, at);
        reply({ op: 'serialized', id: request.id, request: request.request, data, reused });
      };
      if (screen.serialized?.changes === at) send();
      else terminal.write('', send);
      break;
    }
    case 'close':
      screens.delete(request.id);
      terminal.dispose();
      break;
  }
});

function changed(screen: Kept): void {
  screen.changes++;
  // Out of date: its memory can go now.
  screen.serialized = undefined;
}

/**
 * The screen serialized, once everything received up to change `at` is parsed: the copy kept,
 * if it is of that change, or a new one, kept unless more has been received since.
 */
function serialized(screen: Kept, at: number): string {
  if (screen.serialized?.changes === at) return screen.serialized.data;
  const data = screen.serializer.serialize({ scrollback: screen.scrollback });
  if (screen.changes === at) screen.serialized = { changes: at, data };
  return data;
}
