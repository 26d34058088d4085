// First: the memory settings (runner/memory.js) apply to what the rest allocates. The runner is
// started by runner/start.js, which loads them before this file.
import './memory.js';
import { errorMessage } from '../src/lib/wire/error-codes.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readPins } from '../src/lib/lab-files.ts';
import { parseRunnerArgs, usage, type RunnerArgs } from './args.ts';
import { buildBook, isStale, projectRoot, staleBase, stampName } from './book-build.ts';
import { ProgressStore } from './checks/progress.ts';
import { classroomHealth, startClassroom, type Classroom } from './classroom/classroom.ts';
import { installSteps, LabCatalog } from './lab-catalog.ts';
import { ProcessLedger, sweepLeftovers } from './process/ledger.ts';
import { createApi } from './http/api.ts';
import { isLoopback } from './http/auth.ts';
import { serve } from './http/server.ts';
import { SessionRegistry } from './terminal/sessions.ts';
import { chooseShell, type ShellCommand } from './terminal/shell.ts';
import { createTerminalSockets } from './terminal/socket.ts';
import type { HubStatus } from '../src/lib/wire/hub-status.ts';
import { log as runnerLog } from './log.ts';
import { lockWorkspace, type LockHolder } from './workspace-lock.ts';
import {
  ensureWorkspace,
  labEnvironment,
  readRunnerFile,
  workspaceAt,
  workspaceFault,
  writeRunnerFile,
  type Workspace,
} from './workspace.ts';

/**
 * The runner's composition root: the one module that makes the runner's parts and hands each the
 * others it needs. `startRunner` makes the sessions, the checks' progress and ledger, the
 * terminal socket and the API, and gives the last two to the HTTP layer (http/server.ts), which
 * serves them; `main` adds what a start from the command line needs around it (the workspace's
 * lock, the sweep, the build, the classroom, signals). Tests start the same runner through
 * `startRunner` (tests/unit/support/live-runner.ts).
 */

export interface RunnerOptions {
  host: string;
  port: number;
  dist: string;
  labs: LabCatalog;
  workspace: Workspace;
  allowOrigins: readonly string[];
  /** The origin a forwarded port shows this runner under (--public-url), trusted as its own. */
  publicUrl?: string;
  version: string;
  kubeContext: string;
  /** The shell of lab terminals (runner/terminal/shell.ts chooseShell). */
  shell: ShellCommand;
  idleMs?: number;
  maxSessions?: number;
  /** How long a client may take to send its request headers (reply.ts ConnectionLimits). */
  headersTimeoutMs?: number;
  /** What the reporter knows of the classroom hub, for `/api/health` (http/api.ts). */
  hubStatus?: () => HubStatus | undefined;
  /**
   * Where every message of the runner's parts goes (tests pass one that keeps them); by default
   * the runner's log (log.ts) at error, as all they say is a failure (a terminal that could not
   * start, a request or an upgrade that failed), and at warn for the progress record's.
   */
  log?: (message: string) => void;
}

export interface RunningRunner {
  /** Where a program on this machine reaches the runner (http/server.ts `Serving`). */
  url: string;
  /** The book's address for the learner's browser (http/server.ts `Serving`). */
  book: string;
  port: number;
  token: string;
  /** Live terminal sessions: what a refused request must not have added to. */
  sessionCount(): number;
  /** Check results as recorded; the hub reporter listens to it (runner/classroom/reporter.ts). */
  progress: ProgressStore;
  close(): Promise<void>;
}

/** Starts the runner: its parts, served on one origin (the built book, `/api`, the terminal). */
export async function startRunner(options: RunnerOptions): Promise<RunningRunner> {
  const log = options.log ?? ((message: string) => runnerLog.error(message));
  const token = randomBytes(24).toString('base64url');
  const env = labEnvironment(options.workspace);
  // What the progress record says is a warning (a file that does not read, a result not saved).
  const progress = new ProgressStore(
    options.workspace.progress,
    options.log ?? ((message) => runnerLog.warn(message)),
  );
  const sessions = new SessionRegistry(options.maxSessions);
  const ledger = new ProcessLedger(options.workspace.processes);
  const terminals = createTerminalSockets({
    sessions,
    labs: options.labs,
    cells: options.workspace.cells,
    newSession: {
      shell: options.shell,
      env,
      cwd: options.workspace.root,
      ledger,
      ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    },
    log,
  });
  const api = createApi({
    version: options.version,
    labs: options.labs,
    progress,
    env,
    cwd: options.workspace.root,
    kubeContext: options.kubeContext,
    ledger,
    broadcast: (message) => terminals.broadcast(message),
    ...(options.hubStatus ? { hubStatus: options.hubStatus } : {}),
  });
  const served = await serve({
    host: options.host,
    port: options.port,
    dist: options.dist,
    allowOrigins: options.allowOrigins,
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    token,
    api: (request, response, url) => api.handle(request, response, url),
    upgrade: (request, socket, head, url) => terminals.upgrade(request, socket, head, url),
    ...(options.headersTimeoutMs === undefined
      ? {}
      : { headersTimeoutMs: options.headersTimeoutMs }),
    log,
  });
  return {
    url: served.url,
    book: served.book,
    port: served.port,
    token,
    sessionCount: () => sessions.size,
    progress,
    close: async () => {
      terminals.close();
      api.abortChecks();
      await sessions.disposeAll('the runner is stopping');
      await served.close();
    },
  };
}

const log = (message: string) => runnerLog.info(message);
/**
 * The start's banner: the link, a warning that the terminal is on the network, where the
 * workspace is. Printed whatever `--log` says, since without it the book cannot be opened.
 */
const banner = (message: string) => console.log(message);

function fail(message: string): never {
  runnerLog.error(`istio-lab: ${message}`);
  process.exit(2);
}

/** Fails with what went wrong: the workspace's own paragraph when it could not be written. */
function failOn(error: unknown, context = ''): never {
  fail(workspaceFault(error, workspaceAt().root) ?? `${context}${errorMessage(error)}`);
}

/**
 * Another runner holds this workspace: say which, where, and what to do, and exit 1. Its sign-in
 * link is shown too when its runner.json is its own (that file is the learner's, mode 0600).
 */
function heldBy(workspace: Workspace, holder: LockHolder | undefined): never {
  const who = holder ? `pid ${holder.pid}` : 'a process that did not say which';
  const where = holder?.url
    ? `at ${holder.url}`
    : 'still starting, so its address is not known yet';
  runnerLog.error(
    `istio-lab: Istio Lab Book is already running on the workspace ${workspace.root} (${who}, ${where}). ` +
      'One workspace takes one runner: use that one, or stop it' +
      (holder ? ` (kill ${holder.pid})` : '') +
      ' and start again. To run a second runner, give it a workspace of its own: ISTIO_LAB_HOME=<another folder> npm start.',
  );
  const file = readRunnerFile(workspace);
  if (holder && file?.pid === holder.pid)
    console.error(
      `\nIts link (it signs this browser in):\n\n  ${file.book ?? file.url}?token=${file.token}\n`,
    );
  process.exit(1);
}

/**
 * The one link that pairs a hosted copy of the book with this runner: the runner's address and
 * token ride in the fragment, which the browser never sends to the hosting site.
 */
function pairingLine(book: string, runnerUrl: string, token: string): string {
  const fragment = new URLSearchParams({ runner: new URL(runnerUrl).origin, token });
  return `For the copy of the book at ${book}, open this link instead (it pairs that tab with this runner):\n\n  ${book}en/progress/#${fragment}\n`;
}

/** The runner started from the command line (`npm start`, through runner/start.js). */
async function main(): Promise<void> {
  let args: RunnerArgs;
  try {
    args = parseRunnerArgs(process.argv.slice(2));
  } catch (error) {
    fail(errorMessage(error));
  }
  if (args.help) {
    console.log(usage);
    return;
  }
  runnerLog.level = args.log;
  if (!isLoopback(args.host) && !args.exposeOnNetwork) {
    fail(
      `--host ${args.host} would let other machines reach a terminal on this one. ` +
        'If that is what you want (a classroom network you trust), add --expose-on-network.',
    );
  }
  const shell = chooseShell(args.shell);
  if ('problem' in shell) fail(shell.problem);

  // The workspace is proved writable and locked before anything else is done in it, the build
  // of the book included: a second start must not build, sweep or write anything there.
  const workspace = workspaceAt();
  ensureWorkspace(workspace);
  const locked = await lockWorkspace(workspace);
  if (!locked.ok) heldBy(workspace, locked.holder);
  const { lock } = locked;

  // A runner killed hard could not end its shells and checks: end what they left running.
  const swept = sweepLeftovers(workspace.processes);
  if (swept.ended > 0)
    log(
      `Ended ${swept.ended} process${swept.ended === 1 ? '' : 'es'} left running by a runner that was stopped hard.`,
    );
  if (swept.unreadable)
    runnerLog.warn(
      `WARNING: the record of the processes an earlier runner started could not be read (${swept.unreadable.problem}). ` +
        `It is kept as ${swept.unreadable.aside}, and nothing it named was ended: shells or checks of a runner ` +
        'stopped hard may still be running. Look with ps -u "$USER" -o pid,lstart,args, end what is left, ' +
        'then delete that file (npm run doctor reports it until then).',
    );

  const dist = resolve(args.dist);
  if (args.build && isStale(dist)) {
    try {
      await buildBook(dist, log, {
        logFile: join(workspace.root, 'build.log'),
        first: !existsSync(join(dist, stampName)),
        base: staleBase(dist),
      });
    } catch (error) {
      failOn(error);
    }
  }
  const pinsFile = join(projectRoot, 'content', 'versions.yaml');
  let labs: LabCatalog;
  try {
    labs = new LabCatalog(
      [join(projectRoot, 'content', 'labs'), ...args.labDirs.map((dir) => resolve(dir))],
      pinsFile,
    );
  } catch (error) {
    failOn(error);
  }
  const pins = readPins(pinsFile);
  installSteps(projectRoot, workspace, pins);
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
  };

  // Started once the runner listens (the reporter follows its progress); its health asks it.
  let classroom: Classroom | undefined;
  let runner: RunningRunner;
  try {
    runner = await startRunner({
      host: args.host,
      port: args.port,
      dist,
      labs,
      workspace,
      allowOrigins: args.allowOrigins,
      ...(args.publicUrl === undefined ? {} : { publicUrl: args.publicUrl }),
      version,
      hubStatus: classroomHealth(args, () => classroom),
      kubeContext: pins.kubeContext ?? 'kind-istio-lab',
      shell,
      idleMs: args.idleMinutes * 60_000,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      fail(`port ${args.port} is in use: stop what uses it, or start with --port <another>`);
    failOn(error, 'could not start: ');
  }
  writeRunnerFile(workspace, {
    url: runner.url,
    book: runner.book,
    port: runner.port,
    token: runner.token,
    pid: process.pid,
  });
  lock.update({
    pid: process.pid,
    url: args.publicUrl === undefined ? runner.url : `${args.publicUrl}/`,
  });
  if (!isLoopback(args.host)) {
    banner(
      `WARNING: listening on ${args.host}: anyone on that network with the link can run commands as ${process.env.USER ?? 'you'}.`,
    );
  }
  // Behind a forwarded port, the browser reaches the runner only by its public address.
  const shown = args.publicUrl === undefined ? runner.book : `${args.publicUrl}/`;
  banner(
    `Istio Lab Book is running. Open this link (it signs this browser in):\n\n  ${shown}?token=${runner.token}\n`,
  );
  if (args.publicUrl !== undefined) banner(`(The runner listens on ${runner.url} only.)`);
  for (const book of args.hostedBooks) banner(pairingLine(book, runner.url, runner.token));
  try {
    classroom = await startClassroom(
      args,
      runner.progress,
      workspace,
      { info: log, warn: (message) => runnerLog.warn(message), banner },
      labs,
    );
  } catch (error) {
    failOn(error);
  }
  banner(`Workspace: ${workspace.root}   Stop with Ctrl-C.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\nStopping (${signal})...`);
    // The runner file names a runner that is no more once this one stops: a tool that reads it
    // (the dev container's start.sh) must not hand out its dead link and token.
    if (readRunnerFile(workspace)?.pid === process.pid)
      rmSync(workspace.runnerFile, { force: true });
    Promise.all([classroom?.close(), runner.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Closing the terminal window that runs the runner: end the learner's shells and checks too.
  process.on('SIGHUP', () => stop('SIGHUP'));
}

/** Runs the runner as a program: runner/start.js calls it, and so does `node runner/cli.ts`. */
export async function run(): Promise<void> {
  try {
    await main();
  } catch (error) {
    // A workspace that cannot be written is the learner's to fix, and a stack trace would not help.
    if (workspaceFault(error, workspaceAt().root) === undefined) throw error;
    failOn(error);
  }
}

// Started as a program (not imported, as start.js and the tests import it): run. Where this Node
// has no import.meta.main (it came with Node 24.2; older Nodes may lack it, and the engines field
// allows 22.18 and later), the file Node was asked to run tells.
if (import.meta.main ?? process.argv[1] === import.meta.filename) await run();
