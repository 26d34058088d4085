import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLabDirs, readPins } from '../../../src/lib/lab-files.ts';
import { renderSteps } from '../../../runner/lab-catalog.ts';

const root = new URL('../../..', import.meta.url).pathname;
const labs = loadLabDirs(
  [
    join(root, 'content/labs'),
    join(root, 'tests/fixtures/labs'),
    join(root, 'tests/fixtures/harness/labs'),
    join(root, 'tests/fixtures/harness/failing'),
  ],
  readPins(join(root, 'content/versions.yaml')),
);

/** Every script a lab holds, named the way an author finds it: lab, section, id. */
function scripts(): Array<[string, string]> {
  const all: Array<[string, string]> = [];
  for (const [slug, lab] of labs) {
    if (lab.prepare) all.push([`${slug} prepare`, lab.prepare]);
    if (lab.cleanup) all.push([`${slug} cleanup`, lab.cleanup]);
    for (const [id, cell] of Object.entries(lab.cells))
      if (cell.lang === 'bash') all.push([`${slug} cells.${id}`, cell.run]);
    for (const [id, check] of Object.entries(lab.checks))
      all.push([`${slug} checks.${id}`, check.run]);
  }
  return all;
}

function shellcheckVersion(): string | undefined {
  try {
    return execFileSync('shellcheck', ['--version'], { encoding: 'utf8' });
  } catch {
    // Not installed: the test below says what to install.
    return undefined;
  }
}

describe('lab scripts', () => {
  it('ShellCheck is installed (apt-get install shellcheck, brew install shellcheck)', () => {
    assert.ok(
      shellcheckVersion(),
      'shellcheck is not on PATH: install it to lint the labs (.ci/run does)',
    );
  });

  for (const [name, script] of scripts()) {
    it(`${name} passes bash -n and shellcheck`, () => {
      const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      assert.equal(syntax.status, 0, `bash -n: ${syntax.stderr}`);
      // A script that sources the shared steps through $ISTIO_LAB_STEPS says so with
      // "# shellcheck source=/dev/null" (SC1090 otherwise): nothing is excluded here.
      const lint = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
        input: script,
        encoding: 'utf8',
      });
      assert.equal(lint.status, 0, `shellcheck:\n${lint.stdout}${lint.stderr}`);
    });
  }

  it('the shared prepare steps, pins filled in, pass bash -n and shellcheck', () => {
    const steps = renderSteps(root, readPins(join(root, 'content/versions.yaml')));
    assert.equal(spawnSync('bash', ['-n'], { input: steps }).status, 0);
    const lint = spawnSync('shellcheck', ['--shell=bash', '-'], { input: steps, encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout);
  });

  for (const shell of ['bash', 'zsh']) {
    it(`lab_reach numbers its steps and names the one that fails, in ${shell}`, () => {
      const steps = renderSteps(root, readPins(join(root, 'content/versions.yaml')));
      // The real steps replaced by stand-ins that say they ran; lab_samples fails.
      const fakes = [
        'lab_cluster() { echo cluster-ran; }',
        'lab_no_istio() { echo no-istio-ran; }',
        'lab_istioctl() { echo istioctl-ran; }',
        'lab_istio_demo() { echo demo-ran; }',
        'lab_samples() { echo samples-ran; return 3; }',
      ].join('\n');
      const run = (state: string) =>
        spawnSync(shell, ['-c', `${steps}\n${fakes}\nlab_reach ${state}`], {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            HOME: '/nonexistent',
            ISTIO_LAB_HOME: '/nonexistent',
          },
        });
      const install = run('install');
      assert.equal(install.status, 0, install.stderr);
      assert.match(
        install.stdout,
        /==> \[1\/2\] the kind cluster istio-lab\ncluster-ran\n==> \[2\/2\] no Istio installed\nno-istio-ran\n/,
      );
      assert.match(install.stdout, /==> ready: the cluster is where the "install" state starts/);
      const teardown = run('teardown');
      assert.equal(teardown.status, 0, teardown.stderr);
      assert.match(teardown.stdout, /==> \[1\/1\] the kind cluster istio-lab\ncluster-ran\n/);
      const gateways = run('gateways');
      assert.notEqual(gateways.status, 0);
      assert.match(gateways.stdout, /\[3\/5\] Istio [\d.]+, demo profile\ndemo-ran\n==> \[4\/5\]/);
      assert.doesNotMatch(gateways.stdout, /ready:/);
      assert.match(gateways.stderr, /step 4 of 5 \(Bookinfo, curl and httpbin\) failed/);
      assert.match(run('nowhere').stderr, /unknown state 'nowhere'/);
    });
  }

  it('lab_reach mesh removes what other chapters left, in both namespaces, before Bookinfo routing', () => {
    const steps = renderSteps(root, readPins(join(root, 'content/versions.yaml')));
    // kubectl as a stand-in that records its arguments; the other steps say they ran.
    const fakes = [
      // On stderr: the steps send kubectl's own output to /dev/null.
      'kubectl() { echo "kubectl $*" >&2; }',
      ...['lab_cluster', 'lab_istioctl', 'lab_istio_demo', 'lab_samples'].map(
        (step) => `${step}() { :; }`,
      ),
      'lab_bookinfo_ingress() { echo bookinfo-routing >&2; }',
      'lab_gateway_api_crds() { :; }',
    ].join('\n');
    const mesh = spawnSync('bash', ['-c', `${steps}\n${fakes}\nlab_reach mesh`], {
      encoding: 'utf8',
    });
    assert.equal(mesh.status, 0, mesh.stderr);
    assert.match(mesh.stdout, /\[5\/7\] no routes or policies left by other chapters/);
    const deletes = mesh.stderr.split('\n').filter((line) => line.includes(' delete '));
    assert.deepEqual(
      deletes.map((line) => line.split(' ')[2]),
      ['default', 'istio-system', 'default', 'default'],
    );
    assert.match(
      deletes[0] ?? '',
      /virtualservices\..*authorizationpolicies\.security\.istio\.io.* --all/,
    );
    assert.match(deletes[2] ?? '', /httproutes\.gateway\.networking\.k8s\.io,gateways\.gateway/);
    assert.match(
      deletes[3] ?? '',
      /delete deployment curl-direct/,
      "the egress chapter's curl-direct",
    );
    assert.ok(mesh.stderr.indexOf('bookinfo-routing') > mesh.stderr.lastIndexOf(' delete '));
  });

  it("the runner's rc file passes bash -n and shellcheck", () => {
    const rc = join(root, 'runner/terminal/shell/bashrc');
    assert.equal(spawnSync('bash', ['-n', rc]).status, 0);
    const lint = spawnSync('shellcheck', ['--shell=bash', rc], { encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout);
  });
});
