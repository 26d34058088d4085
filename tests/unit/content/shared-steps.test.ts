import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { renderSteps } from '../../../runner/lab-catalog.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  bookTexts,
  canonicalRef,
  imagesInManifest,
  labReferences,
  resolveImages,
  unpinnable,
} from '../../../runner/images/images.ts';
import { readPins } from '../../../src/lib/lab-files.ts';

const root = new URL('../../..', import.meta.url).pathname;
const pins = readPins(join(root, 'content/versions.yaml'));
const place = mkdtempSync(join(tmpdir(), 'istio-lab-shared-steps-'));
after(() => rmSync(place, { recursive: true, force: true }));
const stepsFile = join(place, 'steps.sh');
writeFileSync(stepsFile, renderSteps(root, pins));
let homes = 0;

/**
 * Samples as Istio's 1.31 release ships them, cut to the lines that matter: Bookinfo on the
 * retired registry.istio.io, Fortio floating on :latest_release with imagePullPolicy Always, and
 * an addon that still names gcr.io/istio-release.
 */
const upstreamSamples: Record<string, string> = {
  'bookinfo/platform/kube/bookinfo.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: details-v1',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: details',
    '        image: registry.istio.io/release/examples-bookinfo-details-v1:1.20.3',
    '        imagePullPolicy: IfNotPresent',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: productpage-v1',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: productpage',
    '        image: registry.istio.io/release/examples-bookinfo-productpage-v1:1.20.3',
    '',
  ].join('\n'),
  'httpbin/sample-client/fortio-deploy.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: fortio-deploy',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: fortio',
    '        image: fortio/fortio:latest_release',
    '        imagePullPolicy: Always',
    '',
  ].join('\n'),
  'addons/extras/old.yaml': 'image: "gcr.io/istio-release/pilot:1.31.1"\n',
  'curl/curl.yaml': 'image: curlimages/curl:8.16.0\n',
};

/** A workspace with Istio's release unpacked and linked as the install chapter does. */
function workspaceWithRelease(): string {
  const home = join(place, `home-${++homes}`);
  const release = join(home, `istio-${pins.istio}`);
  for (const [path, text] of Object.entries(upstreamSamples)) {
    mkdirSync(dirname(join(release, 'samples', path)), { recursive: true });
    writeFileSync(join(release, 'samples', path), text);
  }
  symlinkSync(`istio-${pins.istio}`, join(home, 'istio'));
  return home;
}

function samplesOf(home: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else found.set(path, readFileSync(path, 'utf8'));
    }
  };
  walk(join(home, `istio-${pins.istio}`, 'samples'));
  return found;
}

/** Every image the samples name that could not serve the book, with the reason. */
function unpullable(home: string): string[] {
  const problems: string[] = [];
  for (const [path, text] of samplesOf(home)) {
    for (const image of imagesInManifest(text)) {
      const why = unpinnable(image);
      if (why) problems.push(`${path}: ${why}`);
    }
    if (/imagePullPolicy:\s*Always/.test(text)) problems.push(`${path}: pulls at every start`);
  }
  return problems;
}

function releaseImages(home: string) {
  return spawnSync('bash', [stepsFile, 'lab_release_images'], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: home, ISTIO_LAB_HOME: home },
  });
}

describe('the images the labs reach', () => {
  it("the release's samples, as shipped, name a retired registry and a floating tag", () => {
    const problems = unpullable(workspaceWithRelease());
    assert.equal(problems.filter((p) => /retired/.test(p)).length, 3, problems.join('\n'));
    assert.ok(problems.some((p) => /floats on :latest_release/.test(p)));
    assert.ok(problems.some((p) => /pulls at every start/.test(p)));
  });

  it('after lab_release_images, none does; running it again changes nothing', () => {
    const home = workspaceWithRelease();
    const run = releaseImages(home);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(unpullable(home), []);
    const samples = samplesOf(home);
    const bookinfo = [...samples].find(([path]) => path.endsWith('bookinfo.yaml'))?.[1] ?? '';
    assert.match(bookinfo, /image: docker\.io\/istio\/examples-bookinfo-details-v1:1\.20\.3/);
    const fortio = [...samples].find(([path]) => path.endsWith('fortio-deploy.yaml'))?.[1] ?? '';
    assert.match(fortio, new RegExp(`image: fortio/fortio:${pins.fortio}\\n`));
    assert.match(fortio, /imagePullPolicy: IfNotPresent/);
    const again = releaseImages(home);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(samplesOf(home), samples);
  });

  it('fails, saying what to do, when there is no release', () => {
    const home = join(place, `home-${++homes}`);
    mkdirSync(home);
    const run = releaseImages(home);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /no Istio [\d.]+ release in .*: download it first/);
  });

  it('npm run images takes the same step before it reads the samples, and flags what is left', async () => {
    const home = workspaceWithRelease();
    mkdirSync(join(home, `istio-${pins.istio}`, 'bin'));
    writeFileSync(join(home, `istio-${pins.istio}`, 'bin', 'istioctl'), '');
    const resolve = (steps: string | undefined) =>
      resolveImages({
        pins,
        texts: ['kubectl apply -f samples/bookinfo/platform/kube/bookinfo.yaml'],
        ...(steps === undefined ? {} : { steps }),
        home,
        online: false,
        deps: {
          run: async (command, args) => (await promisify(execFile)(command, args)).stdout,
          fetchText: () => Promise.reject(new Error('offline')),
        },
      });
    const before = await resolve(undefined);
    assert.ok(
      before.problems.some((problem) => /registry\.istio\.io, which Istio retired/.test(problem)),
      before.problems.join('\n'),
    );
    const after = await resolve(renderSteps(root, pins));
    assert.deepEqual(after.problems, []);
    assert.ok(
      after.images.some(
        (image) =>
          canonicalRef(image.ref) === 'docker.io/istio/examples-bookinfo-details-v1:1.20.3',
      ),
    );
  });

  it('the images the labs name themselves are pinned and on registries that answer', () => {
    const images = labReferences(bookTexts(root, pins)).images;
    assert.ok(images.length > 0);
    assert.deepEqual(
      images.map((image) => unpinnable(image)).filter(Boolean),
      [],
      'every image a lab writes itself is pinned, and none is on a retired registry',
    );
  });
});

/** Stand-ins for kubectl and istioctl that log every call and answer from a few files. */
function fakeCluster(dir: string, state: Record<string, string>): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, text] of Object.entries(state)) writeFileSync(join(dir, name), text);
  const kubectl = `#!/bin/bash
echo "kubectl $*" >> "${dir}/log"
case "$*" in
  "get namespace istio-system") [ -e "${dir}/istio-system" ] ;;
  "get namespace ambient-demo") exit 1 ;;
  "-n istio-system get deployment "*) [ -e "${dir}/istio-system" ] && [ -e "${dir}/deploy-$5" ] ;;
  "-n istio-system get daemonset ztunnel") exit 1 ;;
  "-n default get deployments -o jsonpath="*) printf 'productpage-v1\\ncurl\\n' ;;
  "-n default get pods -o jsonpath="*) echo "productpage istio-proxy curl istio-proxy" ;;
  "delete namespace istio-system"*) rm -f "${dir}/istio-system" "${dir}"/deploy-* ;;
  *) exit 0 ;;
esac
`;
  const istioctl = `#!/bin/bash
echo "istioctl $*" >> "${dir}/log"
case "$*" in
  "install --set profile=demo -y") touch "${dir}/istio-system" "${dir}/deploy-istiod" "${dir}/deploy-istio-ingressgateway" "${dir}/deploy-istio-egressgateway" ;;
esac
`;
  writeFileSync(join(bin, 'kubectl'), kubectl);
  writeFileSync(join(bin, 'istioctl'), istioctl);
  chmodSync(join(bin, 'kubectl'), 0o755);
  chmodSync(join(bin, 'istioctl'), 0o755);
  return bin;
}

function runSteps(state: Record<string, string>, script: string) {
  const dir = join(place, `cluster-${++homes}`);
  mkdirSync(dir);
  const bin = fakeCluster(dir, state);
  const run = spawnSync('bash', ['-c', `source "${stepsFile}"\n${script}`], {
    encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, ISTIO_LAB_HOME: dir },
  });
  const log = readFileSync(join(dir, 'log'), { encoding: 'utf8', flag: 'a+' }).split('\n');
  return { run, log };
}

describe('the shared steps', () => {
  it('a new control plane restarts the meshed workloads that outlived the old one', () => {
    const { run, log } = runSteps({}, 'lab_istio_demo');
    assert.equal(run.status, 0, run.stderr);
    const install = log.indexOf('istioctl install --set profile=demo -y');
    const restart = log.indexOf('kubectl -n default rollout restart deployment productpage-v1');
    assert.ok(install >= 0 && restart > install, log.join('\n'));
    assert.ok(log.includes('kubectl -n default rollout status deployment curl --timeout 5m'));
  });

  it('an installation that was already there restarts nothing', () => {
    const running = {
      'istio-system': '',
      'deploy-istiod': '',
      'deploy-istio-ingressgateway': '',
      'deploy-istio-egressgateway': '',
    };
    const { run, log } = runSteps(running, 'lab_istio_demo');
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!log.some((line) => line.includes('rollout restart')), log.join('\n'));
  });

  it('removing Istio removes the sample Deployments by name: they carry no labels of their own', () => {
    const { run, log } = runSteps({}, 'lab_no_istio');
    assert.equal(run.status, 0, run.stderr);
    assert.ok(
      log.includes(
        'kubectl -n default delete deployment curl httpbin httpbin-v2 fortio-deploy curl-direct --ignore-not-found',
      ),
      log.join('\n'),
    );
    assert.ok(
      log.includes('kubectl -n default delete service curl httpbin fortio --ignore-not-found'),
    );
  });

  it('no lab or step finds curl, httpbin or fortio by a label their Deployments do not carry', () => {
    for (const text of bookTexts(root, pins))
      for (const match of text.matchAll(/-l '?app in \(([^)]*)\)/g))
        assert.doesNotMatch(
          match[1] ?? '',
          /\b(curl|httpbin|fortio)\b/,
          `${match[0]}: those Deployments have no app label of their own; delete them by name`,
        );
  });

  it('the install chapter starts with no Istio: Catch up removes one that is there', () => {
    const { run, log } = runSteps(
      { 'istio-system': '' },
      'lab_cluster() { :; }; lab_reach install',
    );
    assert.equal(run.status, 0, run.stderr);
    assert.ok(log.includes('istioctl uninstall --purge -y'), log.join('\n'));
  });

  it('a clean mesh has no Telemetry left', () => {
    const { run, log } = runSteps({}, 'lab_mesh_clean');
    assert.equal(run.status, 0, run.stderr);
    assert.ok(
      log.some((line) =>
        /^kubectl -n default delete \S*telemetries\.telemetry\.istio\.io/.test(line),
      ),
      log.join('\n'),
    );
  });

  /** Catch up to the gateways state on a machine whose curl is `curl`: what it printed. */
  function catchUpWithCurl(curl: string) {
    const dir = join(place, `download-${++homes}`);
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\n${curl}\n`);
    chmodSync(join(bin, 'curl'), 0o755);
    return spawnSync(
      'bash',
      ['-c', `source "${stepsFile}"\nlab_cluster() { :; }\nlab_reach gateways`],
      { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, ISTIO_LAB_HOME: dir } },
    );
  }

  it('a download that fails stops Catch up at the download step, with what curl said', () => {
    const run = catchUpWithCurl('echo "curl: (6) Could not resolve host: istio.io" >&2\nexit 6');
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /Could not resolve host: istio\.io/);
    assert.match(run.stderr, /step 2 of \d \(istioctl [\d.]+\) failed/);
  });

  it('a download script that ends well but leaves no istioctl fails the same step', () => {
    const run = catchUpWithCurl("echo 'echo Unable to download.'");
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /left no istioctl/);
    assert.match(run.stderr, /step 2 of \d \(istioctl [\d.]+\) failed/);
  });
});
