import { execFileSync } from 'node:child_process';

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
export function killSession(sid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!sid) return;
  killGroup(sid, signal);
  for (const pid of sessionMembers(sid)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone between the listing and the signal: that is what we wanted.
    }
  }
}

/** Process ids in a session, from pgrep (Linux and macOS have it); none when it cannot tell. */
export function sessionMembers(sid: number): number[] {
  try {
    return execFileSync('pgrep', ['-s', String(sid)], { encoding: 'utf8' })
      .split('\n')
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
  } catch {
    // pgrep exits 1 when nothing matches; a missing pgrep leaves only the group kill.
    return [];
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
