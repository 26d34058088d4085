import { errorMessage } from '../src/lib/wire/error-codes.ts';
import { parseArgs } from 'node:util';
import {
  displayName,
  displayNameProblem,
  HubLimits,
  joinPathPattern,
} from './classroom/hub/report.ts';
import type { ClassroomArgs } from './classroom/classroom.ts';
import { defaultLogLevel, isLogLevel, logLevels, type LogLevel } from './log.ts';

export interface RunnerArgs extends ClassroomArgs {
  host: string;
  port: number;
  /** Origins of hosted copies of the book that may use this runner (--allow-origin). */
  allowOrigins: string[];
  /** Where each of those copies lives, ending in "/": pairing links lead there. */
  hostedBooks: string[];
  /**
   * The address a forwarding service (a dev container's forwarded port, a reverse proxy) shows
   * this runner under, as an origin: its Host and Origin are trusted like loopback's, and the
   * printed link uses it. The runner still listens on --host only.
   */
  publicUrl: string | undefined;
  /** Allow a --host that is not loopback (the terminal is then reachable from the network). */
  exposeOnNetwork: boolean;
  /** Folder of the built book. */
  dist: string;
  /** Extra lab folders (the tests' fixture labs). */
  labDirs: string[];
  build: boolean;
  idleMinutes: number;
  /** The terminal's shell; unset means bash if recent enough, else zsh. */
  shell: 'bash' | 'zsh' | undefined;
  /** How much the runner logs (runner/log.ts): `trace` shows flow control's every step. */
  log: LogLevel;
  help: boolean;
}

export const usage = `Usage: npm start -- [options]

  --port <n>              port to serve on (default 4321; 0 picks a free one)
  --host <address>        address to listen on (default 127.0.0.1)
  --expose-on-network     required with a --host that is not loopback: anyone who can reach
                          that address and learns the token can run commands on this machine
  --allow-origin <url>    also accept pages from a hosted copy of the book at this URL, e.g.
                          https://you.github.io/istio-lab-book/; may be given more than once
  --public-url <url>      the address a forwarded port shows this runner under (a dev
                          container, Codespaces, a reverse proxy), e.g.
                          https://name-4321.app.github.dev: that host and origin are trusted
                          and the printed link uses it; the runner still listens on --host
  --shell bash|zsh        the shell of the terminal (default: bash 4.4+, else zsh 5.1+)
  --idle-minutes <n>      end a terminal with no page attached after n minutes (default 15)
  --no-build              serve the book as built, even if sources are newer
  --dist <dir>            folder of the built book (default dist)
  --labs <dir>            an extra folder of labs (used by the tests)
  --log <level>           how much to log: error, warn, info (default), debug, or trace, which
                          also shows when flow control pauses and resumes a terminal, and what
                          it skips for a page that is behind
  -h, --help              this text

In a classroom:
  --hub                   also serve the instructor hub: a live table of who is stuck on which
                          check. Learners reach it over the network; it runs no commands and
                          shows only the names and check results they send
  --hub-port <n>          the hub's port (default 4322)
  --hub-host <address>    the hub's address (default 0.0.0.0: every network of this machine)
  --hub-capacity <n>      how many learners the hub follows (default 1000); more are told
                          the hub is full and to ask you
  --report-to <link>      send your check results (only verdicts and your name) to the
                          instructor's hub: the join link their runner printed,
                          http://<address>:4322/join/<token>
  --name <name>           with --report-to: the name the instructor sees (1-40 characters)

Environment:
  ISTIO_LAB_HOME=<dir>    the workspace: progress, kubeconfig, the runner's lock and files
                          (default ~/.istio-lab); one runner per workspace
  ISTIO_LAB_MEMORY=plain  run without the memory measures that tune V8 and malloc (default
                          lean), to tell whether one of them is behind a problem
`;

/** Parses the command line; a bad value throws an Error whose message says what to write instead. */
export function parseRunnerArgs(argv: readonly string[]): RunnerArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string', default: '4321' },
        host: { type: 'string', default: '127.0.0.1' },
        'allow-origin': { type: 'string', multiple: true, default: [] },
        'public-url': { type: 'string' },
        'expose-on-network': { type: 'boolean', default: false },
        dist: { type: 'string', default: 'dist' },
        labs: { type: 'string', multiple: true, default: [] },
        'no-build': { type: 'boolean', default: false },
        'idle-minutes': { type: 'string', default: '15' },
        shell: { type: 'string' },
        log: { type: 'string', default: defaultLogLevel },
        hub: { type: 'boolean', default: false },
        'hub-port': { type: 'string' },
        'hub-host': { type: 'string' },
        'hub-capacity': { type: 'string' },
        'report-to': { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new Error(`${errorMessage(error)}\n\n${usage}`, { cause: error });
  }
  const { values } = parsed;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port ${values.port} is not a port: give a whole number from 0 to 65535`);
  }
  const idleMinutes = Number(values['idle-minutes']);
  if (!Number.isFinite(idleMinutes) || idleMinutes <= 0) {
    throw new Error(`--idle-minutes ${values['idle-minutes']} is not a positive number of minutes`);
  }
  const shell = values.shell;
  if (shell !== undefined && shell !== 'bash' && shell !== 'zsh') {
    throw new Error(`--shell ${shell} is not a shell the book supports: give bash or zsh`);
  }
  const log = values.log;
  if (!isLogLevel(log)) {
    throw new Error(`--log ${log} is not a level: give one of ${logLevels.join(', ')}`);
  }
  const hosted = values['allow-origin'].map((value) => hostedBook(value));
  const publicUrl =
    values['public-url'] === undefined ? undefined : publicOrigin(values['public-url']);
  return {
    host: values.host,
    port,
    allowOrigins: [...new Set(hosted.map((url) => new URL(url).origin))],
    hostedBooks: hosted,
    publicUrl,
    exposeOnNetwork: values['expose-on-network'],
    dist: values.dist,
    labDirs: values.labs,
    build: !values['no-build'],
    idleMinutes,
    shell,
    log,
    help: values.help,
    hub: hubArgs(values.hub, values['hub-host'], values['hub-port'], port, values['hub-capacity']),
    reportTo: reportArgs(values['report-to'], values.name),
  };
}

function hubArgs(
  hub: boolean,
  host: string | undefined,
  portText: string | undefined,
  runnerPort: number,
  capacityText?: string,
): RunnerArgs['hub'] {
  if (!hub) {
    const stray =
      host !== undefined
        ? '--hub-host'
        : portText !== undefined
          ? '--hub-port'
          : capacityText !== undefined
            ? '--hub-capacity'
            : '';
    if (stray) throw new Error(`${stray} configures the hub: add --hub to start one`);
    return undefined;
  }
  const port = Number(portText ?? '4322');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--hub-port ${portText} is not a port: give a whole number from 0 to 65535`);
  if (port !== 0 && port === runnerPort)
    throw new Error(`--hub-port ${port} is the runner's own --port: give the hub another one`);
  const capacity = Number(capacityText ?? HubLimits.learners);
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > HubLimits.maxCapacity)
    throw new Error(
      `--hub-capacity ${capacityText} is not a number of learners: give a whole number from 1 to ${HubLimits.maxCapacity}`,
    );
  return { host: host ?? '0.0.0.0', port, capacity };
}

function reportArgs(link: string | undefined, name: string | undefined): RunnerArgs['reportTo'] {
  if (link === undefined && name === undefined) return undefined;
  if (link === undefined)
    throw new Error('--name goes with --report-to <join link>: add the link the instructor gave');
  if (name === undefined)
    throw new Error('--report-to needs --name "<your name>": the name the instructor sees');
  let url: URL;
  try {
    url = new URL(link);
  } catch (error) {
    throw new Error(
      `--report-to ${link} is not a URL: give the join link the instructor's runner printed, such as http://192.168.1.20:4322/join/<token>`,
      { cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--report-to ${link} must be an http or https link`);
  if (!joinPathPattern.test(url.pathname) || url.search || url.hash || url.username || url.password)
    throw new Error(
      `--report-to ${link} is not a join link: it ends in /join/<token>, as the instructor's runner printed it`,
    );
  const problem = displayNameProblem(name);
  if (problem) throw new Error(`--name: ${problem}`);
  return { url: `${url.origin}${url.pathname.replace(/\/$/, '')}`, name: displayName(name) };
}

function httpUrl(option: string, value: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new Error(`${option} ${value} is not a URL: give one such as ${example}`, {
      cause: error,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`${option} ${value} must be an http or https URL, such as ${example}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error(
      `${option} ${value} may not carry a user, a query or a fragment: give ${url.origin}${url.pathname}`,
    );
  }
  return url;
}

/**
 * A hosted copy of the book: its origin is trusted, and pairing links lead to its folder, which
 * may be a site's root (https://book.example.org) or a path under it (a GitHub Pages project
 * site, https://you.github.io/istio-lab-book/).
 */
function hostedBook(value: string): string {
  const url = httpUrl('--allow-origin', value, 'https://book.example.org');
  return `${url.origin}${url.pathname.replace(/\/*$/, '/')}`;
}

/** The forwarded address of this runner: an origin, since the runner serves the book at its root. */
function publicOrigin(value: string): string {
  const url = httpUrl('--public-url', value, 'https://name-4321.app.github.dev');
  if (url.pathname !== '/') {
    throw new Error(
      `--public-url ${value} must be an origin only (scheme, host, port), such as ${url.origin}: the runner serves the book at its root`,
    );
  }
  return url.origin;
}
