import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from '../../src/lib/wire/error-codes.ts';
import { runnerMark, writeDurable } from '../workspace.ts';
import { isAlive, killProcessSession, processSessionMembers } from './group.ts';

/**
 * The processes a runner started, kept in the workspace (`processes.json`) while they live: each
 * terminal's shell and each check leads its own process session. A runner stopped normally ends
 * them all and leaves the ledger empty; a runner killed hard (SIGKILL, a crash, a closed laptop
 * lid that never woke the process) cannot, and what they left behind — a `nohup`'d job, a check
 * that never timed out — keeps running. The next start sweeps those sessions (`sweepLeftovers`),
 * and the doctor reports any it finds (`findLeftovers`) when no runner is up.
 *
 * A pid alone names nothing: once a process ends, its pid goes to the next one, and after a
 * reboot to anything of anyone's. So a process is acted on only when it is proved to be the one
 * recorded, or to descend from it (`isOurs`): never on a pid that merely matches, nor on an entry
 * that lacks what the proof needs. The proof reads /proc, so the sweep works on Linux only;
 * elsewhere the ledger records sessions without a start time and nothing is ever swept.
 */

export interface LedgerEntry {
  /** The session's id: the pid of its leader, the shell or the check's bash. */
  sid: number;
  kind: 'terminal' | 'check';
  /** When the leader started, in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  start: number;
  /** The leader's command when it was recorded (field 2 of /proc/<pid>/stat). */
  command: string;
  /** The boot it started in (/proc/sys/kernel/random/boot_id): ticks restart at each boot. */
  boot: string;
  /** The runner's mark, in the environment of every process it started (runnerMark). */
  mark: string;
  /** The runner that started it, and when that runner started (ticks). */
  runner: number;
  runnerStart: number;
}

/** What /proc says of a process: its command, session and start, or undefined if it is gone. */
interface ProcStat {
  command: string;
  session: number;
  start: number;
}

export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Gone, or no /proc (not Linux): nothing can be proved of it.
    return undefined;
  }
  // "pid (comm) state ppid pgrp session …": the command may hold spaces and parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const session = Number(fields[3]);
  const start = Number(fields[19]);
  if (open < 0 || !Number.isInteger(session) || !Number.isInteger(start)) return undefined;
  return { command: text.slice(open + 1, close), session, start };
}

let boot: string | undefined;
function bootId(): string {
  try {
    boot ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    boot = '';
  }
  return boot;
}

/** Whether a process's environment holds this runner mark (inherited from a runner's process). */
function carriesMark(pid: number, mark: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .includes(`ISTIO_LAB_RUNNER=${mark}`);
  } catch {
    return false;
  }
}

export class ProcessLedger {
  #path: string;
  #entries = new Map<number, LedgerEntry>();
  #self: ProcStat | undefined = procStat(process.pid);

  constructor(path: string) {
    this.#path = path;
  }

  /**
   * Records a session before it may run anything. When the record cannot be written, the session
   * is killed at once and the reason is returned: a process the ledger does not know of would
   * escape the sweep after a crash.
   */
  add(sid: number | undefined, kind: LedgerEntry['kind']): string | undefined {
    if (!sid) return undefined;
    const leader = procStat(sid);
    this.#entries.set(sid, {
      sid,
      kind,
      start: leader?.start ?? -1,
      command: leader?.command ?? '',
      boot: bootId(),
      mark: runnerMark,
      runner: process.pid,
      runnerStart: this.#self?.start ?? -1,
    });
    const problem = this.#save();
    if (problem === undefined) return undefined;
    this.#entries.delete(sid);
    killProcessSession(sid);
    return problem;
  }

  remove(sid: number | undefined): void {
    if (!sid || !this.#entries.delete(sid)) return;
    // A session that ended needs no record: failing to drop it only leaves one the sweep skips.
    this.#save();
  }

  #save(): string | undefined {
    try {
      writeDurable(this.#path, `${JSON.stringify([...this.#entries.values()])}\n`, 0o600);
      return undefined;
    } catch (error) {
      return `the runner could not record it in its process ledger ${this.#path} (${errorMessage(error)}), so it did not run it`;
    }
  }
}

/** The ledger's entries; `problem` when the file is there but cannot be read as a ledger. */
export function readLedger(path: string): { entries: LedgerEntry[]; problem?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [] };
    return { entries: [], problem: errorMessage(error) };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // A runner always writes at least "[]": an empty file was cut short, not empty.
    return { entries: [], problem: text.trim() === '' ? 'it is empty' : errorMessage(error) };
  }
  if (!Array.isArray(data)) return { entries: [], problem: 'it is not a list of sessions' };
  return { entries: data.filter(isEntry) };
}

/**
 * An entry a sweep may act on: every field the proof needs, a real start time among them. An
 * older runner's entry (a start in milliseconds, no command) is not one.
 */
function isEntry(value: unknown): value is LedgerEntry {
  const entry = value as Partial<LedgerEntry> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    Number.isInteger(entry.sid) &&
    (entry.sid ?? 0) > 1 &&
    Number.isInteger(entry.start) &&
    (entry.start ?? -1) >= 0 &&
    typeof entry.command === 'string' &&
    entry.command !== '' &&
    typeof entry.boot === 'string' &&
    entry.boot !== '' &&
    typeof entry.mark === 'string' &&
    entry.mark !== '' &&
    Number.isInteger(entry.runner) &&
    Number.isInteger(entry.runnerStart)
  );
}

/**
 * Whether `pid` is a process of the recorded session, proved: in this boot, in that session, and
 * either its leader itself (the exact start, in clock ticks, and the command recorded) or a
 * process started since that carries the recording runner's mark in its environment (a job the
 * shell left behind, which outlives its leader). A process that reused the pid, or a session
 * that a new process of the same pid leads, has neither.
 */
function isOurs(pid: number, entry: LedgerEntry): boolean {
  if (pid === process.pid || entry.boot !== bootId()) return false;
  const stat = procStat(pid);
  if (!stat || stat.session !== entry.sid) return false;
  if (pid === entry.sid && stat.start === entry.start && stat.command === entry.command)
    return true;
  return stat.start >= entry.start && carriesMark(pid, entry.mark);
}

/** Whether the runner that recorded an entry still runs (the same process, not its pid's heir). */
function runnerUp(entry: LedgerEntry): boolean {
  if (entry.runner === process.pid) return true;
  const stat = procStat(entry.runner);
  return stat !== undefined && stat.start === entry.runnerStart;
}

/** A left session: its entry, and the pids still in it that belong to it. */
export interface Leftover {
  entry: LedgerEntry;
  pids: number[];
}

/** The sessions in the ledger whose runner is gone and that still have processes proved theirs. */
export function findLeftovers(path: string): Leftover[] {
  const leftovers: Leftover[] = [];
  for (const entry of readLedger(path).entries) {
    // A runner still up ends its own sessions; only a gone runner's are left over.
    if (runnerUp(entry)) continue;
    const candidates = [...new Set([entry.sid, ...processSessionMembers(entry.sid)])];
    const pids = candidates.filter((pid) => isAlive(pid) && isOurs(pid, entry));
    if (pids.length > 0) leftovers.push({ entry, pids });
  }
  return leftovers;
}

/** What a sweep did: how many processes it ended, and where it kept a ledger it could not read. */
export interface Sweep {
  ended: number;
  unreadable?: { aside: string; problem: string };
}

/**
 * Kills what runners killed hard left running, each process proved (`isOurs`) just before, and
 * starts a new ledger. A ledger that cannot be read is not taken as empty: it is kept aside under
 * a name the doctor looks for (`unreadableLedgers`), and the sweep says so.
 */
export function sweepLeftovers(path: string): Sweep {
  const { problem } = readLedger(path);
  if (problem !== undefined) {
    const aside = `${path}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(path, aside);
    writeDurable(path, '[]\n', 0o600);
    return { ended: 0, unreadable: { aside, problem } };
  }
  const leftovers = findLeftovers(path);
  for (const { entry, pids } of leftovers) {
    const proved = pids.filter((pid) => isOurs(pid, entry));
    // Its whole group only while its leader is proved ours: a group is named by the leader's pid.
    if (proved.includes(entry.sid)) killProcessSession(entry.sid);
    for (const pid of proved) signal(pid);
  }
  writeDurable(path, '[]\n', 0o600);
  return { ended: leftovers.reduce((sum, leftover) => sum + leftover.pids.length, 0) };
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone since it was proved: what we wanted.
  }
}

/**
 * Ledgers that could not be read, kept aside by a sweep, or the ledger itself when it cannot be
 * read now: what the doctor reports until the learner has looked and removed them.
 */
export function unreadableLedgers(path: string): { file: string; problem: string }[] {
  const found: { file: string; problem: string }[] = [];
  const { problem } = readLedger(path);
  if (problem !== undefined) found.push({ file: path, problem });
  if (!existsSync(dirname(path))) return found;
  const prefix = `${basename(path)}.unreadable-`;
  for (const name of readdirSync(dirname(path)).sort())
    if (name.startsWith(prefix))
      found.push({ file: join(dirname(path), name), problem: 'kept aside by a runner' });
  return found;
}
