import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { errorMessage } from '../src/lib/wire/error-codes.ts';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, sep } from 'node:path';

/** The learner's workspace: pinned kubeconfig, downloaded tools, progress and the runner file. */
export interface Workspace {
  root: string;
  bin: string;
  kubeconfig: string;
  progress: string;
  runnerFile: string;
  history: string;
  /** The shared prepare steps, pins filled in (runner/lab-catalog.ts). */
  steps: string;
  /** The process sessions a runner started and that still live (runner/process/ledger.ts). */
  processes: string;
  /** Long cells and lab scripts, staged for the terminal to read (runner/terminal/staging.ts). */
  cells: string;
}

export function workspaceAt(
  root: string = process.env.ISTIO_LAB_HOME || join(homedir(), '.istio-lab'),
): Workspace {
  return {
    root,
    bin: join(root, 'bin'),
    kubeconfig: join(root, 'kubeconfig'),
    progress: join(root, 'progress.json'),
    runnerFile: join(root, 'runner.json'),
    history: join(root, 'bash_history'),
    steps: join(root, 'steps.sh'),
    processes: join(root, 'processes.json'),
    cells: join(root, 'cells'),
  };
}

/**
 * Makes the workspace's folders and proves that a file can be written there and reach the disk,
 * before anything else is written: a read-only or full workspace fails here, with an errno code
 * that `workspaceFault` explains, and not halfway through a start.
 */
export function ensureWorkspace(workspace: Workspace): void {
  makeFolder(workspace.bin);
  const probe = join(workspace.root, `.write-test-${process.pid}`);
  try {
    writeDurable(probe, 'x'.repeat(4096), 0o600);
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * `mkdir -p` that fails with the true reason: Node's recursive mkdir reports ENOENT for a folder
 * it cannot make on a read-only file system, where the parent is there and the problem is EROFS.
 */
function makeFolder(folder: string): void {
  if (statSync(folder, { throwIfNoEntry: false })?.isDirectory()) return;
  const parent = dirname(folder);
  if (parent !== folder) makeFolder(parent);
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** What a failed write in the workspace means, and what to do about it, by errno code. */
const faults: Record<string, { short: string; problem: string; fix: string }> = {
  EROFS: {
    short: 'the workspace is read-only',
    problem: 'it is on a read-only file system',
    fix: 'remount it read-write, or',
  },
  ENOSPC: {
    short: 'the disk is full',
    problem: 'the disk it is on is full',
    fix: 'free some space on that disk (df -h shows how much is left), or',
  },
  EDQUOT: {
    short: 'the disk quota is used up',
    problem: 'your disk quota there is used up',
    fix: 'free some of your files on that disk, or',
  },
  EACCES: {
    short: 'the workspace is not writable by this user',
    problem: 'your user may not write there',
    fix: 'give it back to your user (sudo chown -R "$USER" <folder>), or',
  },
  EPERM: {
    short: 'the workspace is not writable by this user',
    problem: 'your user may not write there',
    fix: 'give it back to your user (sudo chown -R "$USER" <folder>), or',
  },
  EIO: {
    short: 'the disk reported an input/output error',
    problem: 'the disk it is on reported an input/output error',
    fix: 'check that disk (dmesg names the error), or',
  },
  EISDIR: {
    short: 'a folder stands where a file should be',
    problem: 'a folder stands where one of its files should be',
    fix: 'move that folder away, or',
  },
  ENOTDIR: {
    short: 'a file stands where a folder should be',
    problem: 'a file stands where a folder should be',
    fix: 'move that file away, or',
  },
};

/** What a failed write means, in a few words: `the disk is full (ENOSPC)`. */
export function writeProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const fault = code === undefined ? undefined : faults[code];
  return fault ? `${fault.short} (${code})` : errorMessage(error);
}

/**
 * One paragraph for a workspace the runner (or the hub) cannot write: the folder, the problem
 * and the fix, with no stack trace. Undefined when `error` (or an error it was caused by) is not
 * one of the file system's refusals, so that other errors are reported as they are.
 */
export function workspaceFault(error: unknown, folder: string): string | undefined {
  let code: string | undefined;
  for (let cause = error; cause instanceof Error && !code; cause = cause.cause)
    code = (cause as NodeJS.ErrnoException).code;
  const fault = code === undefined ? undefined : faults[code];
  if (!fault) return undefined;
  return (
    `cannot write to the workspace ${folder}: ${fault.problem} (${code}). ` +
    'The runner keeps your progress, its tools and the record of the processes it starts there, ' +
    `so it cannot start without it. Fix: ${fault.fix.replace('<folder>', folder)} ` +
    'start with ISTIO_LAB_HOME set to a folder you can write (ISTIO_LAB_HOME=~/istio-lab npm start).'
  );
}

/** What `<workspace>/runner.json` holds, for tools and tests that talk to a running runner. */
export interface RunnerFile {
  /** Where a program on this machine reaches the runner (127.0.0.1 on loopback). */
  url: string;
  /** The book's address for the browser: this start's own origin (docs/security.md). */
  book?: string;
  port: number;
  token: string;
  pid: number;
}

/** Writes the runner file readable by its owner only, replacing any stale one atomically. */
export function writeRunnerFile(workspace: Workspace, file: RunnerFile): void {
  writeAtomic(workspace.runnerFile, `${JSON.stringify(file, null, 2)}\n`, 0o600);
}

export function readRunnerFile(workspace: Workspace): RunnerFile | undefined {
  try {
    return JSON.parse(readFileSync(workspace.runnerFile, 'utf8')) as RunnerFile;
  } catch {
    // No runner file, or a torn one: either way there is no runner to talk to.
    return undefined;
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeAtomic(path: string, text: string, mode = 0o644): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  renameSync(temporary, path);
}

/**
 * Writes atomically and durably: the temporary file is flushed to the disk before the rename,
 * and the folder after it, so that once this returns the new text survives a crash of the
 * machine as well as of the process, on file systems that honour fsync. A failed write leaves
 * the old file as it was, and its temporary file is removed.
 */
export function writeDurable(path: string, text: string, mode = 0o644): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'w', mode);
    try {
      const bytes = Buffer.from(text, 'utf8');
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncFolder(dirname(path));
}

/** Flushes a folder's entries (a rename in it) to the disk. */
function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Variables a lab shell and a check may inherit from the runner. Everything else in the runner's
 * environment (tokens, cloud credentials, npm's own variables) stays out: cells run on the
 * learner's machine, and they need only what kind, docker, kubectl and istioctl read.
 */
const inherited = [
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'XDG_RUNTIME_DIR',
  'DOCKER_HOST',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'KIND_EXPERIMENTAL_PROVIDER',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
] as const;

/**
 * This runner's mark, in the environment of every shell and check it starts and so of everything
 * they start: how a later sweep tells a job a shell left behind from a stranger's process in a
 * session of the same number (runner/process/ledger.ts). It names, it does not guard.
 */
export const runnerMark = randomBytes(12).toString('hex');

/** The environment for shells and checks alike: allow-listed, with the workspace pinned. */
export function labEnvironment(
  workspace: Workspace,
  from: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of inherited) {
    if (from[name] !== undefined) env[name] = from[name];
  }
  for (const [name, value] of Object.entries(from)) {
    if (name.startsWith('LC_')) env[name] = value;
  }
  env.PATH = labPath(workspace, from.PATH);
  env.KUBECONFIG = workspace.kubeconfig;
  env.ISTIO_LAB_HOME = workspace.root;
  env.ISTIO_LAB_STEPS = workspace.steps;
  env.ISTIO_LAB_RUNNER = runnerMark;
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  env.LANG ??= 'C.UTF-8';
  return env;
}

/** Where the tools a lab needs are found on most machines, whatever the runner's PATH says. */
const systemPath = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'] as const;

/**
 * The PATH of shells and checks: the workspace's own bin first, then the folders of the runner's
 * PATH that a learner put there for their tools, then the system's. A folder is kept only if it
 * is absolute, exists, and is not a package's `node_modules` (npm puts its own and the project's
 * `.bin` folders first when it runs `npm start`) nor writable by every user (a command there
 * could have been put by anyone on the machine). Nothing from npm's own environment is kept.
 */
export function labPath(workspace: Workspace, runnerPath: string | undefined): string {
  const kept: string[] = [workspace.bin];
  for (const folder of (runnerPath ?? '').split(':')) {
    if (!isAbsolute(folder) || kept.includes(folder)) continue;
    if (folder.split(sep).includes('node_modules')) continue;
    if (folder.includes(`${sep}node-gyp-bin`)) continue;
    const stat = statSync(folder, { throwIfNoEntry: false });
    if (!stat?.isDirectory() || (stat.mode & 0o002) !== 0) continue;
    kept.push(folder);
  }
  for (const folder of systemPath) if (!kept.includes(folder)) kept.push(folder);
  return kept.join(':');
}
