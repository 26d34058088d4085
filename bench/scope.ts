import { errorMessage } from '../src/lib/wire/error-codes.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Everything the bench starts or creates, closed in reverse order when it ends, however it ends:
 * no process outlives the run and no temporary folder is left behind.
 */
export class Scope {
  #closers: { what: string; close: () => Promise<void> | void }[] = [];
  #closed = false;

  /** A fresh temporary folder, removed when the scope closes. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.defer(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));
    return dir;
  }

  defer(what: string, close: () => Promise<void> | void): void {
    if (this.#closed) throw new Error(`the bench is stopping: cannot ${what} later`);
    this.#closers.push({ what, close });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const { what, close } of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        console.error(`bench: could not ${what}: ${errorMessage(error)}`);
      }
    }
  }
}

/** A TCP port free on loopback right now (for a server that cannot take port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port found');
  return address.port;
}

/** Polls `probe` until it returns a value; fails with `what` after `ms`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
  everyMs = 10,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Resident memory of a process, from /proc (Linux), in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}

/** CPU time a process has used so far, in clock ticks (user + system). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until the given processes use (almost) no CPU: at most one tick each over a quarter of a
 * second, so that one measurement never runs while the last one is still draining. Gives up
 * quietly after `ms`; the caller has nothing better to do than measure anyway.
 */
export async function waitIdle(pids: readonly number[], ms = 10_000): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const before = pids.map(cpuTicks);
    await sleep(250);
    const after = pids.map(cpuTicks);
    if (after.every((ticks, i) => ticks - (before[i] ?? 0) <= 1)) return true;
  }
  return false;
}
