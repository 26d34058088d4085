/**
 * The runner's log, in levels: `error`, `warn` and `info` are what a learner sees in the window
 * that runs the runner, as they always were (the link, a warning, a worker that failed); `debug`
 * and `trace` are for finding out in the field why a terminal behaved as it did: `--log trace`
 * shows each time flow control held or released a pty, stopped or resumed sending to a page, and
 * what the skip engine left out. A line is written only if its level is enabled; a caller on a
 * hot path asks `enabled(level)` first, so that a disabled line costs no formatting.
 *
 * Lines at `info` and above are the message alone, on stdout (`info`) or stderr (`warn`,
 * `error`), so that tools and tests reading the runner's output see what they always saw. Lines
 * at `debug` and `trace` go to stderr, with their level, a topic and `key=value` fields, in the
 * way of wetty's structured log lines.
 */

/** The levels, most severe first: a level shows itself and those before it. */
export const LogLevel = {
  error: 0,
  warn: 1,
  info: 2,
  debug: 3,
  trace: 4,
} as const;
export type LogLevel = keyof typeof LogLevel;

export const logLevels = Object.keys(LogLevel) as LogLevel[];

/** The level the runner starts at, unless `--log` says otherwise. */
export const defaultLogLevel: LogLevel = 'info';

/** Values of a line's fields: printed as `key=value`. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** Where lines go: stdout for `info`, stderr for the rest (the console's own streams). */
export type LogSink = (level: LogLevel, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === 'info') console.log(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
};

/** A field's value as printed: quoted when it holds a space, a quote or `=`, so lines split. */
function fieldValue(value: string | number | boolean | undefined): string {
  const text = String(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(LogLevel, value);
}

/** A log at one level, writing to one sink; `child` adds fields to every line it writes. */
export class Logger {
  #config: { level: LogLevel; sink: LogSink };
  #fields: LogFields;

  constructor(
    options: { level?: LogLevel; sink?: LogSink } = {},
    fields: LogFields = {},
    shared?: { level: LogLevel; sink: LogSink },
  ) {
    this.#config = shared ?? {
      level: options.level ?? defaultLogLevel,
      sink: options.sink ?? consoleSink,
    };
    this.#fields = fields;
  }

  get level(): LogLevel {
    return this.#config.level;
  }

  /** Sets the level of this log and of every child made from it. */
  set level(level: LogLevel) {
    this.#config.level = level;
  }

  /** A log with the same level and sink, whose lines carry `fields` too (a session's name). */
  child(fields: LogFields): Logger {
    return new Logger({}, { ...this.#fields, ...fields }, this.#config);
  }

  /** Whether lines at `level` are written. */
  enabled(level: LogLevel): boolean {
    return LogLevel[level] <= LogLevel[this.#config.level];
  }

  error(message: string, fields?: LogFields): void {
    this.#write('error', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.#write('warn', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.#write('info', message, fields);
  }

  debug(message: string, fields?: LogFields): void {
    this.#write('debug', message, fields);
  }

  trace(message: string, fields?: LogFields): void {
    this.#write('trace', message, fields);
  }

  #write(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (!this.enabled(level)) return;
    const all = { ...this.#fields, ...fields };
    const pairs = Object.entries(all)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${fieldValue(value)}`);
    // At info and above a line is what it always was: the message, then any fields.
    const body = pairs.length > 0 ? `${message} ${pairs.join(' ')}` : message;
    this.#config.sink(level, LogLevel[level] <= LogLevel.info ? body : `${level} ${body}`);
  }
}

/** The runner's log: `runner/cli.ts` sets its level from `--log`. */
export const log = new Logger();
