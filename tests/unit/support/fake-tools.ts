import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPins, type Pins } from '../../../src/lib/lab-files.ts';

export const root = new URL('../../..', import.meta.url).pathname;
export const pins: Pins = readPins(join(root, 'content/versions.yaml'));

export type ToolName = 'docker' | 'kind' | 'kubectl' | 'istioctl';

/** A shell script that answers each argument line in `answers` and fails loudly on any other. */
export function fakeTool(name: string, answers: Record<string, string>, exitCode = 0): string {
  const cases = Object.entries(answers)
    .map(([args, output]) => `  '${args}') printf '%s\\n' '${output}'; exit ${exitCode} ;;`)
    .join('\n');
  return `#!/bin/sh\ncase "$*" in\n${cases}\n  *) echo "fake ${name}: unexpected arguments: $*" >&2; exit 2 ;;\nesac\n`;
}

/** The tools of a machine ready for the book, at the pinned versions, with the cluster running. */
export function healthyTools(): Record<ToolName, string> {
  return {
    docker: fakeTool('docker', {
      'info --format {{.ServerVersion}} {{.MemTotal}}': '28.2.2 16624394240',
      'start istio-lab-control-plane': 'istio-lab-control-plane',
    }),
    kind: fakeTool('kind', {
      version: `kind ${pins.kind} go1.25.3 linux/amd64`,
      'get clusters': pins.clusterName ?? '',
    }),
    kubectl: fakeTool('kubectl', {
      'version --client': `Client Version: ${pins.kubernetes}`,
      'config current-context': pins.kubeContext ?? '',
      'get --raw /readyz --request-timeout=5s': 'ok',
    }),
    istioctl: fakeTool('istioctl', { 'version --remote=false': `client version: ${pins.istio}` }),
  };
}

/** Writes the tools into `bin` (created if needed), executable, replacing any given in `scripts`. */
export function writeFakeTools(bin: string, scripts: Partial<Record<ToolName, string>> = {}): void {
  mkdirSync(bin, { recursive: true });
  for (const [name, script] of Object.entries({ ...healthyTools(), ...scripts })) {
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  }
}
