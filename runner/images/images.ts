import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadLabDirs, type Pins } from '../../src/lib/lab-files.ts';
import { renderSteps } from '../lab-catalog.ts';
import { errorMessage } from '../../src/lib/wire/error-codes.ts';

/**
 * Every container image the book uses, derived, never typed: Istio's profiles as the pinned
 * istioctl generates them (and as another release's istioctl does, for the upgrade chapter's
 * previous minor), the release's samples the labs apply, the manifests the labs apply
 * from a URL at a pinned version, the images a lab names itself, the kind node image and the
 * Envoy image cloud-provider-kind starts on the host. `npm run images` (cli.ts) pulls them, loads
 * them into the book's cluster, carries them on a file or points the cluster at a room's
 * registry; the doctor says which ones the cluster still has to pull.
 */

/** Where an image runs: in the kind cluster's containerd, or in the host's Docker. */
export type ImageTarget = 'cluster' | 'host';

export interface ListedImage {
  /** The reference as the manifests write it. */
  ref: string;
  target: ImageTarget;
  /** What asks for it: `profile demo`, `samples/curl/curl.yaml`, a URL, `lab egress`, … */
  sources: string[];
}

export interface ImageList {
  images: ListedImage[];
  /** What could not be looked at, each with what to do; the list lacks those images. */
  problems: string[];
}

/** What the labs and the shared steps refer to, read from their text. */
export interface LabReferences {
  /** Paths inside Istio's release, like `samples/curl/curl.yaml`. */
  samples: string[];
  /** Manifests applied from a URL, pins filled in. */
  manifests: string[];
  /** Images a lab writes itself (`image:` in a heredoc, `--image`). */
  images: string[];
  /** Istio profiles the labs install with `profile=<name>`. */
  profiles: string[];
  /** Whether a lab starts cloud-provider-kind, which runs Envoy containers on the host. */
  cloudProviderKind: boolean;
  /** Installs made with the istioctl of another release than the pinned one. */
  otherReleases: OtherReleaseInstall[];
}

/**
 * An install by another release's istioctl, called `istioctl-<version>` (the upgrade chapter
 * installs the previous minor that way): that release's profiles name that release's images.
 */
export interface OtherReleaseInstall {
  version: string;
  /** The profile it installs (`default` when the command names none). */
  profile: string;
  /** The registry it sets with `--set hub=`, which replaces the release's own default. */
  hub: string | undefined;
}

/** A reference split as Docker and containerd read it. */
export interface ImageName {
  /** `docker.io`, `quay.io`, `registry.k8s.io`, `localhost:5000`, … */
  registry: string;
  /** `istio/pilot`, `library/busybox`, … */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

const refPattern =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** Splits an image reference; undefined when it is not one (`auto`, a template, a path). */
export function parseImageName(ref: string): ImageName | undefined {
  if (!refPattern.test(ref) || ref === 'auto') return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  let registry = 'docker.io';
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    rest = rest.slice(slash + 1);
  }
  if (registry === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return { registry, repository: rest, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** The one spelling of a reference, so `istio/pilot:1` and `docker.io/istio/pilot:1` are one. */
export function canonicalRef(ref: string): string {
  const name = parseImageName(ref);
  if (!name) return ref;
  return `${name.registry}/${name.repository}${name.tag ? `:${name.tag}` : ''}${name.digest ? `@${name.digest}` : ''}`;
}

/** All strings of a lab but its sample outputs, which show what commands printed, not what they use. */
export function labTexts(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) labTexts(item, into);
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) if (key !== 'output') labTexts(item, into);
  return into;
}

/** What the given lab texts (pins filled in) refer to. */
export function labReferences(texts: readonly string[]): LabReferences {
  const samples = new Set<string>();
  const manifests = new Set<string>();
  const images = new Set<string>();
  const profiles = new Set<string>();
  let cloudProviderKind = false;
  const otherReleases = new Map<string, OtherReleaseInstall>();
  for (const text of texts) {
    // One command a line: a command continued with a backslash is joined first.
    for (const command of text.replace(/\\\n\s*/g, ' ').split('\n')) {
      const install = /\bistioctl-(\d+\.\d+\.\d+[\w.-]*)\s+install\b(.*)/.exec(command);
      if (!install) continue;
      const args = install[2] ?? '';
      const found: OtherReleaseInstall = {
        version: install[1] as string,
        profile: /\bprofile=([a-z][\w-]*)/.exec(args)?.[1] ?? 'default',
        hub: /\bhub=([^\s"']+)/.exec(args)?.[1],
      };
      otherReleases.set(`${found.version} ${found.profile} ${found.hub ?? ''}`, found);
    }
    for (const match of text.matchAll(/\bsamples\/[\w./-]+\.ya?ml\b/g)) samples.add(match[0]);
    for (const match of text.matchAll(/https:\/\/[^\s"'()<>]+\.ya?ml\b/g)) manifests.add(match[0]);
    for (const match of text.matchAll(/\bprofile=([a-z][\w-]*)/g)) profiles.add(match[1] as string);
    if (text.includes('cloud-provider-kind')) cloudProviderKind = true;
    for (const line of text.split('\n')) {
      const inline = /^\s*(?:-\s+)?image:\s*["']?([^\s"'#]+)/.exec(line);
      if (inline && parseImageName(inline[1] as string)) images.add(inline[1] as string);
      // A server-side dry run creates nothing and pulls nothing.
      if (line.includes('--dry-run')) continue;
      for (const flag of line.matchAll(/--image[= ]["']?([^\s"']+)/g)) {
        if (parseImageName(flag[1] as string)) images.add(flag[1] as string);
      }
    }
  }
  return {
    samples: [...samples].sort(),
    manifests: [...manifests].sort(),
    images: [...images].sort(),
    profiles: [...profiles].sort(),
    cloudProviderKind,
    otherReleases: [...otherReleases.values()],
  };
}

/**
 * The images a Kubernetes manifest runs: every `image:` of its objects, and the sidecar and
 * gateway proxy an Istio injector ConfigMap names by hub, image and tag (gateways written as
 * `image: auto` get it when they are injected).
 */
export function imagesInManifest(text: string): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) walk(item);
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'image' && typeof item === 'string' && parseImageName(item)) found.add(item);
        else walk(item);
      }
    }
  };
  for (const document of parseAllDocuments(text, { uniqueKeys: false })) {
    if (document.errors.length > 0) {
      // Not YAML objects can be read from: take its `image:` lines as they are.
      for (const match of text.matchAll(/^\s*(?:-\s+)?image:\s*["']?([^\s"'#]+)/gm))
        if (parseImageName(match[1] as string)) found.add(match[1] as string);
      continue;
    }
    const object: unknown = document.toJS();
    walk(object);
    for (const image of injectorImages(object)) found.add(image);
  }
  return [...found];
}

function injectorImages(object: unknown): string[] {
  const record = object as {
    kind?: unknown;
    metadata?: { name?: unknown };
    data?: { values?: unknown };
  } | null;
  if (record?.kind !== 'ConfigMap' || typeof record.data?.values !== 'string') return [];
  const name = record.metadata?.name;
  if (typeof name !== 'string' || !name.startsWith('istio-sidecar-injector')) return [];
  let values: {
    global?: {
      hub?: string;
      tag?: string | number;
      variant?: string;
      proxy?: { image?: string };
      proxy_init?: { image?: string };
    };
  };
  try {
    values = JSON.parse(record.data.values) as typeof values;
  } catch {
    return [];
  }
  const global = values.global ?? {};
  const images: string[] = [];
  for (const image of [global.proxy?.image, global.proxy_init?.image]) {
    if (!image) continue;
    if (image.includes('/') || image.includes(':')) images.push(image);
    else if (global.hub && global.tag !== undefined) {
      const variant = global.variant ? `-${global.variant}` : '';
      images.push(`${global.hub}/${image}:${String(global.tag)}${variant}`);
    }
  }
  return images.filter((image) => parseImageName(image));
}

/** The Envoy image cloud-provider-kind runs, from its pinned source's constants. */
export function cloudProviderKindImage(constantsSource: string): string | undefined {
  const registry = /DefaultProxyImageRegistry\s*=\s*"([^"]+)"/.exec(constantsSource)?.[1];
  const name = /DefaultProxyImageName\s*=\s*"([^"]+)"/.exec(constantsSource)?.[1];
  if (!name) return undefined;
  const ref = registry ? `${registry}/${name}` : name;
  return parseImageName(ref) ? ref : undefined;
}

export function cloudProviderKindConstantsUrl(pins: Pins): string | undefined {
  const version = pins.cloudProviderKind;
  return version
    ? `https://raw.githubusercontent.com/kubernetes-sigs/cloud-provider-kind/${version}/pkg/constants/constants.go`
    : undefined;
}

/** What resolving needs from the machine; tests replace it. */
export interface ResolveDeps {
  /** Runs a program (istioctl) and returns what it printed, or throws with its error. */
  run: (command: string, args: string[]) => Promise<string>;
  /** Fetches a URL's text, or throws. */
  fetchText: (url: string) => Promise<string>;
}

export interface ResolveOptions {
  pins: Pins;
  /** Every lab's and the shared steps' text, pins filled in. */
  texts: readonly string[];
  /**
   * The shared steps (content/steps.sh, pins filled in). When given, their lab_release_images
   * step makes the release's samples pullable before their images are read, as Catch up does.
   */
  steps?: string;
  /** The learner's workspace: Istio's release is there, and fetched manifests are kept there. */
  home: string;
  /** Fetch manifests from the network (and keep them); offline, only what was kept is read. */
  online: boolean;
  deps: ResolveDeps;
}

/**
 * Registries Istio retired in December 2026 (istio.io blog, 2026-08-21, and the 1.31 upgrade
 * notes): nothing can be pulled from them. Its images stay on Docker Hub as docker.io/istio/….
 */
export const retiredRegistries = ['registry.istio.io', 'gcr.io/istio-release'] as const;

/** Tags that name whatever is newest today: the image changes under the book and needs a network. */
const floatingTags = new Set(['latest', 'latest_release', 'master', 'main', 'nightly']);

/** Why an image cannot serve the book as pinned: a retired registry or a floating tag; or undefined. */
export function unpinnable(ref: string): string | undefined {
  const name = parseImageName(ref);
  if (!name) return undefined;
  const full = `${name.registry}/${name.repository}`;
  const retired = retiredRegistries.find((registry) => full.startsWith(`${registry}/`));
  if (retired) return `${ref} is on ${retired}, which Istio retired in December 2026`;
  if (!name.digest && (!name.tag || floatingTags.has(name.tag)))
    return `${ref} floats on :${name.tag ?? 'latest'}: it changes under the book and cannot start offline`;
  return undefined;
}

/** Istio's release folder in the workspace, as the shared steps download it. */
export function releaseDir(home: string, pins: Pins): string {
  return join(home, `istio-${pins.istio ?? ''}`);
}

export function cacheFile(home: string, url: string): string {
  return join(
    home,
    'images',
    'manifests',
    `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.txt`,
  );
}

async function remoteText(options: ResolveOptions, url: string): Promise<string> {
  const file = cacheFile(options.home, url);
  if (options.online) {
    try {
      const text = await options.deps.fetchText(url);
      mkdirSync(join(options.home, 'images', 'manifests'), { recursive: true });
      writeFileSync(file, text);
      return text;
    } catch (error) {
      const kept = readText(file);
      if (kept !== undefined) return kept;
      throw new Error(`could not fetch ${url}: ${errorMessage(error)}`, { cause: error });
    }
  }
  const kept = readText(file);
  if (kept === undefined)
    throw new Error(`${url} was never fetched here: run npm run images -- --list while online`);
  return kept;
}

/**
 * Where the shared steps can be run from: the runner's copy in the workspace when it holds the
 * same text, or else a copy of their own under images/, written only when the text has changed.
 */
function stepsFile(home: string, steps: string): string {
  const runners = join(home, 'steps.sh');
  if (readText(runners) === steps) return runners;
  const own = join(home, 'images', 'steps.sh');
  if (readText(own) !== steps) {
    mkdirSync(dirname(own), { recursive: true });
    writeFileSync(own, steps);
  }
  return own;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The images another release's istioctl installs, with the profile and hub the lab gives it.
 * That release's own istioctl says it best; until the learner has downloaded it, the pinned
 * istioctl renders the same profile with that release's tag, which names the same images (the
 * profiles the labs use install the same components from one minor to the next). Neither is a
 * problem to report: without the pinned release, resolveImages already says how to get it.
 */
async function otherReleaseImages(
  options: ResolveOptions,
  install: OtherReleaseInstall,
): Promise<{ images: string[]; problem?: string }> {
  const own = join(options.home, `istio-${install.version}`, 'bin', 'istioctl');
  const pinned = join(releaseDir(options.home, options.pins), 'bin', 'istioctl');
  const istioctl = existsSync(own) ? own : existsSync(pinned) ? pinned : undefined;
  if (!istioctl) return { images: [] };
  const args = ['manifest', 'generate', '--set', `profile=${install.profile}`];
  if (install.hub) args.push('--set', `hub=${install.hub}`);
  if (istioctl === pinned) args.push('--set', `tag=${install.version}`);
  try {
    return { images: imagesInManifest(await options.deps.run(istioctl, args)) };
  } catch (error) {
    return {
      images: [],
      problem: `istioctl could not generate Istio ${install.version}'s ${install.profile} profile: ${errorMessage(error)}`,
    };
  }
}

/** Resolves the book's image list. Never throws: what it cannot look at is in `problems`. */
export async function resolveImages(options: ResolveOptions): Promise<ImageList> {
  const { pins } = options;
  const references = labReferences(options.texts);
  const byRef = new Map<string, ListedImage>();
  const problems: string[] = [];
  const add = (ref: string, target: ImageTarget, source: string): void => {
    const key = canonicalRef(ref);
    const listed = byRef.get(key) ?? { ref, target, sources: [] };
    if (!listed.sources.includes(source)) listed.sources.push(source);
    if (target === 'cluster') listed.target = 'cluster';
    byRef.set(key, listed);
  };

  const release = releaseDir(options.home, pins);
  const istioctl = join(release, 'bin', 'istioctl');
  const missingRelease = `Istio ${pins.istio ?? ''}'s release is not in ${release}: download it with (cd "${options.home}" && curl -fsSL https://istio.io/downloadIstio | ISTIO_VERSION=${pins.istio ?? ''} sh -)`;
  const haveRelease = existsSync(istioctl);
  if (!haveRelease && (references.profiles.length > 0 || references.samples.length > 0))
    problems.push(missingRelease);
  for (const profile of haveRelease ? references.profiles : []) {
    try {
      const manifest = await options.deps.run(istioctl, [
        'manifest',
        'generate',
        '--set',
        `profile=${profile}`,
      ]);
      for (const image of imagesInManifest(manifest)) add(image, 'cluster', `profile ${profile}`);
    } catch (error) {
      problems.push(`istioctl could not generate the ${profile} profile: ${errorMessage(error)}`);
    }
  }
  if (haveRelease && options.steps !== undefined && references.samples.length > 0) {
    // The same step as the cells and Catch up: the samples as they will really be applied.
    try {
      const file = stepsFile(options.home, options.steps);
      await options.deps.run('bash', [
        '-c',
        'ISTIO_LAB_HOME="$1" exec bash "$2" lab_release_images',
        'bash',
        options.home,
        file,
      ]);
    } catch (error) {
      problems.push(
        `the samples could not be made pullable (lab_release_images): ${errorMessage(error)}`,
      );
    }
  }
  for (const install of references.otherReleases) {
    const found = await otherReleaseImages(options, install);
    if (found.problem) problems.push(found.problem);
    for (const image of found.images)
      add(image, 'cluster', `profile ${install.profile} of Istio ${install.version}`);
  }
  for (const sample of haveRelease ? references.samples : []) {
    const text = readText(join(release, sample));
    if (text === undefined) problems.push(`${join(release, sample)} is missing from the release`);
    else for (const image of imagesInManifest(text)) add(image, 'cluster', sample);
  }
  for (const url of references.manifests) {
    try {
      for (const image of imagesInManifest(await remoteText(options, url)))
        add(image, 'cluster', url);
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }
  const nodeImage = pins.kindNodeImage ? canonicalRef(pins.kindNodeImage) : undefined;
  for (const image of references.images)
    if (canonicalRef(image) !== nodeImage) add(image, 'cluster', 'the labs');
  if (pins.kindNodeImage) add(pins.kindNodeImage, 'host', 'kind node image');
  const constants = cloudProviderKindConstantsUrl(pins);
  if (references.cloudProviderKind && constants) {
    try {
      const image = cloudProviderKindImage(await remoteText(options, constants));
      if (image) add(image, 'host', `cloud-provider-kind ${pins.cloudProviderKind ?? ''}`);
      else problems.push(`cloud-provider-kind's source names no proxy image: ${constants}`);
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }
  for (const listed of byRef.values()) {
    const why = unpinnable(listed.ref);
    if (why) problems.push(`${why} (asked for by ${listed.sources.join(', ')})`);
  }
  const images = [...byRef.values()].sort((a, b) =>
    a.target === b.target ? a.ref.localeCompare(b.ref) : a.target === 'cluster' ? -1 : 1,
  );
  return { images, problems };
}

/** Marks the containerd host files `npm run images -- --registry` writes, so `off` removes only those. */
export const mirrorMark = '# written by npm run images -- --registry';

/** The node names `kind get nodes` prints, one a line (none when it says there are none). */
export function kindNodeNames(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('No kind nodes'));
}

/** Where containerd pulls an upstream registry from when no mirror is set. */
export function upstreamServer(registry: string): string {
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
}

/**
 * A kind node's containerd host file for one upstream registry: ask the room's registry first,
 * under the upstream's name (as `--push` stores the images there), then the upstream itself.
 * kind's node images since v0.27 read /etc/containerd/certs.d, and containerd picks changes
 * there up without a restart.
 */
export function mirrorHostsToml(mirror: string, upstream: string): string {
  return [
    mirrorMark,
    `server = "${upstreamServer(upstream)}"`,
    '',
    `[host."http://${mirror}/v2/${upstream}"]`,
    '  capabilities = ["pull", "resolve"]',
    '  override_path = true',
    '',
  ].join('\n');
}

/** The name an image is pushed under in the room's registry: the upstream's name inside it. */
export function mirroredRef(mirror: string, ref: string): string | undefined {
  const name = parseImageName(ref);
  if (!name?.tag) return undefined;
  return `${mirror}/${name.registry}/${name.repository}:${name.tag}`;
}

/** `host:port` of a room's registry, or undefined when the text is not one. */
export function parseMirror(text: string): string | undefined {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(
    text,
  );
  if (!match) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? text : undefined;
}

/** Every lab's text (sample outputs left out) and the shared steps', with the pins filled in. */
export function bookTexts(root: string, pins: Pins): string[] {
  const labs = loadLabDirs([join(root, 'content', 'labs')], pins);
  const texts = [...labs.values()].flatMap((lab) => labTexts(lab));
  texts.push(renderSteps(root, pins));
  return texts;
}
