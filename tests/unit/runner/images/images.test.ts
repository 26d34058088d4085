import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { substitutePins } from '../../../../src/lib/lab-files.ts';
import {
  bookTexts,
  canonicalRef,
  cloudProviderKindConstantsUrl,
  cloudProviderKindImage,
  imagesInManifest,
  labReferences,
  mirroredRef,
  mirrorHostsToml,
  parseImageName,
  parseMirror,
  releaseDir,
  resolveImages,
  type ResolveDeps,
} from '../../../../runner/images/images.ts';
import { pins, root } from '../../support/fake-tools.ts';

const homes: string[] = [];
after(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/**
 * The book's lab files and shared steps as plain text, pins filled in, with the sample outputs
 * cut out: a scan that knows nothing of the lab format, to hold the resolver's reading to.
 */
function rawBookText(): string {
  const labs = join(root, 'content', 'labs');
  const files = readdirSync(labs)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => join(labs, name));
  files.push(join(root, 'content', 'steps.sh'));
  return files
    .map((file) => {
      const text = substitutePins(readFileSync(file, 'utf8'), pins, file) as string;
      // An `output: |` block runs until the indentation drops back to its key's.
      const kept: string[] = [];
      let outputIndent: number | undefined;
      for (const line of text.split('\n')) {
        const indent = line.length - line.trimStart().length;
        if (outputIndent !== undefined) {
          if (line.trim() === '' || indent > outputIndent) continue;
          outputIndent = undefined;
        }
        if (/^\s*output:\s*[|>]/.test(line)) {
          outputIndent = indent;
          continue;
        }
        kept.push(line);
      }
      return kept.join('\n');
    })
    .join('\n');
}

describe('image references', () => {
  it('reads references as Docker does', () => {
    assert.deepEqual(parseImageName('busybox'), {
      registry: 'docker.io',
      repository: 'library/busybox',
      tag: 'latest',
      digest: undefined,
    });
    assert.equal(canonicalRef('istio/pilot:1.31.1'), 'docker.io/istio/pilot:1.31.1');
    assert.equal(canonicalRef('docker.io/istio/pilot:1.31.1'), 'docker.io/istio/pilot:1.31.1');
    assert.equal(
      canonicalRef('registry.k8s.io/e2e-test-images/agnhost:2.39'),
      'registry.k8s.io/e2e-test-images/agnhost:2.39',
    );
    assert.deepEqual(parseImageName('localhost:5000/a/b:1'), {
      registry: 'localhost:5000',
      repository: 'a/b',
      tag: '1',
      digest: undefined,
    });
    const node = parseImageName(pins.kindNodeImage ?? '');
    assert.equal(node?.repository, 'kindest/node');
    assert.match(node?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    for (const notAnImage of ['auto', '{{ .Values.image }}', '/usr/bin/x', 'a b', ''])
      assert.equal(parseImageName(notAnImage), undefined, notAnImage);
  });

  it('finds every sample, manifest URL, profile and image the labs name', () => {
    const references = labReferences(bookTexts(root, pins));
    const raw = rawBookText();
    const samples = new Set(raw.match(/samples\/[\w./-]+\.ya?ml/g));
    const urls = new Set(raw.match(/https:\/\/[^\s"'()]+\.ya?ml/g));
    const images = new Set(
      [...raw.matchAll(/image:\s*["']?([^\s"']+)/g)].map((match) => canonicalRef(match[1] ?? '')),
    );
    for (const line of raw.split('\n')) {
      const flag = /--image[= ](\S+)/.exec(line);
      if (flag && !line.includes('--dry-run')) images.add(canonicalRef(flag[1] ?? ''));
    }
    assert.ok(samples.size >= 5 && urls.size >= 2 && images.size >= 3, 'the scan finds things');
    assert.deepEqual(new Set(references.samples), samples);
    assert.deepEqual(new Set(references.manifests), urls);
    const listed = new Set(references.images.map(canonicalRef));
    for (const image of images) assert.ok(listed.has(image), `${image} is on the list`);
    assert.deepEqual(references.profiles, ['ambient', 'demo', 'minimal']);
    assert.equal(references.cloudProviderKind, true);
  });

  it("finds the installs made with another release's istioctl, with their profile and hub", () => {
    const previous = pins.istioPrevious ?? '';
    assert.deepEqual(labReferences(bookTexts(root, pins)).otherReleases, [
      { version: previous, profile: 'minimal', hub: 'docker.io/istio' },
    ]);
    assert.deepEqual(
      labReferences([
        `istioctl-${previous} install -y \\\n  --set revision=old --set hub=example.test/istio`,
        `istioctl-${previous} version --remote=false`,
        'istioctl install -y --set profile=minimal',
      ]).otherReleases,
      [{ version: previous, profile: 'default', hub: 'example.test/istio' }],
    );
  });

  it('leaves out what sample outputs show and what a dry run names', () => {
    const references = labReferences([
      'kubectl run probe --image=busybox --restart=Never --dry-run=server',
      'kubectl run real --image=example.test/real:1',
      '  - image: "example.test/inline:2" # comment',
    ]);
    assert.deepEqual(references.images, ['example.test/inline:2', 'example.test/real:1']);
  });
});

describe('images in a manifest', () => {
  it('takes every image of every object, and the proxy an Istio injector names', () => {
    const values = {
      global: {
        hub: 'docker.io/istio',
        tag: '1.31.1',
        variant: 'distroless',
        proxy: { image: 'proxyv2' },
        proxy_init: { image: 'proxyv2' },
      },
    };
    const manifest = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'spec:',
      '  template:',
      '    spec:',
      '      initContainers: [{ name: init, image: "example.test/init:1" }]',
      '      containers:',
      '        - name: gateway',
      '          image: auto',
      '        - name: app',
      '          image: example.test/app:1',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: istio-sidecar-injector }',
      'data:',
      '  values: |-',
      ...JSON.stringify(values, null, 2)
        .split('\n')
        .map((line) => `    ${line}`),
      '---',
      'kind: CustomResourceDefinition',
      'spec: { names: { kind: Image } }',
    ].join('\n');
    assert.deepEqual(imagesInManifest(manifest).sort(), [
      'docker.io/istio/proxyv2:1.31.1-distroless',
      'example.test/app:1',
      'example.test/init:1',
    ]);
  });

  it('reads the image lines of text that is not YAML', () => {
    assert.deepEqual(imagesInManifest('a: [\n  image: example.test/x:1\n'), ['example.test/x:1']);
  });

  it("reads cloud-provider-kind's proxy image from its constants", () => {
    const source =
      'const (\n\tDefaultProxyImageRegistry = "docker.io"\n\tDefaultProxyImageName = "envoyproxy/envoy:v1.33.2"\n)';
    assert.equal(cloudProviderKindImage(source), 'docker.io/envoyproxy/envoy:v1.33.2');
    assert.equal(cloudProviderKindImage('package constants'), undefined);
  });
});

/** A workspace with Istio's release in it: every sample the labs apply, each with its own image. */
function workspaceWithRelease(): { home: string; sampleImages: Map<string, string> } {
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-images-'));
  homes.push(home);
  const release = releaseDir(home, pins);
  mkdirSync(join(release, 'bin'), { recursive: true });
  writeFileSync(join(release, 'bin', 'istioctl'), '#!/bin/sh\n', { mode: 0o755 });
  // The upgrade chapter's previous release, whose istioctl installs that release's images.
  const previous = join(home, `istio-${pins.istioPrevious ?? ''}`, 'bin');
  mkdirSync(previous, { recursive: true });
  writeFileSync(join(previous, 'istioctl'), '#!/bin/sh\n', { mode: 0o755 });
  const sampleImages = new Map<string, string>();
  for (const [index, sample] of labReferences(bookTexts(root, pins)).samples.entries()) {
    const image = `example.test/sample-${index}:1.0`;
    sampleImages.set(sample, image);
    mkdirSync(dirname(join(release, sample)), { recursive: true });
    writeFileSync(
      join(release, sample),
      `kind: Service\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: x\n          image: ${image}\n`,
    );
  }
  return { home, sampleImages };
}

/** The book's image list, resolved in `home` with these tools (and fetching, when `online`). */
const resolveBook = (home: string, deps: ResolveDeps, online = true) =>
  resolveImages({ pins, texts: bookTexts(root, pins), home, online, deps });

/** The book's image list resolved online with the fake tools, which must find no problem. */
async function resolveWithoutProblems(home: string) {
  const calls: string[] = [];
  const list = await resolveBook(home, fakeDeps(calls));
  assert.deepEqual(list.problems, []);
  return { list, calls };
}

const metallbUrl = `https://raw.githubusercontent.com/metallb/metallb/${pins.metallb}/config/manifests/metallb-native.yaml`;

function fakeDeps(calls: string[] = []): ResolveDeps {
  return {
    run: (command, args) => {
      calls.push(`${command} ${args.join(' ')}`);
      const profile = /profile=(\w+)/.exec(args.join(' '))?.[1] ?? '';
      return Promise.resolve(
        `kind: Deployment\nspec: { template: { spec: { containers: [{ name: d, image: "docker.io/istio/${profile}-only:${pins.istio}" }] } } }\n`,
      );
    },
    fetchText: (url) => {
      calls.push(url);
      if (url === metallbUrl)
        return Promise.resolve(
          `kind: Deployment\nspec: { template: { spec: { containers: [{ name: c, image: "quay.io/metallb/controller:${pins.metallb}" }] } } }\n`,
        );
      if (url === cloudProviderKindConstantsUrl(pins))
        return Promise.resolve('DefaultProxyImageName = "envoyproxy/envoy:v1.33.2"');
      return Promise.resolve('kind: CustomResourceDefinition\n');
    },
  };
}

describe('the book image list', () => {
  it('holds the images of every profile, sample, manifest and lab, the node image and the host proxy', async () => {
    const { home, sampleImages } = workspaceWithRelease();
    const { list, calls } = await resolveWithoutProblems(home);
    const byRef = new Map(list.images.map((image) => [canonicalRef(image.ref), image]));
    const expectCluster = (ref: string) =>
      assert.equal(byRef.get(canonicalRef(ref))?.target, 'cluster', `${ref} runs in the cluster`);
    for (const [sample, image] of sampleImages) {
      expectCluster(image);
      assert.deepEqual(byRef.get(canonicalRef(image))?.sources, [sample]);
    }
    expectCluster(`docker.io/istio/demo-only:${pins.istio}`);
    expectCluster(`docker.io/istio/ambient-only:${pins.istio}`);
    assert.ok(
      calls.includes(
        `${join(home, `istio-${pins.istioPrevious ?? ''}`, 'bin', 'istioctl')} manifest generate --set profile=minimal --set hub=docker.io/istio`,
      ),
      calls.join('\n'),
    );
    expectCluster(`quay.io/metallb/controller:${pins.metallb}`);
    for (const image of labReferences(bookTexts(root, pins)).images) {
      if (canonicalRef(image) !== canonicalRef(pins.kindNodeImage ?? '')) expectCluster(image);
    }
    assert.equal(byRef.get(canonicalRef(pins.kindNodeImage ?? ''))?.target, 'host');
    assert.equal(byRef.get('docker.io/envoyproxy/envoy:v1.33.2')?.target, 'host');
    assert.ok(
      calls.includes(
        `${join(releaseDir(home, pins), 'bin', 'istioctl')} manifest generate --set profile=demo`,
      ),
      calls.join('\n'),
    );
    // What was fetched is kept, and read back offline.
    const offline = await resolveBook(
      home,
      { ...fakeDeps(), fetchText: () => Promise.reject(new Error('offline')) },
      false,
    );
    assert.deepEqual(offline, list);
  });

  it("renders the previous release's profile with the pinned istioctl until that release is downloaded", async () => {
    const { home } = workspaceWithRelease();
    rmSync(join(home, `istio-${pins.istioPrevious ?? ''}`), { recursive: true });
    const { calls } = await resolveWithoutProblems(home);
    assert.ok(
      calls.includes(
        `${join(releaseDir(home, pins), 'bin', 'istioctl')} manifest generate --set profile=minimal --set hub=docker.io/istio --set tag=${pins.istioPrevious ?? ''}`,
      ),
      calls.join('\n'),
    );
  });

  it("runs the shared steps from the runner's copy when it is the same, and writes its own only when they change", async () => {
    const { home } = workspaceWithRelease();
    const own = join(home, 'images', 'steps.sh');
    const resolveWithSteps = async (steps: string) => {
      const calls: string[] = [];
      await resolveImages({
        pins,
        texts: bookTexts(root, pins),
        home,
        online: true,
        steps,
        deps: fakeDeps(calls),
      });
      return calls.find((call) => call.includes('lab_release_images')) ?? '';
    };
    // The runner keeps the steps in the workspace: the same text is run from there.
    writeFileSync(join(home, 'steps.sh'), 'lab_release_images() { :; }\n');
    assert.ok(
      (await resolveWithSteps('lab_release_images() { :; }\n')).endsWith(
        ` ${join(home, 'steps.sh')}`,
      ),
    );
    assert.equal(existsSync(own), false, 'no second copy');
    // Other steps than the runner's (a book updated since it started): a copy of their own, made
    // once and left alone while they do not change.
    const other = 'lab_release_images() { true; }\n';
    assert.ok((await resolveWithSteps(other)).endsWith(` ${own}`));
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(own, past, past);
    await resolveWithSteps(other);
    assert.equal(statSync(own).mtimeMs, past.getTime(), 'not written again');
    await resolveWithSteps('lab_release_images() { echo changed; }\n');
    assert.equal(readFileSync(own, 'utf8'), 'lab_release_images() { echo changed; }\n');
  });

  it('says what to do when the release or a manifest is missing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-images-'));
    homes.push(home);
    const list = await resolveBook(home, fakeDeps(), false);
    assert.match(list.problems[0] ?? '', /release is not in .*ISTIO_VERSION=1\.\d+\.\d+ sh -/);
    assert.ok(
      list.problems.some((problem) => problem.includes(metallbUrl) && problem.includes('--list')),
      list.problems.join('\n'),
    );
    const failing = await resolveBook(home, {
      ...fakeDeps(),
      fetchText: () => Promise.reject(new Error('getaddrinfo ENOTFOUND')),
    });
    assert.ok(
      failing.problems.some((problem) => problem.includes(`could not fetch ${metallbUrl}`)),
      failing.problems.join('\n'),
    );
  });
});

describe("a room's registry", () => {
  it('takes host:port only', () => {
    for (const good of ['192.168.1.10:5000', 'registry.local:443', 'localhost:5001', '[::1]:5000'])
      assert.equal(parseMirror(good), good);
    for (const bad of ['foo', 'http://x:5000', 'x:0', 'x:70000', 'x:5000/path', '-x:1', ''])
      assert.equal(parseMirror(bad), undefined, bad);
  });

  it('is asked first for each upstream, under its name, with the upstream as fallback', () => {
    assert.equal(
      mirrorHostsToml('10.0.0.5:5000', 'docker.io'),
      [
        '# written by npm run images -- --registry',
        'server = "https://registry-1.docker.io"',
        '',
        '[host."http://10.0.0.5:5000/v2/docker.io"]',
        '  capabilities = ["pull", "resolve"]',
        '  override_path = true',
        '',
      ].join('\n'),
    );
    assert.match(mirrorHostsToml('10.0.0.5:5000', 'quay.io'), /server = "https:\/\/quay\.io"/);
    assert.equal(
      mirroredRef('10.0.0.5:5000', 'istio/pilot:1.31.1'),
      '10.0.0.5:5000/docker.io/istio/pilot:1.31.1',
    );
  });
});
