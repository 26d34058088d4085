import { parentPort, workerData } from 'node:worker_threads';
import { startHub, type HubOptions } from '../hub.ts';
import type { BookOrder } from './table.ts';

/** The hub's thread (thread.ts): starts the hub, and answers the runner's messages. */
const port = parentPort;
if (!port) throw new Error('thread-main.ts runs as a worker thread of the runner');
const data = workerData as { options: Omit<HubOptions, 'log' | 'bookOrder'>; order?: BookOrder };
let order = data.order;
try {
  const hub = await startHub({
    ...data.options,
    log: (message) => port.postMessage({ type: 'log', message }),
    ...(order ? { bookOrder: () => order ?? [] } : {}),
  });
  port.on('message', (message: { type: string; order?: BookOrder }) => {
    if (message.type === 'order') order = message.order;
    if (message.type === 'close') void hub.close().then(() => port.postMessage({ type: 'closed' }));
  });
  port.postMessage({
    type: 'started',
    url: hub.url,
    view: hub.view,
    port: hub.port,
    joinToken: hub.joinToken,
    viewToken: hub.viewToken,
    database: hub.database,
    capacity: hub.learners.capacity,
  });
} catch (error) {
  port.postMessage({
    type: 'failed',
    message: error instanceof Error ? error.message : String(error),
    code: (error as NodeJS.ErrnoException).code,
  });
}
