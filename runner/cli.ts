// First: the memory settings (runner/memory.js) apply to what the rest allocates. The runner is
// started by runner/start.js, which loads them before this file.
import './memory.js';
import { errorMessage } from '../src/lib/error-codes.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readPins } from '../src/lib/lab-files.ts';
import { parseRunnerArgs, usage, type RunnerArgs } from './args.ts';
import { buildBook, isStale, projectRoot, stampName } from './book-build.ts';
import { startClassroom, type Classroom } from './classroom/classroom.ts';
import { installSteps, LabCatalog } from './lab-catalog.ts';
import { sweepLeftovers } from './checks/process-ledger.ts';
import { isLoopback } from './http/auth.ts';
import { startRunner, type RunningRunner } from './http/server.ts';
import { chooseShell } from './terminal/shell.ts';
import { isAlive } from './checks/process-group.ts';
import {
  ensureWorkspace,
  readRunnerFile,
  workspaceAt,
  writeRunnerFile,
  type RunnerFile,
  type Workspace,
} from './workspace.ts';

const log = (message: string) => console.log(message);

function fail(message: string): never {
  console.error(`istio-lab: ${message}`);
  process.exit(2);
}

/**
 * The runner this workspace's runner.json names, if it is alive and answers with its token. A
 * runner.json left by a crashed runner names a dead pid or does not answer, and is replaced.
 */
async function runningRunner(workspace: Workspace): Promise<RunnerFile | undefined> {
  const file = readRunnerFile(workspace);
  if (!file || file.pid === process.pid || !isAlive(file.pid)) return undefined;
  try {
    const response = await fetch(new URL('api/health', file.url), {
      headers: { Authorization: `Bearer ${file.token}` },
      signal: AbortSignal.timeout(2000),
    });
    return response.ok ? file : undefined;
  } catch {
    // Nothing answers there: a stale file.
    return undefined;
  }
}

/**
 * The one link that pairs a hosted copy of the book with this runner: the runner's address and
 * token ride in the fragment, which the browser never sends to the hosting site.
 */
function pairingLine(book: string, runnerUrl: string, token: string): string {
  const fragment = new URLSearchParams({ runner: new URL(runnerUrl).origin, token });
  return `For the copy of the book at ${book}, open this link instead (it pairs that tab with this runner):\n\n  ${book}en/progress/#${fragment}\n`;
}

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
  if (!isLoopback(args.host) && !args.exposeOnNetwork) {
    fail(
      `--host ${args.host} would let other machines reach a terminal on this one. ` +
        'If that is what you want (a classroom network you trust), add --expose-on-network.',
    );
  }
  const shell = chooseShell(args.shell);
  if ('problem' in shell) fail(shell.problem);

  const workspace = workspaceAt();
  ensureWorkspace(workspace);
  const running = await runningRunner(workspace);
  if (running) {
    log(
      `Istio Lab Book is already running (pid ${running.pid}). Open this link:\n\n  ${running.url}?token=${running.token}\n`,
    );
    if (args.hub || args.reportTo)
      log('--hub and --report-to take effect on a new start: stop that runner, then start again.');
    return;
  }

  // A runner killed hard could not end its shells and checks: end what they left running.
  const swept = sweepLeftovers(workspace.processes);
  if (swept > 0)
    log(
      `Ended ${swept} process${swept === 1 ? '' : 'es'} left running by a runner that was stopped hard.`,
    );

  const dist = resolve(args.dist);
  if (args.build && isStale(dist)) {
    try {
      await buildBook(dist, log, {
        logFile: join(workspace.root, 'build.log'),
        first: !existsSync(join(dist, stampName)),
      });
    } catch (error) {
      fail(errorMessage(error));
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
    fail(errorMessage(error));
  }
  const pins = readPins(pinsFile);
  installSteps(projectRoot, workspace, pins);
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
  };

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
      kubeContext: pins.kubeContext ?? 'kind-istio-lab',
      shell,
      idleMs: args.idleMinutes * 60_000,
      log,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      fail(`port ${args.port} is in use: stop what uses it, or start with --port <another>`);
    fail(`could not start: ${errorMessage(error)}`);
  }
  writeRunnerFile(workspace, {
    url: runner.url,
    port: runner.port,
    token: runner.token,
    pid: process.pid,
  });
  if (!isLoopback(args.host)) {
    log(
      `WARNING: listening on ${args.host}: anyone on that network with the link can run commands as ${process.env.USER ?? 'you'}.`,
    );
  }
  // Behind a forwarded port, the browser reaches the runner only by its public address.
  const shown = args.publicUrl === undefined ? runner.url : `${args.publicUrl}/`;
  log(
    `Istio Lab Book is running. Open this link (it signs this browser in):\n\n  ${shown}?token=${runner.token}\n`,
  );
  if (args.publicUrl !== undefined) log(`(The runner listens on ${runner.url} only.)`);
  for (const book of args.hostedBooks) log(pairingLine(book, runner.url, runner.token));
  let classroom: Classroom;
  try {
    classroom = await startClassroom(args, runner.progress, workspace, log, labs);
  } catch (error) {
    fail(errorMessage(error));
  }
  log(`Workspace: ${workspace.root}   Stop with Ctrl-C.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\nStopping (${signal})...`);
    Promise.all([classroom.close(), runner.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Closing the terminal window that runs the runner: end the learner's shells and checks too.
  process.on('SIGHUP', () => stop('SIGHUP'));
}

await main();
