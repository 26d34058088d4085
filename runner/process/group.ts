import { execFile, execFileSync } from 'node:child_process';

/**
 * Sends a signal to a whole process group (the child started with `detached: true` leads it), so
 * that background jobs and grandchildren go with it. A group that is already gone is not an error.
 */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already (ESRCH), or not ours to signal (EPERM: a sudo child): cleanup never throws,
    // because its callers are timers and event handlers.
  }
}

/**
 * Kills every process of a session: the shell of a terminal and of a check each lead their own
 * session, and a job that changed process group (job control, `nohup … &`, a double fork) still
 * belongs to it. Only `setsid` leaves a session; docs/security.md says so.
 */
export function killProcessSession(
  sid: number | undefined,
  signal: NodeJS.Signals = 'SIGKILL',
): void {
  if (!sid) return;
  killGroup(sid, signal);
  signalAll(processSessionMembers(sid), signal);
}

/**
 * Kills what is left in a session once its group is gone, as killProcessSession does, but without
 * blocking: pgrep runs asynchronously. A check's answer must not wait for the few milliseconds
 * that starting pgrep and scanning the process table take (docs/performance.md).
 */
export function sweepProcessSession(
  sid: number | undefined,
  signal: NodeJS.Signals = 'SIGKILL',
): void {
  if (!sid) return;
  execFile('pgrep', ['-s', String(sid)], { encoding: 'utf8' }, (_error, stdout) =>
    // pgrep exits 1 when nothing is left, the usual case: that is no error.
    signalAll(pgrepPids(stdout), signal),
  );
}

/** Process ids in a session, from pgrep (Linux and macOS have it); none when it cannot tell. */
export function processSessionMembers(sid: number): number[] {
  try {
    return pgrepPids(execFileSync('pgrep', ['-s', String(sid)], { encoding: 'utf8' }));
  } catch {
    // pgrep exits 1 when nothing matches; a missing pgrep leaves only the group kill.
    return [];
  }
}

/** The process ids pgrep printed, less this process. */
function pgrepPids(stdout: string): number[] {
  return stdout
    .split('\n')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone between the listing and the signal: that is what we wanted.
    }
  }
}

/** Whether a process (or, with a negative pid, a group) still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
