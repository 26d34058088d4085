import { Worker } from 'node:worker_threads';
import type { HubOptions } from '../hub.ts';
import type { BookOrder } from './table.ts';

/**
 * The hub in a thread of its own (worker_threads), as the instructor's runner starts it: what the
 * room sends — a thousand learners, or one flooding the join link — is parsed, checked, saved and
 * pushed on the hub's own event loop, so the instructor's terminals and checks on the runner's
 * loop do not wait for it. The thread gets the book's order (which lives with the runner's lab
 * catalog) when it starts and again whenever it changes, and sends its log lines back.
 */
export interface HubThread {
  url: string;
  /** The view's own origin at this start (hub.ts RunningHub). */
  view: string;
  port: number;
  joinToken: string;
  viewToken: string;
  database: string | undefined;
  capacity: number;
  close(): Promise<void>;
}

type FromThread =
  | { type: 'log'; message: string }
  | {
      type: 'started';
      url: string;
      view: string;
      port: number;
      joinToken: string;
      viewToken: string;
      database: string | undefined;
      capacity: number;
    }
  | { type: 'failed'; message: string; code: string | undefined }
  | { type: 'closed' };

export type HubThreadOptions = Omit<HubOptions, 'bookOrder' | 'log'> & {
  log: (message: string) => void;
  bookOrder?: () => BookOrder;
};

/** How often the runner looks whether the book's order changed (a lab file edited). */
const orderEveryMs = 2000;

export function startHubThread(options: HubThreadOptions): Promise<HubThread> {
  const { log, bookOrder, ...rest } = options;
  const worker = new Worker(new URL('./thread-main.ts', import.meta.url), {
    workerData: { options: rest, order: bookOrder?.() },
    // Where Node does not strip types by default (before 22.18), the thread is told to.
    execArgv: process.features.typescript ? [] : ['--experimental-strip-types'],
  });
  let lastOrder = JSON.stringify(bookOrder?.() ?? null);
  const orderTimer = bookOrder
    ? setInterval(() => {
        const order = bookOrder();
        const text = JSON.stringify(order);
        if (text === lastOrder) return;
        lastOrder = text;
        worker.postMessage({ type: 'order', order });
      }, orderEveryMs)
    : undefined;
  orderTimer?.unref();
  let closed: (() => void) | undefined;
  return new Promise((resolve, reject) => {
    worker.on('error', (error: Error) => {
      clearInterval(orderTimer);
      reject(error);
    });
    worker.on('exit', () => {
      clearInterval(orderTimer);
      closed?.();
    });
    worker.on('message', (message: FromThread) => {
      if (message.type === 'log') log(message.message);
      else if (message.type === 'failed') {
        clearInterval(orderTimer);
        void worker.terminate();
        reject(Object.assign(new Error(message.message), { code: message.code }));
      } else if (message.type === 'closed') void worker.terminate();
      else if (message.type === 'started') {
        resolve({
          url: message.url,
          view: message.view,
          port: message.port,
          joinToken: message.joinToken,
          viewToken: message.viewToken,
          database: message.database,
          capacity: message.capacity,
          close: () =>
            new Promise<void>((done) => {
              clearInterval(orderTimer);
              closed = done;
              worker.postMessage({ type: 'close' });
            }),
        });
      }
    });
  });
}
