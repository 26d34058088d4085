import { z } from 'zod';

/**
 * The terminal WebSocket protocol: text frames carry these JSON messages, binary frames carry the
 * terminal's bytes both ways. Both ends import this file; the runner parses every inbound frame
 * against `clientMessageSchema` and answers anything else with an `error` frame.
 */

const id = z.string().min(1).max(128);

/** Terminal size limits: large enough for any real window, small enough to refuse nonsense. */
export const TerminalSize = { minCols: 2, maxCols: 1000, minRows: 1, maxRows: 500 } as const;

export const clientMessageSchema = z.discriminatedUnion('type', [
  /** Paste a lab cell's command into the shell and report its state. */
  z.strictObject({ type: z.literal('run'), lab: id, cell: id }),
  /**
   * Paste a lab's prepare ("Catch up") or cleanup ("Reset chapter") into the shell; its `cell`
   * messages name it `@prepare` or `@cleanup`.
   */
  z.strictObject({ type: z.literal('script'), lab: id, script: z.enum(['prepare', 'cleanup']) }),
  z.strictObject({
    type: z.literal('resize'),
    cols: z.number().int().min(TerminalSize.minCols).max(TerminalSize.maxCols),
    rows: z.number().int().min(TerminalSize.minRows).max(TerminalSize.maxRows),
  }),
  /** Flow control: the page has rendered this many more bytes. */
  z.strictObject({
    type: z.literal('ack'),
    bytes: z
      .number()
      .int()
      .positive()
      .max(1 << 30),
  }),
]);
export type ClientMessage = z.output<typeof clientMessageSchema>;

/** Where a cell stands; `done` carries the command's own exit code and duration. */
export type CellState = 'running' | 'done' | 'interrupted';

export type ServerMessage =
  /**
   * On attach: the serialized screen (scrollback included) and its size, before live output.
   * `lost`: the runner lost the terminal's earlier output (its screens' worker ended), so the
   * screen starts after it; the page says so above it.
   */
  | {
      type: 'screen';
      data: string;
      cols: number;
      rows: number;
      cell?: RunningCell;
      lost?: true;
    }
  | { type: 'cell'; lab: string; cell: string; state: CellState; exitCode?: number; ms?: number }
  /** A check in progress (polling) or finished, for pages that show it live. */
  | { type: 'check'; lab: string; check: string; attempt: number; status?: CheckStatus }
  | { type: 'error'; code: string; message: string };

export interface RunningCell {
  lab: string;
  cell: string;
}

export type CheckStatus = 'pass' | 'fail' | 'error';

/** `POST /api/checks/<lab>/<check>` answers with this. */
export interface CheckResult {
  status: CheckStatus;
  /** Why it passed or failed, in plain words (English; the page shows it as given). */
  reason: string;
  /** The tail of the check's output, stdout and stderr interleaved. */
  output: string;
  ms: number;
  attempts: number;
}

/** Why a client message is bad, as an error code and a message for people. */
export function describeBadMessage(raw: unknown): {
  code: 'bad-message' | 'bad-resize';
  message: string;
} {
  const type = raw && typeof raw === 'object' && 'type' in raw ? raw.type : undefined;
  if (type === 'resize') {
    const { minCols, maxCols, minRows, maxRows } = TerminalSize;
    return {
      code: 'bad-resize',
      message: `resize needs whole numbers cols ${minCols}-${maxCols} and rows ${minRows}-${maxRows}`,
    };
  }
  if (typeof type !== 'string')
    return { code: 'bad-message', message: 'a message needs a string "type"' };
  if (!['run', 'script', 'resize', 'ack'].includes(type)) {
    return {
      code: 'bad-message',
      message: `unknown message type "${type}"; expected run, script, resize or ack`,
    };
  }
  return { code: 'bad-message', message: `bad fields for "${type}"` };
}
