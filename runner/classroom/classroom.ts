import { errorMessage } from '../../src/lib/wire/error-codes.ts';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { startHubThread, type HubThread } from './hub/thread.ts';
import type { ProgressStore } from '../checks/progress.ts';
import type { HubStatus } from '../../src/lib/wire/hub-status.ts';
import { startReporter, type Reporter } from './reporter.ts';
import type { Workspace } from '../workspace.ts';
import type { LabCatalog } from '../lab-catalog.ts';
import type { BookOrder } from './hub/table.ts';

/**
 * The classroom: an instructor's hub (hub.ts and hub/, started with --hub) shows the room's
 * progress live; a learner's runner started with --report-to sends its verdicts to it
 * (reporter.ts), only the fields docs/security.md lists. This module starts either beside the
 * runner and prints how to use it.
 */

/** The classroom's part of the runner's options (runner/args.ts parses them). */
export interface ClassroomArgs {
  /** Serve the instructor hub beside the runner (--hub, --hub-host, --hub-port, --hub-capacity). */
  hub: { host: string; port: number; capacity: number } | undefined;
  /** Send check results to an instructor's hub (--report-to with --name); `name` is trimmed. */
  reportTo: { url: string; name: string } | undefined;
}

/** The classroom parts of one runner process: the hub (--hub) and the reporter (--report-to). */
export interface Classroom {
  hub: HubThread | undefined;
  /**
   * What the learner's reporter knows of the hub (src/lib/wire/hub-status.ts), for the learner's page
   * to say, e.g., that the hub is full and to ask the instructor; undefined without --report-to.
   */
  hubStatus(): HubStatus | undefined;
  close(): Promise<void>;
}

/** Where the classroom's lines go (runner/cli.ts gives the runner's log and its banner). */
export interface ClassroomLog {
  info(message: string): void;
  /** What the learner must act on: a full hub, a join link it does not know, results not saved. */
  warn(message: string): void;
  /**
   * Printed whatever `--log` says, as the runner's own link is: the hub's view link, where it can
   * be reached from, and the learners' join command. Without them the hub cannot be used.
   */
  banner(message: string): void;
}

/**
 * Starts what the classroom flags ask for and prints how to use it. A hub that cannot listen
 * throws, with the port in the message; the reporter never throws (an absent hub is retried).
 */
export async function startClassroom(
  args: ClassroomArgs,
  progress: ProgressStore,
  workspace: Workspace,
  log: ClassroomLog,
  labs?: LabCatalog,
): Promise<Classroom> {
  let hub: HubThread | undefined;
  if (args.hub) {
    try {
      hub = await startHubThread({
        ...args.hub,
        log: (message) => log.info(message),
        stateDir: workspace.root,
        ...(labs ? { bookOrder: () => bookOrder(labs) } : {}),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'EADDRINUSE'
          ? `the hub's port ${args.hub.port} is in use: stop what uses it, or start with --hub-port <another>`
          : `could not start the hub: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    const hosts = joinHosts(args.hub.host);
    log.banner(
      `Instructor hub: open this link to follow the room (it is new at each start of the hub):\n\n  ${hub.view}#token=${hub.viewToken}\n`,
    );
    log.info(
      hub.database
        ? `The hub keeps the table in ${hub.database} and the learners' join link in ${join(workspace.root, 'hub-tokens.json')}: ` +
            'a restart takes the same join link (the view link above is new at each start). To make a new join link (it was shared too widely), stop the hub and move hub-tokens.json away.'
        : 'The hub keeps its join link and the table in memory: a restart makes new links.',
    );
    log.banner(
      `The hub listens on ${args.hub.host}:${hub.port}: machines on that network can reach it. It runs no commands; ` +
        'it shows the display names and check results that learners send, to whoever holds the link above. ' +
        `It follows up to ${hub.capacity} learners (--hub-capacity).`,
    );
    log.banner(
      `Learners join by starting the book with${hosts.length > 1 ? ' (one line per address of this machine)' : ''}:\n\n` +
        hosts
          .map(
            (host) =>
              `  npm start -- --report-to http://${host}:${hub?.port}/join/${hub?.joinToken} --name "<your name>"`,
          )
          .join('\n') +
        '\n',
    );
  }
  let reporter: Reporter | undefined;
  if (args.reportTo) {
    reporter = startReporter({
      joinUrl: args.reportTo.url,
      name: args.reportTo.name,
      workspace,
      progress,
      log: (message) => log.info(message),
      warn: (message) => log.warn(message),
    });
    log.info(
      `Reporting to the hub at ${new URL(args.reportTo.url).host} as "${args.reportTo.name}": ` +
        'only that name and your check results (pass or fail, when, how many attempts) are sent.',
    );
  }
  return {
    hub,
    hubStatus: () => reporter?.status(),
    close: async () => {
      reporter?.stop();
      await hub?.close();
    },
  };
}

/**
 * What the runner's `/api/health` says of the hub (http/api.ts): the classroom's reporter once it
 * is started, and `ok` before, with --report-to, as a reporter that has had no answer yet says. A
 * page reads the health once and asks again only if it names a hub (src/client/hub-banner.ts):
 * one that read it before the classroom started (the runner listens first, then starts the hub
 * and the reporter) must still know to ask again.
 */
export function classroomHealth(
  args: ClassroomArgs,
  classroom: () => Classroom | undefined,
): () => HubStatus | undefined {
  return () => {
    const started = classroom();
    if (started) return started.hubStatus();
    return args.reportTo ? 'ok' : undefined;
  };
}

/** The addresses learners can type: this machine's network IPv4 addresses when listening on all. */
export function joinHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host.includes(':') ? `[${host}]` : host];
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry && entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry?.address ?? '');
  return addresses.length ? addresses : ['127.0.0.1'];
}

/** The book's chapters in reading order (each lab's `order`), each with its checks in file order. */
export function bookOrder(labs: LabCatalog): BookOrder {
  return labs.slugs
    .flatMap((slug) => {
      const lab = labs.lab(slug);
      return lab.ok
        ? [{ lab: slug, order: lab.value.order, checks: Object.keys(lab.value.checks) }]
        : [];
    })
    .sort((a, b) => a.order - b.order || a.lab.localeCompare(b.lab))
    .map(({ lab, checks }) => ({ lab, checks }));
}
