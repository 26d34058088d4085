import { ErrorCode } from '../../src/lib/wire/error-codes.ts';
import { SessionLimits, TerminalSession, type SessionOptions } from './session.ts';

/** Session names: short, safe in URLs and logs. */
const namePattern = /^[A-Za-z0-9_-]{1,32}$/;

export const SessionRegistryLimits = {
  /** Live sessions at once for the learner (one token); the flood guard. */
  maxSessions: 8,
} as const;

/** What a new session needs beyond its name. */
export type NewSession = Omit<SessionOptions, 'name' | 'onEnd'>;

/** The named terminals of this runner. A name maps to at most one live session. */
export class SessionRegistry {
  #sessions = new Map<string, TerminalSession>();
  #max: number;

  constructor(max: number = SessionRegistryLimits.maxSessions) {
    this.#max = max;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Whether `open` would succeed, without starting anything (checked before the handshake). */
  canOpen(name: string): { ok: true } | { ok: false; code: ErrorCode; message: string } {
    if (!namePattern.test(name)) {
      return {
        ok: false,
        code: ErrorCode.badSession,
        message: 'a session name is 1-32 letters, digits, "-" or "_"',
      };
    }
    const existing = this.#sessions.get(name);
    if ((!existing || existing.ended) && this.#sessions.size >= this.#max) {
      return {
        ok: false,
        code: ErrorCode.tooManySessions,
        message: `${this.#max} terminals are open already; close a page or wait for idle ones to end`,
      };
    }
    return { ok: true };
  }

  /** The live session of that name, or a new one; or why neither can be had. */
  open(
    name: string,
    options: NewSession,
  ): { ok: true; session: TerminalSession } | { ok: false; code: ErrorCode; message: string } {
    const allowed = this.canOpen(name);
    if (!allowed.ok) return allowed;
    const existing = this.#sessions.get(name);
    if (existing && !existing.ended) return { ok: true, session: existing };
    const session = new TerminalSession({
      ...options,
      name,
      onEnd: (ended) => {
        if (this.#sessions.get(name) === ended) this.#sessions.delete(name);
      },
    });
    this.#sessions.set(name, session);
    return { ok: true, session };
  }

  /** Ends every session; settles when their shells have exited (or a little after the kill grace). */
  async disposeAll(reason: string): Promise<void> {
    const exits = [...this.#sessions.values()].map((session) => session.dispose(reason));
    const grace = new Promise<void>((resolve) =>
      setTimeout(resolve, SessionLimits.killGraceMs + 500).unref(),
    );
    await Promise.race([Promise.all(exits), grace]);
  }
}
