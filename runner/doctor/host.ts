import { join } from 'node:path';
import { errorMessage } from '../../src/lib/wire/error-codes.ts';
import type { DoctorContext, Finding } from './types.ts';

/**
 * What kind's known-issues page asks of a Linux host (docs: "Pod errors due to too many open
 * files"): below these, pods crash-loop with "too many open files".
 */
export const inotifyWanted = { watches: 524288, instances: 512 } as const;
/** The file the cluster chapter's cell writes too, so that the limits survive a reboot. */
export const inotifyConfFile = '/etc/sysctl.d/99-istio-lab-inotify.conf';

/** Docker Desktop set to 8 GB reports a little less; istio.io asks for 8 GB for Istio and Bookinfo. */
const dockerMemoryWantedGiB = 7;
/** Below this much free memory, new pods and image pulls start to fail. */
const freeMemoryWantedGiB = 2;

const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;

/**
 * Where the labs run: this machine, or a dev container whose Docker runs inside it and whose
 * browser is elsewhere. Never a problem by itself; it says which fixes the other items give.
 */
export function placeFinding(context: DoctorContext): Finding {
  const place = context.system.devContainer();
  const code = place ?? 'machine';
  return { id: 'place', status: 'ok', code, params: {}, detail: code, commands: [] };
}

/** Docker's memory (all of the machine's on Linux, the VM's with Docker Desktop) and what is free. */
export function memoryFinding(context: DoctorContext, dockerInfo: string | undefined): Finding {
  const free = gib(context.system.freeMemory());
  const bytes = Number(dockerInfo?.trim().split(/\s+/)[1]);
  const docker = Number.isFinite(bytes) && bytes > 0 ? gib(bytes) : undefined;
  const detail = `${docker === undefined ? '' : `docker ${docker} GiB, `}free ${free} GiB`;
  const codespace = context.system.devContainer() === 'codespaces';
  if (
    codespace &&
    ((docker !== undefined && docker < dockerMemoryWantedGiB) || free < freeMemoryWantedGiB)
  ) {
    // A codespace's memory is its machine type's: only a bigger machine type gives more.
    return {
      id: 'memory',
      status: 'warn',
      code: 'codespaceLow',
      params: { docker: docker ?? free, free },
      detail,
      commands: [],
    };
  }
  if (docker !== undefined && docker < dockerMemoryWantedGiB) {
    return {
      id: 'memory',
      status: 'warn',
      code: 'dockerLow',
      params: { docker, free },
      detail,
      commands: [],
    };
  }
  if (free < freeMemoryWantedGiB) {
    return {
      id: 'memory',
      status: 'warn',
      code: 'freeLow',
      params: { free },
      detail,
      commands: [],
    };
  }
  return { id: 'memory', status: 'ok', code: 'ok', params: { free }, detail, commands: [] };
}

/** inotify limits: Linux only, where kind's nodes share the host's kernel and its limits. */
export async function inotifyFinding(context: DoctorContext): Promise<Finding> {
  const { platform, readProc } = context.system;
  if (platform !== 'linux') {
    return {
      id: 'inotify',
      status: 'skip',
      code: 'notLinux',
      params: {},
      detail: platform,
      commands: [],
    };
  }
  let watches: number;
  let instances: number;
  try {
    [watches, instances] = (await Promise.all(
      ['max_user_watches', 'max_user_instances'].map(async (name) => {
        const text = await readProc(`/proc/sys/fs/inotify/${name}`);
        const value = Number.parseInt(text.trim(), 10);
        if (!Number.isFinite(value)) throw new Error(`${name} reads "${text.trim()}"`);
        return value;
      }),
    )) as [number, number];
  } catch (error) {
    return {
      id: 'inotify',
      status: 'warn',
      code: 'unreadable',
      params: {},
      detail: errorMessage(error),
      commands: ['sysctl fs.inotify.max_user_watches fs.inotify.max_user_instances'],
    };
  }
  const detail = `max_user_watches=${watches} max_user_instances=${instances}`;
  const params = { watches, instances };
  if (watches >= inotifyWanted.watches && instances >= inotifyWanted.instances) {
    return { id: 'inotify', status: 'ok', code: 'ok', params, detail, commands: [] };
  }
  // Never lower a limit that is already higher than kind asks for.
  const set = {
    watches: Math.max(watches, inotifyWanted.watches),
    instances: Math.max(instances, inotifyWanted.instances),
  };
  const commands = [
    `sudo sysctl -w fs.inotify.max_user_watches=${set.watches} fs.inotify.max_user_instances=${set.instances}`,
    `printf 'fs.inotify.max_user_watches = ${set.watches}\\nfs.inotify.max_user_instances = ${set.instances}\\n' | sudo tee ${inotifyConfFile}`,
  ];
  return {
    id: 'inotify',
    status: 'warn',
    code: 'low',
    params: { ...params, minWatches: inotifyWanted.watches, minInstances: inotifyWanted.instances },
    detail,
    commands,
  };
}

/** Who listens on a port, from lsof (Linux and macOS); undefined when it cannot tell. */
async function holderOf(
  context: DoctorContext,
  port: number,
): Promise<{ pid: number; name: string } | undefined> {
  const answer = await context.system.run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc']);
  const pid = Number(/^p(\d+)$/m.exec(answer.stdout)?.[1]);
  const name = /^c(.+)$/m.exec(answer.stdout)?.[1];
  return answer.ok && pid > 0 ? { pid, name: name ?? '?' } : undefined;
}

/**
 * Host ports the labs listen on (port-forwards, dashboards), and the runner's when none runs yet.
 * A lab port that the asking runner holds itself is a conflict too: the lab could not take it.
 *
 * The classroom hub's default port is looked at too, as the hub holds it on 127.0.0.1 and ::1
 * and does not start when either is taken. Only an instructor starts a hub, so a process on it
 * is no warning: the item stays ok and says what to do if a hub is to run here. A hub that the
 * asking runner (or, for `npm run doctor`, the running one) started holds it, which is fine.
 */
export async function portsFinding(context: DoctorContext): Promise<Finding> {
  const { ports, ownPort, ownPid, hubPort, system } = context;
  const lookAt = async (port: number) => {
    if (port === ownPort) return { port, busy: true, own: true, holder: undefined };
    const busy = await system.portBusy(port);
    return { port, busy, own: false, holder: busy ? await holderOf(context, port) : undefined };
  };
  const [looked, hub] = await Promise.all([
    Promise.all(ports.map(lookAt)),
    hubPort === undefined || hubPort === ownPort || ports.includes(hubPort)
      ? undefined
      : lookAt(hubPort),
  ]);
  // The runner's own hub runs in its process: lsof names that process as the holder.
  const ownHub = hub?.busy === true && ownPid !== undefined && hub.holder?.pid === ownPid;
  const describe = (p: (typeof looked)[number]) => {
    if (!p.busy) return `${p.port} free`;
    if (p.own) return `${p.port} this runner`;
    return `${p.port} ${p.holder ? `${p.holder.name} pid ${p.holder.pid}` : 'in use'}`;
  };
  const detail = [
    ...looked.map(describe),
    ...(hub
      ? [ownHub ? `${hub.port} this runner's classroom hub` : `${describe(hub)} (classroom hub)`]
      : []),
  ].join(', ');
  const hubTaken = hub?.busy === true && !ownHub;
  const free = [...looked, ...(hub ? [hub] : [])]
    .filter((p) => !p.busy)
    .map((p) => p.port)
    .join(', ');
  const conflicts = looked.filter((p) => p.busy);
  if (conflicts.length === 0) {
    if (hubTaken)
      return {
        id: 'ports',
        status: 'ok',
        code: 'hubBusy',
        params: { ports: free, hub: hub.port },
        detail,
        commands: [],
      };
    return { id: 'ports', status: 'ok', code: 'ok', params: { ports: free }, detail, commands: [] };
  }
  const find = (port: number) =>
    system.platform === 'linux'
      ? `ss -ltnp 'sport = :${port}'`
      : `lsof -nP -iTCP:${port} -sTCP:LISTEN`;
  const commands = conflicts
    .filter((p) => !p.own)
    .map((p) => (p.holder ? `kill ${p.holder.pid}` : find(p.port)));
  const busy = conflicts.map((p) => p.port).join(', ');
  return {
    id: 'ports',
    status: 'warn',
    code: hubTaken ? 'busyHubBusy' : 'busy',
    params: hubTaken ? { busy, hub: hub.port } : { busy },
    detail,
    commands,
  };
}

/**
 * Shells and checks that a runner killed hard left running (its ledger in the workspace). The
 * next `npm start` ends them; the doctor names them meanwhile, with the command that ends them.
 */
export function processesFinding(context: DoctorContext): Finding {
  const ledger = join(context.paths.home, 'processes.json');
  const left = context.system.leftovers(ledger);
  const pids = left.flatMap((leftover) => leftover.pids);
  const detail = left.map((leftover) => `${leftover.kind}: ${leftover.pids.join(' ')}`).join('; ');
  // A ledger that cannot be read hides what it named: that is said first, never "nothing left".
  const unreadable = context.system.unreadableLedgers(ledger);
  if (unreadable.length > 0)
    return {
      id: 'processes',
      status: 'warn',
      code: 'unreadable',
      params: { file: unreadable.map((found) => found.file).join(', ') },
      detail: [...unreadable.map((found) => `${found.file}: ${found.problem}`), detail]
        .filter(Boolean)
        .join('; '),
      commands: [
        'ps -u "$USER" -o pid,lstart,args',
        ...(pids.length > 0 ? [`kill -KILL ${pids.join(' ')}`] : []),
        `rm ${unreadable.map((found) => found.file).join(' ')}`,
      ],
    };
  if (pids.length === 0)
    return { id: 'processes', status: 'ok', code: 'ok', params: {}, detail, commands: [] };
  return {
    id: 'processes',
    status: 'warn',
    code: 'left',
    params: { count: pids.length },
    detail,
    commands: [`kill -KILL ${pids.join(' ')}`],
  };
}
