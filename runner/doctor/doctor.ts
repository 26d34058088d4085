import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLabDirs, readPins, type Pins } from '../../src/lib/lab-files.ts';
import {
  inotifyFinding,
  memoryFinding,
  placeFinding,
  portsFinding,
  processesFinding,
} from './host.ts';
import { imagesFinding } from './images.ts';
import { realSystem } from './system.ts';
import {
  clusterFinding,
  dockerFinding,
  istioctlFinding,
  kindFinding,
  kubectlFinding,
} from './tools.ts';
import type { DoctorItem, DoctorSystem, Finding, LabPaths } from './types.ts';

export { doctorItemIds } from './types.ts';
export type { DoctorItem, DoctorItemId, DoctorStatus, DoctorSystem } from './types.ts';

/**
 * The doctor: what stands between this machine and the labs, each finding with its exact fix.
 * tools.ts looks at docker, kind, kubectl, istioctl and the cluster context; host.ts at memory,
 * inotify limits and the ports (the labs', the runner's, the classroom hub's); system.ts is the
 * only part that touches the machine, so the rest is tested with a fake one (types.ts).
 * `/api/doctor` answers with it and `npm run doctor` (cli.ts) prints it.
 */

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Host ports the labs listen on: `kubectl port-forward … 8080:80` in the cluster and gateways
 * chapters, `istioctl dashboard kiali` (its default local port) in the observability chapter. A
 * unit test holds this list to the labs.
 */
export const labPorts: readonly number[] = [8080, 20001];
/** `npm start`'s port when none is given (runner/args.ts). */
export const runnerDefaultPort = 4321;
/** The classroom hub's port when `--hub` is given without `--hub-port` (runner/args.ts). */
export const hubDefaultPort = 4322;

export interface DoctorOptions {
  /** The labs' environment: its PATH finds the tools, its KUBECONFIG the book's cluster. */
  env: NodeJS.ProcessEnv;
  kubeContext: string;
  /** Pinned versions; content/versions.yaml when not given. */
  pins?: Pins;
  /**
   * The port of the runner that asks. It holds that port itself; without it (npm run doctor
   * with no runner up) the runner's default port is looked at too.
   */
  ownPort?: number | undefined;
  /**
   * The process of the runner that asks, or of the one running: a classroom hub it started
   * holds the hub's port.
   */
  ownPid?: number | undefined;
  /** The classroom hub's port to look at; `hubDefaultPort` when not given. */
  hubPort?: number;
  /** Host ports the labs need; `labPorts` when not given. */
  ports?: readonly number[];
  /**
   * The lab files that do not load, each naming the file, the line and the fix: the runner's own
   * catalog's (runner/lab-catalog.ts). Without it, the book's content/labs are read here.
   */
  labProblems?: readonly string[];
  /** Fakes of the machine, for tests. */
  system?: Partial<DoctorSystem>;
}

/** Looks at what the labs need, in the environment the labs run with. Never throws for a finding. */
export async function diagnose(options: DoctorOptions): Promise<DoctorItem[]> {
  const { env } = options;
  const home = env.ISTIO_LAB_HOME || join(homedir(), '.istio-lab');
  const paths: LabPaths = {
    home,
    bin: join(home, 'bin'),
    kubeconfig: env.KUBECONFIG || join(home, 'kubeconfig'),
  };
  const system = { ...realSystem(env), ...options.system };
  const lab = options.ports ?? labPorts;
  const context = {
    system,
    pins: options.pins ?? readPins(join(projectRoot, 'content/versions.yaml')),
    paths,
    kubeContext: options.kubeContext,
    ports: options.ownPort === undefined ? [...lab, runnerDefaultPort] : lab,
    ownPort: options.ownPort,
    hubPort: options.hubPort ?? hubDefaultPort,
    ownPid: options.ownPid,
  };
  const [docker, kind, kubectl, istioctl, current, inotify, ports] = await Promise.all([
    system.run('docker', ['info', '--format', '{{.ServerVersion}} {{.MemTotal}}']),
    system.run('kind', ['version']),
    system.run('kubectl', ['version', '--client']),
    system.run('istioctl', ['version', '--remote=false']),
    system.run('kubectl', ['config', 'current-context']),
    inotifyFinding(context),
    portsFinding(context),
  ]);
  const findings: Finding[] = [
    placeFinding(context),
    dockerFinding(context, docker),
    kindFinding(context, kind),
    kubectlFinding(context, kubectl),
    istioctlFinding(context, istioctl),
    await clusterFinding(context, kubectl.missing, current),
    await imagesFinding(context),
    memoryFinding(context, docker.ok ? docker.stdout : undefined),
    inotify,
    ports,
    processesFinding(context),
    labsFinding(options.labProblems ?? bookLabProblems(context.pins)),
  ];
  return findings.map((finding) => ({
    ...finding,
    fix:
      finding.status === 'warn' || finding.status === 'fail'
        ? englishText(`lab.doctor.${finding.id}.${finding.code}`, finding.params)
        : '',
  }));
}

/** The problems of the book's own lab files (content/labs), for a doctor run without a runner. */
function bookLabProblems(pins: Pins): string[] {
  try {
    return readLabDirs([join(projectRoot, 'content/labs')], pins).errors.map(
      (error) => error.message,
    );
  } catch (error) {
    return [`content/labs: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/**
 * Lab files that do not load: each stops its own chapter only (runner/lab-catalog.ts), and is
 * listed here with its file, line and fix, one to a line of the detail.
 */
export function labsFinding(problems: readonly string[]): Finding {
  const detail = problems.map((problem) => problem.replace(/\n\s*/g, ' ')).join('\n');
  if (problems.length === 0)
    return { id: 'labs', status: 'ok', code: 'ok', params: {}, detail, commands: [] };
  return {
    id: 'labs',
    status: 'warn',
    code: 'broken',
    params: { count: problems.length },
    detail,
    commands: [],
  };
}

let english: Record<string, string> | undefined;

/**
 * An item's text in English, from the book's own English UI strings (the page shows the same key
 * in the reader's language), placeholders filled.
 */
export function englishText(key: string, params: Record<string, string | number>): string {
  english ??= JSON.parse(
    readFileSync(join(projectRoot, 'src/content/i18n/en.json'), 'utf8'),
  ) as Record<string, string>;
  const text = english[key] ?? key;
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
