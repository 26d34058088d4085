// zod/mini: the same schemas for a fraction of the page's bytes (they reach the page with the terminal).
import * as z from 'zod/mini';
import { errorCodes } from './error-codes.ts';
import { hintCodes, whyCodes } from './failure-reasons.ts';

/**
 * The terminal WebSocket protocol, both ways: text frames carry the JSON messages below, binary
 * frames carry the terminal's bytes (keystrokes in, output out). Both ends import this file. The
 * runner parses every inbound frame with `clientMessageSchema` and answers anything else with an
 * `error` message. The page reads the runner's messages tolerantly, so that a hosted page and a
 * runner of another version work together: fields it does not know are dropped (the schemas
 * below are plain objects, not strict ones), and a message type it does not know is ignored and
 * logged once. What a page cannot work with is a `protocolVersion` outside the range it speaks,
 * which `/api/health` announces (src/lib/wire/protocol-version.ts; the page says so in a banner).
 * docs/runner-api.md describes the same messages for people.
 */

export { oldestRunnerProtocol, protocolVersion, terminalProtocol } from './protocol-version.ts';

const id = z.string().check(z.minLength(1), z.maxLength(128));

/** Terminal size limits: large enough for any real window, small enough to refuse nonsense. */
export const TerminalSize = { minCols: 2, maxCols: 1000, minRows: 1, maxRows: 500 } as const;

/** A lab's two scripts: `prepare` (Catch up) and `cleanup` (Reset chapter). They are not cells. */
export const scriptNameSchema = z.enum(['prepare', 'cleanup']);
export type ScriptName = z.output<typeof scriptNameSchema>;

/** What the page asks the terminal to run: one cell of a lab, or one of the lab's scripts. */
export type RunTarget = { lab: string; cell: string } | { lab: string; script: ScriptName };

/** Paste a lab cell's command into the shell; `cell` messages report how it goes. */
const runMessage = z.strictObject({ type: z.literal('run'), lab: id, cell: id });

/** Paste a lab's prepare or cleanup into the shell; `script` messages report how it goes. */
const scriptRequest = z.strictObject({
  type: z.literal('script'),
  lab: id,
  script: scriptNameSchema,
});

/** The page's terminal has a new size (whole characters). */
const resizeMessage = z.strictObject({
  type: z.literal('resize'),
  cols: z.number().check(z.int(), z.gte(TerminalSize.minCols), z.lte(TerminalSize.maxCols)),
  rows: z.number().check(z.int(), z.gte(TerminalSize.minRows), z.lte(TerminalSize.maxRows)),
});

/** Flow control: the page has rendered this many more bytes of output. */
const ackMessage = z.strictObject({
  type: z.literal('ack'),
  bytes: z.number().check(z.int(), z.positive(), z.lte(1 << 30)),
});

/** Every message a page may send. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  runMessage,
  scriptRequest,
  resizeMessage,
  ackMessage,
]);
export type ClientMessage = z.output<typeof clientMessageSchema>;

/** Where a run stands: `running`, then `done` (with exit code and duration) or `interrupted`. */
export const runStateSchema = z.enum(['running', 'done', 'interrupted']);
export type RunState = z.output<typeof runStateSchema>;

/** A check's outcome, the same word in the runner, the API, progress.json and the page. */
export const checkStatusSchema = z.enum(['pass', 'fail', 'error']);
export type CheckStatus = z.output<typeof checkStatusSchema>;

const reasonParams = z.record(z.string(), z.union([z.string(), z.number()]));
/**
 * A reason or a hint that a newer runner may word with a code this page does not know: then it
 * reads as absent (the page shows the runner's English `reason`, or no hint) rather than
 * making the whole message unreadable.
 */
const whySchema = z.catch(
  z.optional(z.object({ code: z.enum(whyCodes), params: reasonParams })),
  undefined,
);
const hintSchema = z.catch(
  z.optional(z.object({ code: z.enum(hintCodes), params: reasonParams })),
  undefined,
);

/** How a run ended, when it ran to its end: the shell's exit code and the time it took. */
const runEnd = {
  state: runStateSchema,
  /** With `done`: the command line's exit code. */
  exitCode: z.optional(z.number().check(z.int())),
  /** With `done`: from the command line starting to its end, in milliseconds. */
  ms: z.optional(z.number().check(z.gte(0))),
  /** With a failed `done`: a common cause that its output showed (a missing tool, no cluster). */
  hint: hintSchema,
};

/**
 * On attach: the serialized screen (scrollback included) and its size, before live output.
 * `running` names what is running in it now, if a cell or script is. `lost`: the runner lost
 * the terminal's earlier output (its screens' worker ended), so the screen starts after it.
 */
const screenMessage = z.object({
  type: z.literal('screen'),
  data: z.string(),
  cols: z.number().check(z.int(), z.positive()),
  rows: z.number().check(z.int(), z.positive()),
  running: z.optional(
    z.union([z.object({ lab: id, cell: id }), z.object({ lab: id, script: scriptNameSchema })]),
  ),
  lost: z.optional(z.literal(true)),
});

/**
 * On attach, right before a `screen` with a long scrollback: the same screen's visible rows alone,
 * which the page can draw while it replays the whole screen (docs/runner-api.md).
 */
const visibleMessage = z.object({
  type: z.literal('visible'),
  data: z.string(),
});

/**
 * A cell's run: `running` when pasted (or queued behind the first prompt), then its end.
 * `failed`: the first of its commands that failed (as `set -e` sees failures), even when a later
 * one succeeded and the exit code is 0; its text is cut to 200 characters.
 */
const cellMessage = z.object({
  type: z.literal('cell'),
  lab: id,
  cell: id,
  ...runEnd,
  failed: z.optional(
    z.object({
      command: z.string().check(z.maxLength(200)),
      exitCode: z.number().check(z.int()),
    }),
  ),
});

/**
 * A lab's prepare or cleanup, reported as a cell is. `step`: the last step it announced
 * (`==> [2/4] istioctl <version>` gives `2/4 istioctl <version>`), so that a failure says where.
 */
const scriptMessage = z.object({
  type: z.literal('script'),
  lab: id,
  script: scriptNameSchema,
  ...runEnd,
  step: z.optional(z.string().check(z.maxLength(200))),
});

/**
 * A check in progress (each new attempt while it polls) or finished (with its status). Sent to
 * every page, not only the one that asked: a finished one carries the whole verdict (its reason,
 * cause, hint and whether it was saved, all but the output), so that every tab, and a page
 * reloaded while the check polled, shows the same verdict on the check's own line.
 */
const checkMessage = z.object({
  type: z.literal('check'),
  lab: id,
  check: id,
  attempt: z.number().check(z.int(), z.gte(0)),
  status: z.optional(checkStatusSchema),
  /** While it polls: why the attempt before this one did not pass; finished: why it ended so. */
  why: whySchema,
  /** Finished: the runner's English reason (as in `checkResultSchema`). */
  reason: z.optional(z.string()),
  cause: z.optional(z.string().check(z.maxLength(300))),
  hint: hintSchema,
  saved: z.optional(z.boolean()),
  saveError: z.optional(z.string()),
});
export type CheckMessage = z.output<typeof checkMessage>;

/**
 * Something the page asked for could not be done. `code` is stable (the page words it in its
 * language); `message` is the runner's English, for tools and as a fallback. An error in
 * answer to a run or script names that run.
 */
const errorMessageSchema = z.object({
  type: z.literal('error'),
  code: z.enum(errorCodes),
  message: z.string(),
  lab: z.optional(id),
  cell: z.optional(id),
  script: z.optional(scriptNameSchema),
});

/** Every message the runner sends on the terminal WebSocket. */
export const serverMessageSchema = z.discriminatedUnion('type', [
  screenMessage,
  visibleMessage,
  cellMessage,
  scriptMessage,
  checkMessage,
  errorMessageSchema,
]);
export type ServerMessage = z.output<typeof serverMessageSchema>;
export type ScreenMessage = z.output<typeof screenMessage>;
/** A `cell` or `script` message: how one run goes. */
export type RunMessage = z.output<typeof cellMessage> | z.output<typeof scriptMessage>;
export type ErrorMessage = z.output<typeof errorMessageSchema>;

const serverTypes: readonly string[] = serverMessageSchema.def.options.flatMap(
  (option) => option.def.shape.type.def.values,
);
const ignoredTypes = new Set<string>();

/**
 * A text frame from the runner, parsed; `undefined` when it is not JSON, not a message this page
 * knows (a newer runner's type) or a known type with fields it cannot read, which the page then
 * ignores. Fields it does not know are dropped. `warn` hears about each ignored message type
 * once, however often it comes (a newer runner's message may come with every keystroke), and
 * about every malformed frame.
 */
export function parseServerMessage(
  text: string,
  warn: (message: string) => void = (message) => console.warn(message),
): ServerMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    warn(`istio-lab: ignored a terminal message that is not JSON: ${text.slice(0, 200)}`);
    return undefined;
  }
  const parsed = serverMessageSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const type = raw && typeof raw === 'object' && 'type' in raw ? String(raw.type) : '';
  if (serverTypes.includes(type)) {
    warn(`istio-lab: ignored a "${type}" message this page cannot read: ${text.slice(0, 200)}`);
  } else if (!ignoredTypes.has(type)) {
    ignoredTypes.add(type);
    warn(
      `istio-lab: ignored "${type}" messages: a runner newer than this page sends them (logged once)`,
    );
  }
  return undefined;
}

/** `POST /api/checks/<lab>/<check>` answers with this. */
export const checkResultSchema = z.object({
  status: checkStatusSchema,
  /** Why it passed or failed, in plain words (English: for tools, and the page's fallback). */
  reason: z.string(),
  /** The same reason as a code and parameters, which the page words in its language. */
  why: whySchema,
  /** After a failure: the last line of its output that says something. */
  cause: z.optional(z.string().check(z.maxLength(300))),
  /** After a failure: a common cause that the output shows, with a fix the page links to. */
  hint: hintSchema,
  /** The tail of the check's output, stdout and stderr interleaved. */
  output: z.string(),
  ms: z.number().check(z.gte(0)),
  attempts: z.number().check(z.int(), z.gte(0)),
  /**
   * Whether the result reached progress.json (fsync'd) before this answer: false when writing
   * failed, with why in `saveError`. Absent from a run that is not recorded (cut short by shutdown).
   */
  saved: z.optional(z.boolean()),
  /** Why the result was not saved, in a few words: `the disk is full (ENOSPC)`. */
  saveError: z.optional(z.string()),
});
export type CheckResult = z.output<typeof checkResultSchema>;

/** Every refusal of the HTTP API, and of the WebSocket upgrade, has this body. */
export const errorReplySchema = z.object({ code: z.enum(errorCodes), message: z.string() });
export type ErrorReply = z.output<typeof errorReplySchema>;

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
  const known = clientMessageSchema.def.options.flatMap(
    (option) => option.def.shape.type.def.values,
  );
  if (!known.some((value) => value === type)) {
    return {
      code: 'bad-message',
      message: `unknown message type "${type}"; expected run, script, resize or ack`,
    };
  }
  return { code: 'bad-message', message: `bad fields for "${type}"` };
}
