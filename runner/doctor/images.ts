import { errorMessage } from '../../src/lib/wire/error-codes.ts';
import { canonicalRef, kindNodeNames, parseImageName, type ImageList } from '../images/images.ts';
import { firstLine } from './tools.ts';
import type { DoctorContext, Finding } from './types.ts';

/** How many missing images the detail names before it says how many more there are. */
const namedInDetail = 5;

/**
 * Which of the images the labs run (runner/images) the book's cluster does not have yet, read
 * from each node's containerd with crictl. Looked at only once the cluster exists; the list is
 * resolved offline, so it is complete once Istio's release is in the workspace and
 * `npm run images` has fetched the manifests the labs apply from a URL.
 */
export async function imagesFinding(context: DoctorContext): Promise<Finding> {
  const { run } = context.system;
  const name = context.pins.clusterName ?? 'istio-lab';
  const skip = (code: string, detail = ''): Finding => ({
    id: 'images',
    status: 'skip',
    code,
    params: {},
    detail,
    commands: code === 'unresolved' ? ['npm run images -- --list'] : [],
  });
  const nodes = await run('kind', ['get', 'nodes', '--name', name]);
  const nodeNames = nodes.ok ? kindNodeNames(nodes.stdout) : [];
  if (nodeNames.length === 0) return skip('noCluster');
  let list: ImageList;
  try {
    list = await context.system.imageList(context.pins, context.paths.home);
  } catch (error) {
    // A lab file that does not load: the runner says which when it starts.
    return skip('unresolved', errorMessage(error));
  }
  if (list.problems.length > 0) return skip('unresolved', list.problems[0]);
  const wanted = list.images.filter((image) => image.target === 'cluster');
  const missing = new Set<string>();
  for (const node of nodeNames) {
    const answer = await run('docker', ['exec', node, 'crictl', 'images', '-o', 'json']);
    const present = answer.ok ? presentIn(answer.stdout) : undefined;
    if (!present) return skip('noCluster', `${node}: ${firstLine(answer)}`);
    for (const image of wanted) if (!has(present, image.ref)) missing.add(image.ref);
  }
  if (missing.size === 0)
    return {
      id: 'images',
      status: 'ok',
      code: 'present',
      params: { count: wanted.length },
      detail: '',
      commands: [],
    };
  const named = [...missing].slice(0, namedInDetail);
  const more = missing.size - named.length;
  return {
    id: 'images',
    status: 'warn',
    code: 'missing',
    params: { count: missing.size, total: wanted.length },
    detail: `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
    commands: ['npm run images'],
  };
}

/** Every reference a node's `crictl images -o json` names, by tag and by digest; undefined when it is not that. */
export function presentIn(json: string): Set<string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  const images = (parsed as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) return undefined;
  const present = new Set<string>();
  for (const image of images as { repoTags?: unknown; repoDigests?: unknown }[]) {
    for (const ref of [image.repoTags, image.repoDigests].flatMap((refs): unknown[] =>
      Array.isArray(refs) ? (refs as unknown[]) : [],
    ))
      if (typeof ref === 'string') present.add(canonicalRef(ref));
  }
  return present;
}

function has(present: ReadonlySet<string>, ref: string): boolean {
  if (present.has(canonicalRef(ref))) return true;
  const name = parseImageName(ref);
  return Boolean(name?.digest && present.has(`${name.registry}/${name.repository}@${name.digest}`));
}
