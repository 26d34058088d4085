import type { ServerMessage } from '../../../src/lib/wire/protocol.ts';

/**
 * The page's side of the runner, in Node, for the tests of the page's modules (src/client/): a
 * WebSocket the test drives, `fetch` answering what the test says, and the few browser globals
 * the modules read. `definePage` must run before such a module is imported: some read the
 * globals as they load.
 */

type Listener = (event: { data?: unknown; code?: number }) => void;

/** A WebSocket the test drives: it opens, receives and closes when the test says. */
export class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  /** Every socket made, oldest first. */
  static made: FakeSocket[] = [];

  url: string;
  readyState = FakeSocket.CONNECTING;
  binaryType = 'blob';
  /** What the page sent, in order, until the test takes it. */
  sent: Array<string | Uint8Array> = [];
  closeCalls = 0;
  #listeners = new Map<string, Listener[]>();

  constructor(url: URL | string) {
    this.url = String(url);
    FakeSocket.made.push(this);
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: string | Uint8Array): void {
    this.sent.push(data);
  }

  close(): void {
    this.closeCalls += 1;
    this.readyState = FakeSocket.CLOSING;
  }

  // What the runner does:
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.#fire('open', {});
  }

  /** A frame: a string for a message, an ArrayBuffer for output. */
  receive(data: string | ArrayBuffer): void {
    this.#fire('message', { data });
  }

  message(message: ServerMessage): void {
    this.receive(JSON.stringify(message));
  }

  /** Output, as a binary frame. */
  output(text: string): void {
    this.receive(new TextEncoder().encode(text).buffer);
  }

  drop(code = 1006): void {
    this.readyState = FakeSocket.CLOSED;
    this.#fire('close', { code });
  }

  /** The JSON messages sent, parsed; binary frames left out. */
  messages(): unknown[] {
    return this.sent
      .filter((frame) => typeof frame === 'string')
      .map((frame): unknown => JSON.parse(frame));
  }

  /** The binary frames sent. */
  bytes(): number[][] {
    return this.sent.filter((frame) => typeof frame !== 'string').map((frame) => [...frame]);
  }

  #fire(type: string, event: { data?: unknown; code?: number }): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
}

/** The runner's HTTP API answering `body` as JSON, with `status`, to every request. */
export const answerJson =
  (body: unknown, status = 200) =>
  (): Promise<Response> =>
    Promise.resolve(new Response(JSON.stringify(body), { status }));

export function define(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
}

/**
 * A chapter page at /en/fixture/ of a book on 127.0.0.1:4321, with empty storage, WebSocket as
 * `FakeSocket`, `fetch` as given, and the UI strings as given in the page's strings script.
 */
export function definePage(options: {
  fetch: () => Promise<Response>;
  strings?: Record<string, string>;
}): void {
  const storage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };
  const strings = options.strings;
  define('WebSocket', FakeSocket);
  define('document', {
    documentElement: { dataset: {}, lang: 'en' },
    querySelector: (selector: string) =>
      strings && selector === 'script[data-lab-strings]'
        ? { textContent: JSON.stringify(strings) }
        : null,
  });
  define('location', {
    href: 'http://127.0.0.1:4321/en/fixture/',
    origin: 'http://127.0.0.1:4321',
    pathname: '/en/fixture/',
    search: '',
    hash: '',
  });
  define('sessionStorage', storage);
  define('localStorage', storage);
  define('fetch', options.fetch);
}
