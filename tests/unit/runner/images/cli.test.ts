import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  bookTexts,
  cacheFile,
  cloudProviderKindConstantsUrl,
  labReferences,
  mirrorHostsToml,
  releaseDir,
} from '../../../../runner/images/images.ts';
import { pins, root } from '../../support/fake-tools.ts';

// `npm run images` against a stand-in Docker and kind that write down what they are asked, and an
// Istio release whose istioctl and samples name made-up images.

const homes: string[] = [];
after(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

const fakeDocker = `#!/bin/sh
log="$ISTIO_LAB_HOME/calls.log"
state="$ISTIO_LAB_HOME/docker-images"
echo "docker $*" >> "$log"
case "$1" in
  image) grep -qxF "$5" "$state" 2>/dev/null && exit 0
         echo "Error: No such image: $5" >&2; exit 1 ;;
  pull) case "$2" in *unreachable*) echo "Error: connection refused" >&2; exit 1 ;; esac
        echo "$2" >> "$state" ;;
  tag) echo "$3" >> "$state" ;;
  push) ;;
  save) out=$3; shift 3; printf '%s\\n' "$@" > "$out" ;;
  load) while read -r ref; do echo "Loaded image: $ref"; done < "$3" ;;
  exec) if [ "$2" = "-i" ]; then echo "--- stdin" >> "$log"; cat >> "$log"; echo "---" >> "$log"; fi ;;
  *) echo "fake docker: unexpected $*" >&2; exit 2 ;;
esac
`;

const fakeKind = `#!/bin/sh
echo "kind $*" >> "$ISTIO_LAB_HOME/calls.log"
case "$*" in
  "get clusters") [ -f "$ISTIO_LAB_HOME/has-cluster" ] && echo ${pins.clusterName}; exit 0 ;;
  "get nodes --name ${pins.clusterName}") echo ${pins.clusterName}-control-plane ;;
  "load docker-image --name ${pins.clusterName} "*) ;;
  *) echo "fake kind: unexpected $*" >&2; exit 2 ;;
esac
`;

const fakeIstioctl = `#!/bin/sh
profile=$(echo "$*" | sed -n 's/.*profile=\\([a-z]*\\).*/\\1/p')
cat <<EOF
kind: Deployment
spec: { template: { spec: { containers: [{ name: d, image: "docker.io/istio/$profile-only:${pins.istio}" }] } } }
EOF
`;

function writeScript(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

interface Machine {
  home: string;
  calls(): string;
}

/** A workspace with the stand-ins, the release, and the web manifests kept as if fetched. */
function machine(options: { cluster?: boolean; release?: boolean; sampleImage?: string } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-images-cli-'));
  homes.push(home);
  writeScript(join(home, 'bin', 'docker'), fakeDocker);
  writeScript(join(home, 'bin', 'kind'), fakeKind);
  if (options.cluster) writeFileSync(join(home, 'has-cluster'), '');
  const references = labReferences(bookTexts(root, pins));
  if (options.release !== false) {
    const release = releaseDir(home, pins);
    writeScript(join(release, 'bin', 'istioctl'), fakeIstioctl);
    for (const sample of references.samples) {
      mkdirSync(dirname(join(release, sample)), { recursive: true });
      writeFileSync(
        join(release, sample),
        `kind: Deployment\nspec: { template: { spec: { containers: [{ name: s, image: "${options.sampleImage ?? 'example.test/sample:1'}" }] } } }\n`,
      );
    }
  }
  for (const url of references.manifests) {
    const file = cacheFile(home, url);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      url.includes('metallb')
        ? `kind: Deployment\nspec: { template: { spec: { containers: [{ name: c, image: "quay.io/metallb/controller:${pins.metallb}" }] } } }\n`
        : 'kind: CustomResourceDefinition\n',
    );
  }
  const constants = cacheFile(home, cloudProviderKindConstantsUrl(pins) ?? '');
  writeFileSync(
    constants,
    'DefaultProxyImageRegistry = "docker.io"\nDefaultProxyImageName = "envoyproxy/envoy:v1.33.2"\n',
  );
  return {
    home,
    calls: () => {
      try {
        return readFileSync(join(home, 'calls.log'), 'utf8');
      } catch {
        return '';
      }
    },
  } satisfies Machine;
}

function images(
  m: Machine,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'runner/images/cli.ts'), ...args],
      { env: { ...process.env, ISTIO_LAB_HOME: m.home }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

const clusterImages = [
  'docker.io/curlimages/curl:8.16.0',
  `docker.io/istio/ambient-only:${pins.istio}`,
  `docker.io/istio/demo-only:${pins.istio}`,
  // The upgrade chapter's minimal profile, of the book's release and of the previous one (this
  // fake istioctl names the same image for both).
  `docker.io/istio/minimal-only:${pins.istio}`,
  'docker.io/mccutchen/go-httpbin:v2.15.0',
  'example.test/sample:1',
  `quay.io/metallb/controller:${pins.metallb}`,
  'registry.k8s.io/e2e-test-images/agnhost:2.39',
];
const hostImages = ['docker.io/envoyproxy/envoy:v1.33.2', pins.kindNodeImage ?? ''];

describe('npm run images', () => {
  it('lists each image with what asks for it, and where it runs', async () => {
    const m = machine();
    const { code, stdout } = await images(m, ['--list', '--offline']);
    assert.equal(code, 0);
    assert.match(stdout, /^8 images in the kind cluster:$/m);
    assert.match(stdout, /^2 images in the host's Docker:$/m);
    assert.match(stdout, /docker\.io\/istio\/demo-only:\S+ +profile demo$/m);
    assert.match(stdout, /example\.test\/sample:1 +samples\/.*bookinfo\.yaml/m);
    assert.match(stdout, /kindest\/node:\S+ +kind node image$/m);
    assert.equal(m.calls(), '', 'nothing pulled');
    const json = JSON.parse((await images(m, ['--json', '--offline'])).stdout) as {
      images: { ref: string; target: string }[];
      problems: string[];
    };
    assert.deepEqual(json.problems, []);
    assert.deepEqual(
      json.images.filter((image) => image.target === 'cluster').map((image) => image.ref),
      clusterImages,
    );
  });

  it("pulls what Docker lacks and loads the cluster's images into the cluster", async () => {
    const m = machine({ cluster: true });
    writeFileSync(join(m.home, 'docker-images'), 'docker.io/curlimages/curl:8.16.0\n');
    const { code, stdout } = await images(m, ['--offline']);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /curl:8\.16\.0: already in Docker/);
    const calls = m.calls();
    assert.doesNotMatch(calls, /docker pull docker\.io\/curlimages/);
    for (const image of [...clusterImages.slice(1), ...hostImages])
      assert.ok(calls.includes(`docker pull ${image}\n`), `pulls ${image}`);
    assert.ok(
      calls.includes(
        `kind load docker-image --name ${pins.clusterName} ${clusterImages.join(' ')}\n`,
      ),
      calls,
    );
  });

  it('keeps the images in Docker when the cluster does not exist yet, and says when to load them', async () => {
    const m = machine();
    const { code, stdout } = await images(m, ['--offline']);
    assert.equal(code, 0);
    assert.match(stdout, /does not exist yet.*run npm run images again/);
    assert.doesNotMatch(m.calls(), /kind load/);
  });

  it('says which pulls failed, fails, and loads nothing', async () => {
    const m = machine({ cluster: true, sampleImage: 'example.test/unreachable:1' });
    const { code, stderr } = await images(m, ['--offline']);
    assert.equal(code, 1);
    assert.match(stderr, /could not pull example\.test\/unreachable:1/);
    assert.match(stderr, /1 of 10 images could not be pulled; run the same command again/);
    assert.doesNotMatch(m.calls(), /kind load/);
  });

  it('carries every image on one file, tagged so that loading names them, and back into a cluster', async () => {
    const m = machine();
    const file = join(m.home, 'room.tar');
    const saved = await images(m, ['--offline', '--save', file]);
    assert.equal(saved.code, 0, saved.stderr);
    const nodeTag = (pins.kindNodeImage ?? '').replace(/@.*/, '');
    assert.ok(m.calls().includes(`docker tag ${pins.kindNodeImage} ${nodeTag}\n`), m.calls());
    const inFile = readFileSync(file, 'utf8').trim().split('\n');
    assert.deepEqual(
      inFile.sort(),
      [...clusterImages, 'docker.io/envoyproxy/envoy:v1.33.2', nodeTag].sort(),
    );
    assert.match(saved.stdout, /npm run images -- --load .*room\.tar/);

    const other = machine({ cluster: true });
    const loaded = await images(other, ['--load', file]);
    assert.equal(loaded.code, 0, loaded.stderr);
    const load = /kind load docker-image --name \S+ (.*)\n/.exec(other.calls())?.[1] ?? '';
    assert.deepEqual(load.split(' ').sort(), [...clusterImages].sort(), 'host images stay out');
  });

  it('refuses a file that is not there', async () => {
    const { code, stderr } = await images(machine(), ['--load', '/nonexistent/room.tar']);
    assert.equal(code, 1);
    assert.match(stderr, /\/nonexistent\/room\.tar is not a file/);
  });

  it("points the cluster at a room's registry, and back", async () => {
    const m = machine({ cluster: true });
    const set = await images(m, ['--offline', '--registry', '10.0.0.5:5000']);
    assert.equal(set.code, 0, set.stderr);
    const calls = m.calls();
    for (const upstream of ['docker.io', 'example.test', 'quay.io', 'registry.k8s.io']) {
      assert.ok(
        calls.includes(
          `docker exec -i ${pins.clusterName}-control-plane sh -c mkdir -p '/etc/containerd/certs.d/${upstream}' && cat > '/etc/containerd/certs.d/${upstream}/hosts.toml'\n--- stdin\n${mirrorHostsToml('10.0.0.5:5000', upstream)}---\n`,
        ),
        `${upstream}:\n${calls}`,
      );
    }
    assert.doesNotMatch(calls, /docker pull/);
    const off = await images(m, ['--registry', 'off']);
    assert.equal(off.code, 0, off.stderr);
    assert.match(
      m.calls(),
      /docker exec \S+ sh -c for f in \/etc\/containerd\/certs\.d\/\*\/hosts\.toml/,
    );
  });

  it("pushes the cluster's images into the room's registry under their upstream names", async () => {
    const m = machine();
    const { code, stdout } = await images(m, [
      '--offline',
      '--registry',
      '10.0.0.5:5000',
      '--push',
    ]);
    assert.equal(code, 0);
    const calls = m.calls();
    for (const image of clusterImages) {
      const target = `10.0.0.5:5000/${image}`;
      assert.ok(calls.includes(`docker tag ${image} ${target}\ndocker push ${target}\n`), image);
    }
    assert.doesNotMatch(calls, /kindest\/node/);
    assert.match(stdout, /npm run images -- --registry 10\.0\.0\.5:5000/);
  });

  it('needs the cluster before it can point it at a registry', async () => {
    const { code, stderr } = await images(machine(), ['--offline', '--registry', '10.0.0.5:5000']);
    assert.equal(code, 1);
    assert.match(stderr, /does not exist: create it first/);
  });

  it('pulls nothing from an incomplete list, and says how to complete it', async () => {
    const m = machine({ release: false, cluster: true });
    const { code, stderr } = await images(m, ['--offline']);
    assert.equal(code, 1);
    assert.match(stderr, /release is not in .*downloadIstio \| ISTIO_VERSION=/);
    assert.match(stderr, /the list is not complete, so nothing was pulled/);
    assert.doesNotMatch(m.calls(), /docker pull/);
  });

  it('says on stdout when the list it prints is not complete', async () => {
    const m = machine({ release: false, cluster: true });
    const { code, stdout } = await images(m, ['--list', '--offline']);
    assert.equal(code, 1);
    assert.match(
      stdout,
      /^Not complete: 1 problem \(below, on stderr\) kept images out of this list\.$/m,
    );
    const complete = await images(machine(), ['--list', '--offline']);
    assert.doesNotMatch(complete.stdout, /Not complete/);
  });

  it('explains bad options with the usage', async () => {
    for (const [args, message] of [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--registry', 'nohost'], /host:port \(like 192\.168\.1\.10:5000\) or off, not "nohost"/],
      [['--push'], /--push needs --registry/],
      [['--list', '--save', 'x'], /choose one of/],
    ] as const) {
      const { code, stderr } = await images(machine(), [...args]);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
      assert.match(stderr, /Usage: npm run images/);
    }
  });
});
