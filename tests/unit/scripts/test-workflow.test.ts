import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

/**
 * The workflow that runs `npm test` in public (.github/workflows/test.yml), and the provisioning
 * it shares with .ci/run (.ci/provision). GitHub cannot run here, so the workflow is checked as
 * data, and its steps and .ci/run are run in turn against stand-ins for npm and the system's
 * tools, to prove that both provision the same way and then run exactly the README's command.
 */
const root = new URL('../../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const { floorOf } = require('../../../runner/preflight.cjs') as {
  floorOf: (range: string) => [number, number, number] | undefined;
};
const { engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
};

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<
    string,
    { strategy: { 'fail-fast'?: boolean; matrix: { node: unknown[] } }; steps: Step[] }
  >;
}
const workflowsDir = join(root, '.github/workflows');
const workflow = parse(readFileSync(join(workflowsDir, 'test.yml'), 'utf8')) as Workflow;
const jobs = Object.values(workflow.jobs);
const steps = jobs[0]?.steps ?? [];
const runSteps = steps.filter((step) => step.run !== undefined && step.if === undefined);
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const ciRun = readFileSync(join(root, '.ci/run'), 'utf8');
const provision = readFileSync(join(root, '.ci/provision'), 'utf8');

/** The command of the README's "Test it" section. */
const readmeTestCommand = /## Test it\n\n```sh\n(.+)\n```/.exec(readme)?.[1];

/**
 * Runs `script` with bash in the repository, on a PATH of stand-ins: npm, apt-get and sudo record
 * each call; Chromium, ShellCheck, zsh and a CJK font (fc-list) are there unless `lacking` names
 * them; the real Node is there (the provisioning asks it whether it is recent enough) unless
 * `lacking` names node, then one below the floor is; of the system only bash, dirname and id.
 * Returns the calls, in order.
 */
function callsOf(script: string, lacking: string[] = []): string[] {
  const fakes = mkdtempSync(join(tmpdir(), 'istio-lab-ci-'));
  const calls = join(fakes, 'calls.txt');
  writeFileSync(calls, '');
  const fake = (name: string, body: string) => {
    writeFileSync(join(fakes, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(fakes, name), 0o755);
  };
  for (const tool of ['npm', 'apt-get', 'sudo'])
    fake(tool, `echo "${tool} $*" >> "${calls}"; [ "$1" = --version ] && echo 11.0.0; exit 0`);
  for (const tool of ['chromium', 'shellcheck', 'zsh'].filter((tool) => !lacking.includes(tool)))
    fake(tool, 'exit 0');
  if (!lacking.includes('fc-list'))
    fake('fc-list', 'echo "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc: Noto Sans CJK SC"');
  for (const tool of ['bash', 'dirname', 'id']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    symlinkSync(found.stdout.trim(), join(fakes, tool));
  }
  // A Node below the floor answers the preflight with exit 1, as runner/preflight.cjs does.
  if (lacking.includes('node')) fake('node', '[ "$1" = --version ] && echo v20.0.0; exit 1');
  else fake('node', `exec "${process.execPath}" "$@"`);
  const run = spawnSync('/bin/bash', ['-euo', 'pipefail', '-c', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PATH: fakes, NODE_PREFIX: join(fakes, 'node24') },
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  return readFileSync(calls, 'utf8').trim().split('\n');
}

describe('the test workflow', () => {
  it('runs on every push and every pull request, reading the repository only', () => {
    assert.deepEqual(Object.keys(workflow.on).sort(), ['pull_request', 'push']);
    // No branch or path filter: every push and pull request is tested.
    assert.equal(workflow.on.push, null);
    assert.equal(workflow.on.pull_request, null);
    assert.deepEqual(workflow.permissions, { contents: 'read' });
  });

  it('runs on the lowest Node package.json allows and on 24, each leg to its end', () => {
    assert.equal(jobs.length, 1);
    const floor = floorOf(engines.node);
    assert.ok(floor, `engines.node is not a ">=" floor: ${engines.node}`);
    const lowest = floor[2] ? floor.join('.') : `${floor[0]}.${floor[1]}`;
    assert.deepEqual(jobs[0]?.strategy.matrix.node.map(String), [lowest, '24']);
    assert.equal(jobs[0]?.strategy['fail-fast'], false);
    const node = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    assert.equal(node?.with?.['node-version'], '${{ matrix.node }}');
  });

  it('checks out, sets up Node, runs the shared provisioning and then the README’s npm test', () => {
    assert.equal(readmeTestCommand, 'npm test');
    const uses = steps.map((step) => step.uses?.replace(/@.*/, ''));
    assert.deepEqual(uses.slice(0, 2), ['actions/checkout', 'actions/setup-node']);
    assert.deepEqual(
      runSteps.map((step) => step.run?.trim()),
      ['bash .ci/provision', readmeTestCommand],
    );
  });

  it('is shown by its badge in the README, in whichever repository the README is read', () => {
    assert.ok(
      readme.includes(
        '[![Test](../../actions/workflows/test.yml/badge.svg)](../../actions/workflows/test.yml)',
      ),
    );
  });
});

describe('.ci/run and .ci/provision', () => {
  it('parse and pass ShellCheck', () => {
    for (const name of ['.ci/run', '.ci/provision']) {
      const parsed = spawnSync('bash', ['-n', join(root, name)], { encoding: 'utf8' });
      assert.equal(parsed.status, 0, `${name}: ${parsed.stderr}`);
      const checked = spawnSync('shellcheck', ['-x', name], { cwd: root, encoding: 'utf8' });
      assert.equal(checked.status, 0, `${name}: ${checked.stdout}${checked.stderr}`);
    }
  });

  it('one provisioning: .ci/run sources .ci/provision and keeps none of its own', () => {
    assert.match(ciRun, /^\. \.ci\/provision$/m);
    for (const own of ['apt-get', 'npm ci', 'npm install', 'node_ok'])
      assert.ok(!ciRun.includes(own), `.ci/run provisions by itself: ${own}`);
    assert.match(provision, /^npm ci$/m);
  });

  it('.ci/run provisions, then calls exactly npm test; the workflow’s steps call the same', () => {
    const provisioned = ['npm --version', 'npm ci'];
    assert.deepEqual(callsOf('bash .ci/run'), [...provisioned, 'npm test']);
    assert.deepEqual(callsOf(runSteps.map((step) => step.run).join('\n')), [
      ...provisioned,
      'npm test',
    ]);
  });

  it('install what the machine lacks from the distribution’s packages, and nothing else', () => {
    const apt = callsOf('bash .ci/provision', ['zsh', 'fc-list'])
      .filter((call) => call.includes('apt-get'))
      .map((call) => call.replace(/^sudo /, ''));
    assert.deepEqual(apt, ['apt-get update -qq', 'apt-get install -y -qq zsh fonts-noto-cjk']);
    assert.deepEqual(
      callsOf('bash .ci/provision').filter((call) => call.includes('apt-get')),
      [],
    );
  });

  it('install Node 24 when the system’s is below package.json’s floor', () => {
    const calls = callsOf('bash .ci/provision', ['node']);
    assert.equal(
      calls[0]?.replace(/--prefix \S+/, '--prefix <prefix>'),
      'npm install -g --prefix <prefix> node@24',
    );
  });
});

describe('the book-on-kind workflow', () => {
  it('runs on pull requests that change a pin or Renovate’s configuration', () => {
    const kind = parse(readFileSync(join(workflowsDir, 'book-on-kind.yml'), 'utf8')) as {
      on: { pull_request?: { paths?: string[] } };
    };
    assert.deepEqual(kind.on.pull_request?.paths, ['content/versions.yaml', 'renovate.json']);
  });
});
