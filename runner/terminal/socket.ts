import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, ErrorCode, errorMessage } from '../../src/lib/wire/error-codes.ts';
import {
  clientMessageSchema,
  describeBadMessage,
  TerminalSize,
  terminalProtocol,
  type ClientMessage,
  type ServerMessage,
} from '../../src/lib/wire/protocol.ts';
import { refuseUpgrade } from '../reply.ts';
import type { LabCatalog } from '../lab-catalog.ts';
import type { SessionClient, TerminalSession } from './session.ts';
import type { NewSession, SessionRegistry } from './sessions.ts';
import { cellCommand, scriptCommand } from './staging.ts';

/**
 * The terminal's WebSocket, the only way from the runner to a page's terminal: it takes the
 * upgrade (after the server's auth decision), opens or finds the named session, parses every
 * frame the page sends with the shared schema (src/lib/wire/protocol.ts), and is the one place that
 * sends the page a message — a session's own, and the check broadcasts of the API. Binary
 * frames are keystrokes one way and output the other. Nothing a page sends can crash the
 * runner: a bad frame earns an `error` message and the connection stays up (frames over
 * `maxFrameBytes` are closed with 1009 by the ws server itself).
 */

/** Frames over this size are refused with close code 1009 by the WebSocket server. */
export const maxFrameBytes = 1 << 20;

/** Reads the initial size from the upgrade URL; a missing or bad one falls back to 80x24. */
export function initialSize(url: URL): { cols: number; rows: number } {
  const cols = Number(url.searchParams.get('cols'));
  const rows = Number(url.searchParams.get('rows'));
  const fits =
    Number.isInteger(cols) &&
    Number.isInteger(rows) &&
    cols >= TerminalSize.minCols &&
    cols <= TerminalSize.maxCols &&
    rows >= TerminalSize.minRows &&
    rows <= TerminalSize.maxRows;
  return fits ? { cols, rows } : { cols: 80, rows: 24 };
}

/** Sends one protocol message: the one place a message is serialized for a page. */
function send(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

export interface TerminalSocketOptions {
  sessions: SessionRegistry;
  labs: LabCatalog;
  /** The folder where long cells and lab scripts are staged for the shell (staging.ts). */
  cells: string;
  /** What a new session starts with (its shell, environment, folder, idle time). */
  newSession: Omit<NewSession, 'cols' | 'rows'>;
  log: (message: string) => void;
}

export interface TerminalSockets {
  /**
   * Takes an upgrade the server has already authorized: checks the path and the session name,
   * then completes the handshake and binds the socket to its session.
   */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
  /** Sends a message to every attached page (a check in progress, for every page to show). */
  broadcast(message: ServerMessage): void;
  /** Closes every terminal socket (the runner is stopping). */
  close(): void;
}

export function createTerminalSockets(options: TerminalSocketOptions): TerminalSockets {
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    // A page on an --allow-origin host cannot send headers with a WebSocket: it offers the token
    // as a second subprotocol, and the runner answers with the plain one.
    handleProtocols: (protocols) => (protocols.has(terminalProtocol) ? terminalProtocol : false),
  });

  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    if (url.pathname !== '/api/terminal')
      return refuseUpgrade(socket, 404, ErrorCode.notFound, 'the terminal is at /api/terminal');
    const name = url.searchParams.get('session') ?? 'main';
    const allowed = options.sessions.canOpen(name);
    if (!allowed.ok)
      return refuseUpgrade(
        socket,
        allowed.code === ErrorCode.tooManySessions ? 429 : 400,
        allowed.code,
        allowed.message,
      );
    const size = initialSize(url);
    // The shell is started only once the handshake has succeeded: a broken handshake spawns nothing.
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      try {
        const opened = options.sessions.open(name, { ...options.newSession, ...size });
        if (!opened.ok) {
          send(ws, { type: 'error', code: opened.code, message: opened.message });
          ws.close(CloseCode.sessionEnded, opened.code);
          return;
        }
        bind(ws, opened.session, options, size);
      } catch (error) {
        options.log(`could not start a terminal: ${errorMessage(error)}`);
        send(ws, {
          type: 'error',
          code: ErrorCode.internal,
          message: `could not start the shell: ${errorMessage(error)}`,
        });
        ws.close(1011, 'shell failed');
      }
    });
  };

  return {
    upgrade,
    broadcast: (message) => {
      for (const socket of sockets) send(socket, message);
    },
    close: () => {
      for (const socket of sockets) socket.close(CloseCode.shutdown, 'the runner is stopping');
      wss.close();
    },
  };
}

/** Wires one WebSocket to one session. */
function bind(
  socket: WebSocket,
  session: TerminalSession,
  { labs, cells }: Pick<TerminalSocketOptions, 'labs' | 'cells'>,
  size: { cols: number; rows: number },
): void {
  const client: SessionClient = {
    sendBytes: (data) => {
      if (socket.readyState === socket.OPEN) socket.send(data, { binary: true });
    },
    sendMessage: (message) => send(socket, message),
    close: (code, reason) => socket.close(code, reason),
  };
  const fail = (code: ErrorCode, message: string, about?: ClientMessage) => {
    const reply: ServerMessage = { type: 'error', code, message };
    // An error in answer to a run names that run, so the page can show it where it belongs.
    if (about?.type === 'run') Object.assign(reply, { lab: about.lab, cell: about.cell });
    if (about?.type === 'script') Object.assign(reply, { lab: about.lab, script: about.script });
    send(socket, reply);
  };

  const onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      session.input(bytes);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      fail(ErrorCode.badJson, 'a text frame must be one JSON message');
      return;
    }
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const bad = describeBadMessage(raw);
      fail(bad.code, bad.message);
      return;
    }
    const message = parsed.data;
    if (message.type === 'resize') session.resize(message.cols, message.rows);
    else if (message.type === 'ack') session.acknowledge(message.bytes);
    else if (message.type === 'script') {
      const found = labs.script(message.lab, message.script);
      if (!found.ok) return fail(found.code, found.message, message);
      const started = session.run(
        { lab: message.lab, script: message.script },
        scriptCommand(cells, message.lab, message.script, found.value),
      );
      if (!started.ok) fail(started.code, started.message, message);
    } else {
      const found = labs.cell(message.lab, message.cell);
      if (!found.ok) return fail(found.code, found.message, message);
      const started = session.run(
        { lab: message.lab, cell: message.cell },
        cellCommand(cells, message.lab, message.cell, found.value.run),
      );
      if (!started.ok) fail(started.code, started.message, message);
    }
  };
  socket.on('message', (data, isBinary) => {
    // Whatever a message leads to, a failure is answered, never thrown out of the runner.
    try {
      onMessage(data, isBinary);
    } catch (error) {
      fail(ErrorCode.internal, `the runner failed on this message: ${errorMessage(error)}`);
    }
  });
  socket.on('close', () => session.detach(client));
  socket.on('error', () => session.detach(client));
  session.attach(client, size).catch((error: unknown) => {
    fail(ErrorCode.internal, `could not restore the terminal: ${errorMessage(error)}`);
    socket.close(CloseCode.sessionEnded, 'attach failed');
  });
}
