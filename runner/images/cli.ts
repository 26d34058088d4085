// npm run images: every container image the book uses, pulled once and loaded into the book's kind
// cluster, carried on a file, or served to a room by one registry. See docs/classroom.md.
import { execFile, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../src/lib/wire/error-codes.ts';
import { readPins, type Pins } from '../../src/lib/lab-files.ts';
import { projectRoot } from '../book-build.ts';
import { renderSteps } from '../lab-catalog.ts';
import { labEnvironment, workspaceAt } from '../workspace.ts';
import {
  bookTexts,
  canonicalRef,
  kindNodeNames,
  mirroredRef,
  mirrorHostsToml,
  mirrorMark,
  parseImageName,
  parseMirror,
  resolveImages,
  type ImageList,
  type ListedImage,
} from './images.ts';

const usage = `Usage: npm run images [-- <option>]

With no option: pulls every image the book uses into Docker (what Docker already has is not
pulled again) and loads those the cluster runs into the kind cluster, if it exists.

  --list               print the images and where each comes from; pulls nothing
  --json               the same list as JSON
  --offline            read fetched manifests from the workspace instead of the network
  --save <file>        pull them and write them all to one file (docker save), for a USB stick
  --load <file>        load such a file into Docker, then into the kind cluster
  --registry <host:port>
                       make the kind cluster pull through the room's registry at host:port
                       (the upstream registry is still asked when the room's has no copy)
  --registry <host:port> --push
                       push the images into the room's registry (on the instructor's machine)
  --registry off       stop pulling through a room's registry
  --help               this text`;

class UsageError extends Error {}

interface Options {
  list: boolean;
  json: boolean;
  offline: boolean;
  save: string | undefined;
  load: string | undefined;
  registry: string | undefined;
  push: boolean;
}

function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        list: { type: 'boolean' },
        json: { type: 'boolean' },
        offline: { type: 'boolean' },
        save: { type: 'string' },
        load: { type: 'string' },
        registry: { type: 'string' },
        push: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  if (values.help) return 'help';
  const actions = [values.list || values.json, values.save, values.load, values.registry].filter(
    Boolean,
  );
  if (actions.length > 1)
    throw new UsageError('choose one of --list/--json, --save, --load and --registry');
  if (values.push && !values.registry)
    throw new UsageError('--push needs --registry <host:port>: the registry to push to');
  if (values.registry !== undefined && values.registry !== 'off' && !parseMirror(values.registry))
    throw new UsageError(
      `--registry wants host:port (like 192.168.1.10:5000) or off, not "${values.registry}"`,
    );
  if (values.registry === 'off' && values.push)
    throw new UsageError('--push needs a registry to push to, not off');
  for (const name of ['save', 'load'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} needs a file name`);
  }
  return {
    list: Boolean(values.list),
    json: Boolean(values.json),
    offline: Boolean(values.offline),
    save: values.save,
    load: values.load,
    registry: values.registry,
    push: Boolean(values.push),
  };
}

const workspace = workspaceAt();
const env = labEnvironment(workspace);

/** Runs a program, its output shown as it comes; resolves with its exit code. */
function shown(command: string, args: string[], input?: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'],
    });
    child.on('error', (error) => {
      console.error(`${command}: ${errorMessage(error)}`);
      resolve(127);
    });
    child.on('close', (code) => resolve(code ?? 1));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs a program quietly; resolves with what it printed, or rejects with its error. */
function quiet(command: string, args: string[], timeout = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim().split('\n').at(-1) || errorMessage(error);
        reject(new Error(detail, { cause: error }));
      } else resolve(stdout);
    });
  });
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

async function resolve(pins: Pins, online: boolean): Promise<ImageList> {
  return resolveImages({
    pins,
    texts: bookTexts(projectRoot, pins),
    steps: renderSteps(projectRoot, pins),
    home: workspace.root,
    online,
    deps: { run: (command, args) => quiet(command, args), fetchText },
  });
}

function printList(list: ImageList): void {
  const where = { cluster: 'in the kind cluster', host: "in the host's Docker" };
  for (const target of ['cluster', 'host'] as const) {
    const images = list.images.filter((image) => image.target === target);
    if (images.length === 0) continue;
    console.log(`${images.length} image${images.length === 1 ? '' : 's'} ${where[target]}:`);
    const width = Math.max(...images.map((image) => image.ref.length));
    for (const image of images)
      console.log(`  ${image.ref.padEnd(width)}  ${image.sources.join(', ')}`);
  }
}

function printProblems(list: ImageList): void {
  for (const problem of list.problems) console.error(`images: ${problem}`);
}

async function clusterExists(name: string): Promise<boolean> {
  try {
    return (await quiet('kind', ['get', 'clusters'])).split('\n').some((line) => line === name);
  } catch {
    return false;
  }
}

async function dockerHas(ref: string): Promise<boolean> {
  try {
    await quiet('docker', ['image', 'inspect', '--format', '{{.Id}}', ref]);
    return true;
  } catch {
    return false;
  }
}

async function pullAll(images: readonly ListedImage[]): Promise<boolean> {
  let failed = 0;
  for (const [index, image] of images.entries()) {
    const step = `[${index + 1}/${images.length}]`;
    if (await dockerHas(image.ref)) {
      console.log(`${step} ${image.ref}: already in Docker`);
      continue;
    }
    console.log(`${step} pulling ${image.ref}`);
    if ((await shown('docker', ['pull', image.ref])) !== 0) {
      console.error(`images: could not pull ${image.ref}`);
      failed += 1;
    }
  }
  if (failed > 0)
    console.error(
      `images: ${failed} of ${images.length} images could not be pulled; run the same command again once the network answers (what was pulled stays)`,
    );
  return failed === 0;
}

async function loadIntoCluster(pins: Pins, refs: readonly string[]): Promise<boolean> {
  const name = pins.clusterName ?? 'istio-lab';
  if (!(await clusterExists(name))) {
    console.log(
      `The kind cluster ${name} does not exist yet: the images wait in Docker. Once the cluster chapter has created it, run npm run images again to load them (nothing is pulled twice).`,
    );
    return true;
  }
  console.log(`loading ${refs.length} images into the kind cluster ${name}`);
  const code = await shown('kind', ['load', 'docker-image', '--name', name, ...refs]);
  if (code !== 0) console.error(`images: kind could not load the images into ${name}`);
  else console.log(`Done: the cluster ${name} starts these pods without pulling.`);
  return code === 0;
}

async function clusterNodes(pins: Pins): Promise<string[] | undefined> {
  const name = pins.clusterName ?? 'istio-lab';
  if (!(await clusterExists(name))) return undefined;
  return kindNodeNames(await quiet('kind', ['get', 'nodes', '--name', name]));
}

async function setRegistry(
  pins: Pins,
  list: ImageList | undefined,
  mirror: string,
): Promise<boolean> {
  const nodes = await clusterNodes(pins);
  if (!nodes) {
    console.error(
      `images: the kind cluster ${pins.clusterName ?? 'istio-lab'} does not exist: create it first (the cluster chapter), then run this again`,
    );
    return false;
  }
  const dir = '/etc/containerd/certs.d';
  let ok = true;
  for (const node of nodes) {
    if (mirror === 'off') {
      const script = `for f in ${dir}/*/hosts.toml; do [ -f "$f" ] && head -n 1 "$f" | grep -qxF '${mirrorMark}' && rm -f "$f"; done; true`;
      ok = (await shown('docker', ['exec', node, 'sh', '-c', script])) === 0 && ok;
      continue;
    }
    const upstreams = [
      ...new Set(
        (list?.images ?? [])
          .filter((image) => image.target === 'cluster')
          .map((image) => parseImageName(image.ref)?.registry)
          .filter((registry): registry is string => Boolean(registry)),
      ),
    ].sort();
    for (const upstream of upstreams) {
      const folder = `${dir}/${upstream}`;
      const code = await shown(
        'docker',
        ['exec', '-i', node, 'sh', '-c', `mkdir -p '${folder}' && cat > '${folder}/hosts.toml'`],
        mirrorHostsToml(mirror, upstream),
      );
      if (code !== 0) ok = false;
      else console.log(`${node}: ${upstream} is pulled through ${mirror}`);
    }
  }
  if (ok && mirror === 'off') console.log('The cluster pulls from the upstream registries again.');
  return ok;
}

async function pushAll(images: readonly ListedImage[], mirror: string): Promise<boolean> {
  let ok = true;
  for (const image of images.filter((each) => each.target === 'cluster')) {
    const target = mirroredRef(mirror, image.ref);
    if (!target) continue;
    console.log(`pushing ${image.ref} as ${target}`);
    if (
      (await shown('docker', ['tag', image.ref, target])) !== 0 ||
      (await shown('docker', ['push', target])) !== 0
    ) {
      console.error(`images: could not push ${target}`);
      ok = false;
    }
  }
  if (ok)
    console.log(
      `Done. On each learner's machine: npm run images -- --registry ${mirror} (once their cluster exists).`,
    );
  return ok;
}

/**
 * The name an image is saved under. Docker keeps an image pulled by digest without its tag, and
 * `docker load` would bring it back nameless: it gets its tag first (the kind node image).
 */
async function savedName(ref: string): Promise<string> {
  const name = parseImageName(ref);
  if (!name?.digest || !name.tag) return ref;
  const tagged = ref.slice(0, ref.indexOf('@'));
  return (await shown('docker', ['tag', ref, tagged])) === 0 ? tagged : ref;
}

async function loadFile(pins: Pins, file: string): Promise<boolean> {
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
    console.error(`images: ${file} is not a file: give the file --save wrote`);
    return false;
  }
  console.log(`loading ${file} into Docker`);
  let printed: string;
  try {
    printed = await quiet('docker', ['load', '-i', file], 30 * 60_000);
  } catch (error) {
    console.error(`images: docker could not load ${file}: ${errorMessage(error)}`);
    return false;
  }
  const loaded = [...printed.matchAll(/^Loaded image: (\S+)$/gm)].map(
    (match) => match[1] as string,
  );
  console.log(`${loaded.length} images are in Docker`);
  // The host's own images (the kind node, cloud-provider-kind's Envoy) are not for the cluster.
  const known = await resolve(pins, false);
  const host = new Set(
    known.images
      .filter((image) => image.target === 'host')
      .flatMap((image) => [canonicalRef(image.ref), canonicalRef(image.ref.replace(/@.*/, ''))]),
  );
  const forCluster = loaded.filter((ref) => !host.has(canonicalRef(ref)));
  return forCluster.length === 0 || loadIntoCluster(pins, forCluster);
}

async function main(argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`images: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options === 'help') {
    console.log(usage);
    return 0;
  }
  const pins = readPins(join(projectRoot, 'content', 'versions.yaml'));
  if (options.load !== undefined) return (await loadFile(pins, options.load)) ? 0 : 1;
  if (options.registry === 'off') return (await setRegistry(pins, undefined, 'off')) ? 0 : 1;

  const list = await resolve(pins, !options.offline);
  if (options.json) {
    console.log(JSON.stringify(list, null, 2));
    return list.problems.length > 0 ? 1 : 0;
  }
  if (options.list) {
    // A list with problems lacks what they kept out: said where the list is read, not only on
    // stderr, which a pipe or a redirect may not show.
    const problems = list.problems.length;
    if (problems > 0)
      console.log(
        `Not complete: ${problems} problem${problems === 1 ? '' : 's'} (below, on stderr) kept images out of this list.`,
      );
    printList(list);
    printProblems(list);
    return list.problems.length > 0 ? 1 : 0;
  }
  if (list.problems.length > 0) {
    printProblems(list);
    console.error('images: the list is not complete, so nothing was pulled: fix the above first');
    return 1;
  }
  if (options.registry !== undefined) {
    if (options.push) {
      if (!(await pullAll(list.images.filter((image) => image.target === 'cluster')))) return 1;
      return (await pushAll(list.images, options.registry)) ? 0 : 1;
    }
    return (await setRegistry(pins, list, options.registry)) ? 0 : 1;
  }
  if (!(await pullAll(list.images))) return 1;
  if (options.save !== undefined) {
    console.log(`writing ${list.images.length} images to ${options.save}`);
    const names: string[] = [];
    for (const image of list.images) names.push(await savedName(image.ref));
    const code = await shown('docker', ['save', '-o', options.save, ...names]);
    if (code !== 0) {
      console.error(`images: docker could not write ${options.save}`);
      return 1;
    }
    console.log(`Done. On a machine without network: npm run images -- --load ${options.save}`);
    return 0;
  }
  const forCluster = list.images.filter((image) => image.target === 'cluster');
  return (await loadIntoCluster(
    pins,
    forCluster.map((image) => image.ref),
  ))
    ? 0
    : 1;
}

process.exitCode = await main(process.argv.slice(2));
