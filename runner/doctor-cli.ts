// npm run doctor: the runner's doctor report in a terminal (CI runs it before the cluster tests).
import { join } from 'node:path';
import { readPins } from '../src/lib/lab-files.ts';
import { projectRoot } from './book-build.ts';
import { diagnose } from './doctor.ts';
import { labEnvironment, workspaceAt } from './workspace.ts';

const pins = readPins(join(projectRoot, 'content/versions.yaml'));
const items = await diagnose(labEnvironment(workspaceAt()), pins.kubeContext ?? 'kind-istio-lab');
for (const item of items) {
  console.log(
    `${item.ok ? '✔' : '✘'} ${item.name.padEnd(9)} ${item.detail}${item.ok ? '' : `\n             fix: ${item.fix}`}`,
  );
}
