import type { CommandResult, DoctorContext, Finding, LabPaths } from './types.ts';

/** The first line a command printed: its version from stdout, or its error from stderr. */
export function firstLine(result: CommandResult): string {
  const line = (text: string) =>
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean);
  const [first, second] = result.ok
    ? [result.stdout, result.stderr]
    : [result.stderr, result.stdout];
  return line(first) ?? line(second) ?? '';
}

/** `1.2.3` from `Client Version: v1.2.3`, `kind v1.2.3 go1.25.3 linux/amd64` or `1.2.3`. */
export function versionIn(text: string): string | undefined {
  return /\bv?(\d+\.\d+\.\d+)\b/.exec(text)?.[1];
}

/** A word or path as the shell reads it, quoted only when it has to be. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The names kind's and Kubernetes' release downloads use for this machine. */
function download(context: DoctorContext): { os: string; arch: string } {
  const { platform, arch } = context.system;
  return {
    os: platform === 'darwin' ? 'darwin' : 'linux',
    arch: arch === 'arm64' ? 'arm64' : 'amd64',
  };
}

const bare = (version: string | undefined) => (version ?? '').replace(/^v/, '');

function binary(paths: LabPaths, name: string): string {
  return shellWord(`${paths.bin}/${name}`);
}

export function dockerFinding(context: DoctorContext, info: CommandResult): Finding {
  const [version = ''] = info.stdout.trim().split(/\s+/);
  if (info.ok && version) {
    return {
      id: 'docker',
      status: 'ok',
      code: 'ok',
      params: { version },
      detail: `Docker ${version}`,
      commands: [],
    };
  }
  const detail = info.missing ? '' : firstLine(info);
  const linux = context.system.platform === 'linux';
  const container = context.system.devContainer() !== undefined;
  if (info.missing) {
    // A dev container gets Docker from its docker-in-docker feature, or not at all.
    const code = container ? 'missingContainer' : 'missing';
    return { id: 'docker', status: 'fail', code, params: {}, detail, commands: [] };
  }
  if (/permission denied/i.test(`${info.stdout}${info.stderr}`)) {
    const commands = linux ? ['sudo usermod -aG docker "$USER"'] : [];
    return { id: 'docker', status: 'fail', code: 'denied', params: {}, detail, commands };
  }
  if (container) {
    // Docker in Docker's daemon starts with the container; its start script starts it again.
    return {
      id: 'docker',
      status: 'fail',
      code: 'unreachableContainer',
      params: {},
      detail,
      commands: ['sudo bash /usr/local/share/docker-init.sh'],
    };
  }
  const start = linux
    ? ['sudo systemctl start docker']
    : context.system.platform === 'darwin'
      ? ['open -a Docker']
      : [];
  return { id: 'docker', status: 'fail', code: 'unreachable', params: {}, detail, commands: start };
}

export function kindFinding(context: DoctorContext, result: CommandResult): Finding {
  const pinned = context.pins.kind ?? '';
  const { os, arch } = download(context);
  const target = binary(context.paths, 'kind');
  const commands = [
    `curl --create-dirs -fLo ${target} https://kind.sigs.k8s.io/dl/${pinned}/kind-${os}-${arch}`,
    `chmod +x ${target}`,
  ];
  return toolFinding('kind', result, pinned, commands, (found) => bare(found) === bare(pinned));
}

/** kubectl works with a cluster one minor version older or newer than itself. */
export function kubectlFinding(context: DoctorContext, result: CommandResult): Finding {
  const pinned = context.pins.kubernetes ?? '';
  const { os, arch } = download(context);
  const target = binary(context.paths, 'kubectl');
  const commands = [
    `curl --create-dirs -fLo ${target} https://dl.k8s.io/release/${pinned}/bin/${os}/${arch}/kubectl`,
    `chmod +x ${target}`,
  ];
  const minor = (version: string) => version.split('.').slice(0, 2).map(Number);
  const withinSkew = (found: string) => {
    const [major = 0, minorFound = 0] = minor(found);
    const [pinnedMajor = 0, pinnedMinor = 0] = minor(bare(pinned));
    return major === pinnedMajor && Math.abs(minorFound - pinnedMinor) <= 1;
  };
  const finding = toolFinding('kubectl', result, pinned, commands, withinSkew);
  return finding.code === 'mismatch' ? { ...finding, code: 'skew' } : finding;
}

/** A missing istioctl is expected before the install chapter, which downloads it: a warning. */
export function istioctlFinding(context: DoctorContext, result: CommandResult): Finding {
  const pinned = context.pins.istio ?? '';
  const { home, bin } = context.paths;
  const commands = [
    `cd ${shellWord(home)} && curl -fsSL https://istio.io/downloadIstio | ISTIO_VERSION=${pinned} sh -`,
    `ln -sfn istio-${pinned} ${shellWord(`${home}/istio`)}`,
    `ln -sf ${shellWord(`${home}/istio/bin/istioctl`)} ${shellWord(`${bin}/istioctl`)}`,
  ];
  const finding = toolFinding(
    'istioctl',
    result,
    pinned,
    commands,
    (found) => found === bare(pinned),
  );
  return finding.status === 'fail' ? { ...finding, status: 'warn' } : finding;
}

function toolFinding(
  id: 'kind' | 'kubectl' | 'istioctl',
  result: CommandResult,
  pinned: string,
  commands: string[],
  matches: (found: string) => boolean,
): Finding {
  const detail = firstLine(result);
  if (result.missing)
    return { id, status: 'fail', code: 'missing', params: { pinned }, detail: '', commands };
  const found = versionIn(detail);
  if (!result.ok || !found) {
    return { id, status: 'fail', code: 'broken', params: { pinned }, detail, commands };
  }
  const shown = pinned.startsWith('v') ? `v${found}` : found;
  if (!matches(found)) {
    return {
      id,
      status: 'warn',
      code: 'mismatch',
      params: { found: shown, pinned },
      detail,
      commands,
    };
  }
  return { id, status: 'ok', code: 'ok', params: { found: shown, pinned }, detail, commands: [] };
}

/**
 * The book's cluster, through the workspace kubeconfig: a context, the right one, and an API
 * server that answers. When there is no context, kind says whether the cluster exists anyway.
 */
export async function clusterFinding(
  context: DoctorContext,
  kubectlMissing: boolean,
  current: CommandResult,
): Promise<Finding> {
  const { run } = context.system;
  const name = context.pins.clusterName ?? 'istio-lab';
  const kubeconfig = shellWord(context.paths.kubeconfig);
  const wanted = context.kubeContext;
  if (kubectlMissing) {
    return {
      id: 'cluster',
      status: 'skip',
      code: 'noKubectl',
      params: {},
      detail: '',
      commands: [],
    };
  }
  const inUse = firstLine(current);
  if (!current.ok || !inUse) {
    const clusters = await run('kind', ['get', 'clusters']);
    const exists = clusters.ok && clusters.stdout.split('\n').some((line) => line.trim() === name);
    if (exists) {
      const commands = [`kind export kubeconfig --name ${name} --kubeconfig ${kubeconfig}`];
      return {
        id: 'cluster',
        status: 'warn',
        code: 'notExported',
        params: { name },
        detail: `kind cluster ${name}`,
        commands,
      };
    }
    const image = context.pins.kindNodeImage ?? '';
    const commands = [
      `kind create cluster --name ${name} --image ${image} --kubeconfig ${kubeconfig} --wait 120s`,
    ];
    return {
      id: 'cluster',
      status: 'warn',
      code: 'none',
      params: { name },
      detail: inUse,
      commands,
    };
  }
  if (inUse !== wanted) {
    const commands = [`kubectl --kubeconfig ${kubeconfig} config use-context ${wanted}`];
    return {
      id: 'cluster',
      status: 'warn',
      code: 'otherContext',
      params: { context: inUse, wanted },
      detail: `current-context ${inUse}`,
      commands,
    };
  }
  const ready = await run('kubectl', ['get', '--raw', '/readyz', '--request-timeout=5s']);
  if (!ready.ok) {
    const commands = [`docker start ${name}-control-plane`];
    return {
      id: 'cluster',
      status: 'fail',
      code: 'unreachable',
      params: { context: inUse },
      detail: firstLine(ready),
      commands,
    };
  }
  return {
    id: 'cluster',
    status: 'ok',
    code: 'ok',
    params: { context: inUse },
    detail: `current-context ${inUse}, readyz ${firstLine(ready)}`,
    commands: [],
  };
}
