import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
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
