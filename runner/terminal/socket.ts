import type { WebSocket } from 'ws';
import { CloseCode, ErrorCode } from '../../src/lib/error-codes.ts';
import {
  clientMessageSchema,
  describeBadMessage,
  TerminalSize,
  type ServerMessage,
} from '../../src/lib/protocol.ts';
import type { LabCatalog } from '../lab-catalog.ts';
import type { SessionClient, TerminalSession } from './session.ts';

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

/**
 * Wires one WebSocket to one session: binary frames are keystrokes, text frames are protocol
 * messages parsed against the shared schema. Nothing a page sends can crash the runner: every
 * bad frame earns an `error` frame and the connection stays up (oversize frames are closed with
 * 1009 by the ws server itself, before they reach here).
 */
export function bindSocket(
  socket: WebSocket,
  session: TerminalSession,
  labs: LabCatalog,
  size: { cols: number; rows: number },
): void {
  const client: SessionClient = {
    sendBytes: (data) => socket.send(data, { binary: true }),
    sendMessage: (message) => socket.send(JSON.stringify(message)),
    close: (code, reason) => socket.close(code, reason),
  };
  const fail = (code: string, message: string) =>
    client.sendMessage({ type: 'error', code, message } satisfies ServerMessage);

  socket.on('message', (data, isBinary) => {
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
      const found = labs.lab(message.lab);
      if (!found.ok) return fail(found.code, found.message);
      const script = found.value[message.script];
      if (!script)
        return fail(ErrorCode.unknownCell, `lab "${message.lab}" has no ${message.script} script`);
      const started = session.runCell(message.lab, `@${message.script}`, script);
      if (!started.ok) fail(started.code, started.message);
    } else {
      const found = labs.cell(message.lab, message.cell);
      if (!found.ok) return fail(found.code, found.message);
      const started = session.runCell(message.lab, message.cell, found.value.run);
      if (!started.ok) fail(started.code, started.message);
    }
  });
  socket.on('close', () => session.detach(client));
  socket.on('error', () => session.detach(client));
  session.attach(client, size).catch((error: unknown) => {
    fail(ErrorCode.internal, `could not restore the terminal: ${(error as Error).message}`);
    socket.close(CloseCode.sessionEnded, 'attach failed');
  });
}
