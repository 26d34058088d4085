import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuTicks } from './scope.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  /** The kernel's memory monitors that ran while the terminals were measured (see below). */
  memoryMonitors?: MemoryMonitor[];
}

/**
 * A DAMON monitor of the kernel (Data Access MONitor): a kernel thread, kdamond, that wakes every
 * `sampleMs` to sample which memory is in use, and may act on it (page out what is cold). On a
 * machine of two cores, each wake takes one of them from the page and the runner for a while.
 */
export interface MemoryMonitor {
  /** What it watches: `paddr` (all physical memory) or `vaddr` (processes). */
  operations: string;
  sampleMs: number;
  /** CPU time its thread used while it was watched, and the wall time it was watched for. */
  cpuMs: number;
  wallMs: number;
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const name = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(text)?.[1];
    return `${name ?? process.platform}, kernel ${release()}`;
  } catch {
    // Not Linux, or no os-release: the platform and kernel are still worth saying.
    return `${process.platform} ${release()}`;
  }
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: osName(),
    node: process.version,
  };
}

/** Where the kernel lists its DAMON monitors (its sysfs interface). */
const damon = '/sys/kernel/mm/damon/admin/kdamonds';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** CPU time of a thread or process so far, in ms, or undefined once it has gone. */
function cpuMsOf(pid: number, tickMs: number): number | undefined {
  try {
    return cpuTicks(pid) * tickMs;
  } catch {
    return undefined;
  }
}

/**
 * Starts watching the kernel's running DAMON monitors (none where there is no DAMON, or its
 * sysfs cannot be read); `stop()` says how much CPU each used meanwhile.
 */
export function watchMemoryMonitors(kdamonds = damon): { stop(): MemoryMonitor[] } {
  let names: string[] = [];
  try {
    names = readdirSync(kdamonds).filter((name) => /^\d+$/.test(name));
  } catch {
    // No DAMON in this kernel (or not Linux): nothing competes that way.
  }
  const tickMs = 1000 / clockTicksPerSecond();
  const started = performance.now();
  const watched = names.flatMap((name) => {
    const dir = `${kdamonds}/${name}`;
    const pid = Number(readText(`${dir}/pid`));
    if (readText(`${dir}/state`) !== 'on' || !(pid > 0)) return [];
    const context = `${dir}/contexts/0`;
    const before = cpuMsOf(pid, tickMs);
    if (before === undefined) return [];
    return [
      {
        pid,
        before,
        operations: readText(`${context}/operations`) ?? 'unknown',
        sampleMs: Number(readText(`${context}/monitoring_attrs/intervals/sample_us`)) / 1000,
      },
    ];
  });
  return {
    stop: () =>
      watched.map(({ pid, before, operations, sampleMs }) => ({
        operations,
        sampleMs,
        cpuMs: (cpuMsOf(pid, tickMs) ?? before) - before,
        wallMs: performance.now() - started,
      })),
  };
}

/** CPU time of one of a monitor's wakes, on average, in ms. */
export function msPerSample(monitor: MemoryMonitor): number {
  const samples = monitor.sampleMs > 0 ? monitor.wallMs / monitor.sampleMs : 0;
  return samples > 0 ? monitor.cpuMs / samples : 0;
}

/** A monitor in words, for the machine's table. */
export function describeMonitor(monitor: MemoryMonitor): string {
  const share = monitor.wallMs > 0 ? (100 * monitor.cpuMs) / monitor.wallMs : 0;
  const what = monitor.operations === 'paddr' ? 'all physical memory' : monitor.operations;
  return (
    `DAMON (kdamond) on ${what}, waking every ${monitor.sampleMs} ms: ${share.toFixed(1)}% of a ` +
    `core while the terminals were measured, ${msPerSample(monitor).toFixed(0)} ms a wake`
  );
}

function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    // getconf missing: Linux's USER_HZ is 100 on every architecture Node runs on.
    return 100;
  }
}

/** The commit measured, marked when the working tree differs from it. */
export function describeCommit(root: string): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return dirty ? `${commit} with uncommitted changes` : commit;
  } catch {
    // Not a git checkout (an unpacked release): say so rather than fail the whole run.
    return 'unknown (not a git checkout)';
  }
}

/** The 1-minute load average (0 where the platform has none). */
export function load(): number {
  return loadavg()[0] ?? 0;
}

/**
 * Waits up to two minutes for the machine to calm down (load under half its cores), so that a
 * run does not start in the middle of someone's build. The load is reported either way.
 */
export async function waitForQuiet(log: (message: string) => void): Promise<void> {
  const calm = Math.max(1, cpus().length / 2);
  if (load() < calm) return;
  log(
    `the machine is busy (load ${load().toFixed(2)}); waiting up to 2 minutes for it to calm down`,
  );
  const deadline = performance.now() + 120_000;
  while (load() >= calm && performance.now() < deadline) await sleep(5_000);
}
