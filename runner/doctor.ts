import { execFile } from 'node:child_process';
import { freemem } from 'node:os';

/** One line of the doctor's report: what was looked at, whether it is fine, and the fix if not. */
export interface DoctorItem {
  name: string;
  ok: boolean;
  detail: string;
  fix: string;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ ok: !error, out: `${stdout}${stderr}`.trim().split('\n')[0] ?? '' });
    });
  });
}

/** Looks at what the labs need, in the environment the labs run with. */
export async function diagnose(
  env: NodeJS.ProcessEnv,
  clusterContext: string,
): Promise<DoctorItem[]> {
  const [docker, kind, kubectl, istioctl, context] = await Promise.all([
    run('docker', ['info', '--format', '{{.ServerVersion}}'], env),
    run('kind', ['version'], env),
    run('kubectl', ['version', '--client'], env),
    run('istioctl', ['version', '--remote=false'], env),
    run('kubectl', ['config', 'current-context'], env),
  ]);
  const freeGiB = freemem() / 2 ** 30;
  return [
    {
      name: 'docker',
      ok: docker.ok,
      detail: docker.ok ? `engine ${docker.out}` : docker.out || 'docker not found',
      fix: 'install Docker and start its daemon (Docker Desktop on macOS and Windows); `docker info` must answer',
    },
    {
      name: 'kind',
      ok: kind.ok,
      detail: kind.out || 'kind not found',
      fix: 'install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation',
    },
    {
      name: 'kubectl',
      ok: kubectl.ok,
      detail: kubectl.out || 'kubectl not found',
      fix: 'install kubectl: https://kubernetes.io/docs/tasks/tools/',
    },
    {
      name: 'istioctl',
      ok: istioctl.ok,
      detail: istioctl.out || 'istioctl not found',
      fix: 'the "install" chapter downloads it into the workspace bin/',
    },
    {
      name: 'cluster',
      ok: context.ok && context.out === clusterContext,
      detail: context.ok
        ? `current context ${context.out}`
        : 'no cluster in the workspace kubeconfig',
      fix: 'create it in the "cluster" chapter',
    },
    {
      name: 'memory',
      ok: freeGiB >= 4,
      detail: `${freeGiB.toFixed(1)} GiB free`,
      fix: "Istio with the samples wants about 8 GiB for Docker: close other programs or raise Docker's memory limit",
    },
  ];
}
