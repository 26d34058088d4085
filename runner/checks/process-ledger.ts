import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../workspace.ts';
import { isAlive, killProcessSession, processSessionMembers } from './process-group.ts';

/**
 * The processes a runner started, kept in the workspace (`processes.json`) while they live: each
 * terminal's shell and each check leads its own process session. A runner stopped normally ends
 * them all and leaves the ledger empty; a runner killed hard (SIGKILL, a crash, a closed laptop
 * lid that never woke the process) cannot, and what they left behind — a `nohup`'d job, a check
 * that never timed out — keeps running. The next start sweeps those sessions (`sweepLeftovers`),
 * and the doctor reports any it finds (`findLeftovers`) when no runner is up.
 */

export interface LedgerEntry {
  /** The session's id: the pid of its leader, the shell or the check's bash. */
  sid: number;
  kind: 'terminal' | 'check';
  /** When the leader started (ms since the epoch), to tell it from a later process of that pid. */
  startedAt: number;
  /** The runner that started it. */
  runner: number;
}

/** A process reported under the same pid as a recorded one, started this long apart, is another. */
const sameStartMs = 5_000;

export class ProcessLedger {
  #path: string;
  #entries = new Map<number, LedgerEntry>();

  constructor(path: string) {
    this.#path = path;
  }

  add(sid: number | undefined, kind: LedgerEntry['kind']): void {
    if (!sid) return;
    this.#entries.set(sid, { sid, kind, startedAt: Date.now(), runner: process.pid });
    this.#save();
  }

  remove(sid: number | undefined): void {
    if (!sid || !this.#entries.delete(sid)) return;
    this.#save();
  }

  #save(): void {
    try {
      writeAtomic(this.#path, `${JSON.stringify([...this.#entries.values()])}\n`, 0o600);
    } catch {
      // A ledger that cannot be written only loses the sweep after a crash; the lab goes on.
    }
  }
}

function readLedger(path: string): LedgerEntry[] {
  try {
    const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!Array.isArray(data)) return [];
    return data.filter(
      (entry): entry is LedgerEntry =>
        typeof entry === 'object' &&
        entry !== null &&
        Number.isInteger((entry as LedgerEntry).sid) &&
        (entry as LedgerEntry).sid > 1 &&
        typeof (entry as LedgerEntry).startedAt === 'number' &&
        Number.isInteger((entry as LedgerEntry).runner),
    );
  } catch {
    return [];
  }
}

/** When a process started, from `ps` (Linux and macOS alike); undefined if it is gone. */
function startOf(pid: number): number | undefined {
  try {
    const elapsed = execFileSync('ps', ['-o', 'etime=', '-p', String(pid)], {
      encoding: 'utf8',
    }).trim();
    // [[dd-]hh:]mm:ss
    const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(elapsed);
    if (!match) return undefined;
    const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
    const ms =
      (((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
    return Date.now() - ms;
  } catch {
    return undefined;
  }
}

/** A left session: its entry, and the pids still in it that belong to it. */
export interface Leftover {
  entry: LedgerEntry;
  pids: number[];
}

/**
 * The sessions in the ledger whose runner is gone but which still have processes that started
 * with them or after (not a later process that happens to reuse a pid).
 */
export function findLeftovers(path: string): Leftover[] {
  const leftovers: Leftover[] = [];
  for (const entry of readLedger(path)) {
    // A runner still up ends its own sessions; only a gone runner's are left over.
    if (isAlive(entry.runner)) continue;
    const candidates = [...new Set([entry.sid, ...processSessionMembers(entry.sid)])];
    const pids = candidates.filter((pid) => {
      if (pid === process.pid || !isAlive(pid)) return false;
      const started = startOf(pid);
      return started !== undefined && started >= entry.startedAt - sameStartMs;
    });
    if (pids.length > 0) leftovers.push({ entry, pids });
  }
  return leftovers;
}

/** Kills what runners killed hard left running, and empties the ledger; says how many it ended. */
export function sweepLeftovers(path: string): number {
  const leftovers = findLeftovers(path);
  for (const { entry } of leftovers) killProcessSession(entry.sid);
  try {
    writeAtomic(path, '[]\n', 0o600);
  } catch {
    // Nothing to sweep next time either way.
  }
  return leftovers.reduce((sum, leftover) => sum + leftover.pids.length, 0);
}
