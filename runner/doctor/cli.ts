// npm run doctor: the runner's doctor report in a terminal. Exits 1 when an item fails (a warning
// does not), so CI's cluster workflow stops before the cluster tests on a machine that cannot run them.
import { join } from 'node:path';
import { readPins } from '../../src/lib/lab-files.ts';
import { projectRoot } from '../book-build.ts';
import { diagnose, englishText, type DoctorStatus } from './doctor.ts';
import { isAlive } from '../process/group.ts';
import { labEnvironment, readRunnerFile, workspaceAt } from '../workspace.ts';

const marks: Record<DoctorStatus, string> = { ok: '✔', warn: '!', fail: '✘', skip: '–' };
const indent = ' '.repeat(12);

const pins = readPins(join(projectRoot, 'content/versions.yaml'));
const workspace = workspaceAt();
// A runner already up holds its own port, and its classroom hub's: that is not a conflict.
const runner = readRunnerFile(workspace);
const items = await diagnose({
  env: labEnvironment(workspace),
  kubeContext: pins.kubeContext ?? 'kind-istio-lab',
  pins,
  ...(runner && isAlive(runner.pid) ? { ownPort: runner.port, ownPid: runner.pid } : {}),
});
for (const item of items) {
  console.log(
    `${marks[item.status]} ${item.id.padEnd(9)} ${englishText(`lab.doctor.${item.id}.${item.code}`, item.params)}`,
  );
  if (item.detail && item.status !== 'ok') console.log(`${indent}(${item.detail})`);
  for (const command of item.commands) console.log(`${indent}$ ${command}`);
}
process.exitCode = items.some((item) => item.status === 'fail') ? 1 : 0;
