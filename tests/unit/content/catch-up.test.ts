import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { renderSteps } from '../../../runner/lab-catalog.ts';
import { loadLabDirs, readPins } from '../../../src/lib/lab-files.ts';

const root = new URL('../../..', import.meta.url).pathname;
const pins = readPins(join(root, 'content/versions.yaml'));
const steps = renderSteps(root, pins);
const labs = loadLabDirs([join(root, 'content/labs')], pins);

/**
 * A cluster made of files: each namespace, deployment and daemonset that exists is a file in
 * the world folder, and kubectl and istioctl (bash functions that shadow the real ones) read and
 * change it the way the real tools would for the commands the shared steps use. Every call is
 * logged, so a test can say what Catch up did, and in which order.
 */
const world = `
W="$WORLD"
kubectl() {
  echo "kubectl $*" >> "$W/log"
  case "$*" in
    "get namespace "*) [ -e "$W/ns-$3" ] ;;
    "-n istio-system get deployment "*) [ -e "$W/deploy-$5" ] ;;
    "-n istio-system get daemonset ztunnel") [ -e "$W/ds-ztunnel" ] ;;
    "-n istio-system get configmap istio -o jsonpath={.data.mesh}") cat "$W/mesh" 2>/dev/null ;;
    "delete namespace "*)
      rm -f "$W/ns-$3"
      if [ "$3" = istio-system ]; then rm -f "$W"/deploy-* "$W"/ds-*; fi ;;
    "-n default delete deployment curl-direct"*) rm -f "$W/default-curl-direct" ;;
    *) return 0 ;;
  esac
}
istioctl() {
  echo "istioctl $*" >> "$W/log"
  case "$*" in
    "install --set profile=demo -y")
      [ -e "$W/ns-ambient-demo" ] && [ -e "$W/ds-ztunnel" ] && { echo "ambient-demo still enrolled" >> "$W/log"; }
      touch "$W/ns-istio-system" "$W/deploy-istiod" "$W/deploy-istio-ingressgateway" "$W/deploy-istio-egressgateway"
      rm -f "$W/ds-ztunnel" "$W/mesh" ;;
    "uninstall --purge -y")
      [ -e "$W/ns-ambient-demo" ] && echo "UNINSTALLED WITH ambient-demo ENROLLED" >> "$W/log"
      rm -f "$W"/deploy-* "$W/ds-ztunnel" "$W/mesh" ;;
  esac
}
lab_cluster() { :; }
lab_istioctl() { :; }
lab_samples() { echo "samples" >> "$W/log"; }
lab_bookinfo_ingress() { echo "bookinfo-routing" >> "$W/log"; }
`;

const place = mkdtempSync(join(tmpdir(), 'istio-lab-catch-up-'));
after(() => rmSync(place, { recursive: true, force: true }));
let worlds = 0;

/** A world with these files in it, and what a script run in it logged. */
function runIn(files: Record<string, string>, script: string) {
  const dir = join(place, `world-${++worlds}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const run = spawnSync('bash', ['-c', `${steps}\n${world}\n${script}`], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', WORLD: dir, HOME: dir, ISTIO_LAB_HOME: dir },
  });
  const log = readFileSync(join(dir, 'log'), { encoding: 'utf8', flag: 'a+' }).split('\n');
  const left = readdirSync(dir).filter((name) => name !== 'log');
  return { run, log, left };
}

const ambientCluster = {
  'ns-istio-system': '',
  'deploy-istiod': '',
  'ds-ztunnel': '',
  'ns-ambient-demo': '',
};
const demoCluster = {
  'ns-istio-system': '',
  'deploy-istiod': '',
  'deploy-istio-ingressgateway': '',
  'deploy-istio-egressgateway': '',
};
const position = (log: string[], pattern: RegExp) => log.findIndex((line) => pattern.test(line));

describe('Catch up from any chapter', () => {
  it('replaces the ambient install (and its namespace) with the demo profile', () => {
    const { run, log, left } = runIn(ambientCluster, 'lab_reach mesh');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const namespaceGone = position(log, /^kubectl delete namespace ambient-demo/);
    const uninstalled = position(log, /^istioctl uninstall --purge -y/);
    const installed = position(log, /^istioctl install --set profile=demo -y/);
    assert.ok(namespaceGone >= 0 && uninstalled > namespaceGone, log.join('\n'));
    assert.ok(installed > uninstalled, 'the demo profile after the ambient one is gone');
    assert.ok(!log.includes('UNINSTALLED WITH ambient-demo ENROLLED'));
    assert.deepEqual(left.filter((name) => name.startsWith('deploy-')).sort(), [
      'deploy-istio-egressgateway',
      'deploy-istio-ingressgateway',
      'deploy-istiod',
    ]);
    assert.ok(!left.includes('ds-ztunnel') && !left.includes('ns-ambient-demo'));
  });

  it('completes a partial install rather than counting istiod alone as installed', () => {
    const { run, log } = runIn(
      { 'ns-istio-system': '', 'deploy-istiod': '' },
      'lab_reach gateways',
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.ok(position(log, /^istioctl install --set profile=demo -y/) >= 0, log.join('\n'));
  });

  it('leaves a healthy demo install alone', () => {
    const { run, log } = runIn(demoCluster, 'lab_reach mesh');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.equal(position(log, /^istioctl (install|uninstall)/), -1, log.join('\n'));
  });

  it('undoes the egress chapter in the mesh state: ALLOW_ANY again, and no curl-direct', () => {
    const { run, log, left } = runIn(
      {
        ...demoCluster,
        mesh: 'outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n',
        'default-curl-direct': '',
      },
      'lab_reach mesh',
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.ok(position(log, /^istioctl install --set profile=demo -y/) >= 0, 'reinstalled');
    assert.ok(!left.includes('mesh'), 'REGISTRY_ONLY is gone');
    assert.ok(!left.includes('default-curl-direct'), 'curl-direct is gone');
  });

  it('starts the gateways chapter from no ingress configuration at all', () => {
    const { run, log } = runIn(demoCluster, 'lab_reach gateways');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const cleaned = log.filter((line) => / delete .*virtualservices.*--all/.test(line));
    assert.equal(cleaned.length, 2, 'routes and policies removed in default and istio-system');
    assert.equal(position(log, /bookinfo-routing/), -1, 'and no routing put back');
  });

  it('the ambient prepare removes the enrolled namespace before Istio, and the sidecar samples', () => {
    const prepare = labs.get('ambient')?.prepare ?? '';
    const { run, log, left } = runIn(
      demoCluster,
      `${prepare.replace(/source "\$ISTIO_LAB_STEPS" && /, '')}`,
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.ok(!log.includes('UNINSTALLED WITH ambient-demo ENROLLED'));
    assert.ok(
      position(log, /^kubectl -n default delete deployment,service -l app in \(productpage,/) >= 0,
      log.join('\n'),
    );
    assert.ok(!left.some((name) => name.startsWith('deploy-') || name === 'ns-istio-system'));
    const again = runIn(
      { ...ambientCluster },
      `${prepare.replace(/source "\$ISTIO_LAB_STEPS" && /, '')}`,
    );
    const gone = position(again.log, /^kubectl delete namespace ambient-demo/);
    const uninstalled = position(again.log, /^istioctl uninstall/);
    assert.ok(gone >= 0 && uninstalled > gone, again.log.join('\n'));
  });

  it('the upgrade prepare removes its namespace and tag before any Istio, and fetches the previous istioctl', () => {
    const prepare = labs.get('upgrade')?.prepare ?? '';
    const { run, log, left } = runIn(
      { 'ns-istio-system': '', 'deploy-istiod-1-31-1': '', 'ns-upgrade-demo': '' },
      `lab_istioctl_previous() { echo "previous istioctl" >> "$WORLD/log"; }\n${prepare.replace(/source "\$ISTIO_LAB_STEPS" && /, '')}`,
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const gone = position(log, /^kubectl delete namespace upgrade-demo/);
    const tag = position(log, /^kubectl delete mutatingwebhookconfigurations -l istio\.io\/tag/);
    const uninstalled = position(log, /^istioctl uninstall --purge -y/);
    assert.ok(gone >= 0 && tag > gone && uninstalled > tag, log.join('\n'));
    assert.ok(position(log, /^previous istioctl$/) >= 0, 'the previous istioctl is fetched');
    assert.deepEqual(left, [], 'no Istio and no upgrade-demo namespace left');
  });

  it('leaving the upgrade chapter for a sidecar chapter removes its namespace before Istio', () => {
    const { run, log, left } = runIn(
      { 'ns-istio-system': '', 'deploy-istiod-1-31-1': '', 'ns-upgrade-demo': '' },
      'lab_reach mesh',
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const gone = position(log, /^kubectl delete namespace upgrade-demo/);
    const uninstalled = position(log, /^istioctl uninstall --purge -y/);
    const installed = position(log, /^istioctl install --set profile=demo -y/);
    assert.ok(gone >= 0 && uninstalled > gone && installed > uninstalled, log.join('\n'));
    assert.ok(!left.includes('ns-upgrade-demo'));
  });

  it('applies the Gateway API CRDs server-side with --force-conflicts, in the steps and in the cells', () => {
    assert.match(
      steps,
      /kubectl apply --server-side --force-conflicts -f \S+standard-install\.yaml/,
    );
    for (const [slug, lab] of labs)
      for (const [id, cell] of Object.entries(lab.cells))
        if (/apply --server-side\b.*standard-install/.test(cell.run))
          assert.match(cell.run, /--force-conflicts/, `${slug} cells.${id}`);
  });

  it('runs every teardown cell on a machine with no Istio release and no istioctl', () => {
    const teardown = labs.get('teardown');
    assert.ok(teardown);
    for (const id of ['remove-workloads', 'uninstall-istio']) {
      const script: string = teardown.cells[id]?.run ?? '';
      assert.ok(script, id);
      const dir = join(place, `teardown-${id}`);
      mkdirSync(dir);
      // kubectl answers as on a cluster with nothing left to remove; istioctl is not installed.
      const result = spawnSync(
        'bash',
        ['-e', '-o', 'pipefail', '-c', `kubectl() { :; }\n${script}`],
        {
          encoding: 'utf8',
          env: { PATH: '/usr/bin:/bin', HOME: dir, ISTIO_LAB_HOME: dir },
        },
      );
      assert.equal(result.status, 0, `${id}: ${result.stdout}${result.stderr}`);
    }
  });
});

describe('checks that prove what they claim', () => {
  const check = (slug: string, id: string) => {
    const found = labs.get(slug)?.checks[id];
    assert.ok(found, `${slug} checks.${id}`);
    return found;
  };

  it('traffic/split-50-50 fails under the 80/20 route even when a sample looks even', () => {
    const run = check('traffic', 'split-50-50').run;
    // 28 of 40 to v1 and 12 to v3: inside the sampling window, and what 80/20 gives 8% of the time.
    const sample = `for i in $(seq 28); do echo 'Reviews served by'; done; for i in $(seq 12); do echo 'gap-x-1 text-red-500'; done`;
    const withWeights = (weights: string) =>
      spawnSync(
        'bash',
        [
          '-c',
          `kubectl() { case "$1" in get) printf '%s' '${weights}' ;; exec) ${sample} ;; esac; }\n${run}`,
        ],
        { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } },
      );
    assert.notEqual(withWeights('v1=80 v3=20 ').status, 0, 'the 80/20 route is not 50/50');
    const even = withWeights('v1=50 v3=50 ');
    assert.equal(even.status, 0, even.stdout + even.stderr);
  });

  it('the JWT checks wait as long as istiod may take to fetch the JWKS', () => {
    for (const id of ['jwt-checked-when-present', 'jwt-required'])
      assert.ok((check('security', id).waitUpTo ?? 0) >= 5 * 60_000, id);
  });

  it('MetalLB is waited for by its rollouts, which exist as soon as it is applied', () => {
    const run = labs.get('cluster')?.cells['wait-metallb']?.run ?? '';
    assert.match(run, /rollout status deployment\/controller/);
    assert.match(run, /rollout status daemonset\/speaker/);
    assert.doesNotMatch(run, /wait pod/);
  });

  it("the install chapter's Reset removes what later chapters added to default", () => {
    const cleanup = labs.get('install')?.cleanup ?? '';
    const run = spawnSync(
      'bash',
      ['-c', `kubectl() { echo "kubectl $*"; }\nistioctl() { :; }\n${cleanup}`],
      { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ISTIO_LAB_HOME: place } },
    );
    assert.equal(run.status, 0, run.stderr);
    for (const name of ['fortio-deploy', 'httpbin-v2', 'curl-direct'])
      assert.match(run.stdout, new RegExp(`kubectl delete deployment .*${name}`), name);
  });
});
