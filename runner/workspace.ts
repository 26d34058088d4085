import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, sep } from 'node:path';

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
  /** The process sessions a runner started and that still live (runner/checks/process-ledger.ts). */
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

export function ensureWorkspace(workspace: Workspace): void {
  mkdirSync(workspace.bin, { recursive: true, mode: 0o700 });
}

/** What `<workspace>/runner.json` holds, for tools and tests that talk to a running runner. */
export interface RunnerFile {
  url: string;
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
