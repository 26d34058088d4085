// The worker thread behind runner/screen.ts: it keeps every terminal's headless xterm, so that
// parsing a flood of output takes a core of its own instead of the runner's main thread.
import { parentPort } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { ScreenReply, ScreenRequest } from './screen.ts';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

interface Kept {
  terminal: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
  scrollback: number;
}

const port = parentPort;
if (!port) throw new Error('runner/screen-worker.ts runs as a worker thread (runner/screen.ts)');
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
    if (request.notice) terminal.write(request.notice);
    screens.set(request.id, { terminal, serializer, scrollback: request.scrollback });
    return;
  }
  const screen = screens.get(request.id);
  if (!screen) return;
  const { terminal } = screen;
  switch (request.op) {
    case 'write': {
      const bytes = request.data.byteLength;
      terminal.write(request.data, () => reply({ op: 'written', id: request.id, bytes }));
      break;
    }
    case 'resize':
      // After what is already queued: that output was written for the old size.
      terminal.write('', () => terminal.resize(request.cols, request.rows));
      break;
    case 'serialize':
      terminal.write('', () =>
        reply({
          op: 'serialized',
          id: request.id,
          request: request.request,
          data: screen.serializer.serialize({ scrollback: screen.scrollback }),
        }),
      );
      break;
    case 'close':
      screens.delete(request.id);
      terminal.dispose();
      break;
  }
});
