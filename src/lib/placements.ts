import type { Lab } from './lab-schema.ts';

/** A `<Cell id>` or `<Check id>` written in a chapter. */
export interface Placement {
  kind: 'cell' | 'check';
  id: string;
  line: number;
}

const tagPattern = /<(Cell|Check)\b([^>]*?)\/?>/g;
const idAttribute = /\bid\s*=\s*(?:"([^"]*)"|'([^']*)')/;

/** The cells and checks a chapter places, in the order it places them. */
export function findPlacements(mdx: string): Placement[] {
  const placements: Placement[] = [];
  for (const match of mdx.matchAll(tagPattern)) {
    const attributes = match[2] ?? '';
    const id = idAttribute.exec(attributes);
    const line = mdx.slice(0, match.index).split('\n').length;
    placements.push({
      kind: match[1] === 'Cell' ? 'cell' : 'check',
      id: id ? (id[1] ?? id[2] ?? '') : '',
      line,
    });
  }
  return placements;
}

/**
 * Problems with a chapter's placements against its lab: ids the lab lacks, ids given twice,
 * a cell placed as a check or the other way round. Each message names the line and the fix.
 */
export function placementProblems(
  placements: readonly Placement[],
  lab: Lab,
  labFile: string,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { kind, id, line } of placements) {
    const own = kind === 'cell' ? lab.cells : lab.checks;
    const other = kind === 'cell' ? lab.checks : lab.cells;
    const tag = kind === 'cell' ? 'Cell' : 'Check';
    if (!id) {
      problems.push(`line ${line}: <${tag}> has no literal id; write <${tag} id="…" />`);
    } else if (Object.hasOwn(own, id)) {
      if (seen.has(`${kind}:${id}`)) {
        problems.push(`line ${line}: <${tag} id="${id}"> is placed twice; place each ${kind} once`);
      }
      seen.add(`${kind}:${id}`);
    } else if (Object.hasOwn(other, id)) {
      const right = kind === 'cell' ? 'Check' : 'Cell';
      problems.push(
        `line ${line}: "${id}" is a ${kind === 'cell' ? 'check' : 'cell'} in ${labFile}; write <${right} id="${id}"> instead`,
      );
    } else {
      const known = Object.keys(own);
      problems.push(
        `line ${line}: <${tag} id="${id}"> names a ${kind} that ${labFile} does not have; ` +
          (known.length
            ? `use one of: ${known.join(', ')}, or add "${id}" under ${kind}s: in the lab`
            : `add "${id}" under ${kind}s: in the lab`),
      );
    }
  }
  return problems;
}

/** The lab slug a chapter uses: its `lab` front matter, or else its own slug. */
export function labSlugFor(entryId: string, frontmatterLab?: string): string {
  if (frontmatterLab) return frontmatterLab;
  const parts = entryId.split('/');
  return parts[parts.length - 1] ?? entryId;
}

/**
 * What each `<Check id>` of a chapter says it proves, as plain text: its first sentence, tags and
 * Markdown marks dropped, for lists such as the progress page. Keyed by check id.
 */
export function checkSummaries(mdx: string): Map<string, string> {
  const summaries = new Map<string, string>();
  const checkPattern = /<Check\b([^>]*?)>([\s\S]*?)<\/Check>/g;
  for (const match of mdx.matchAll(checkPattern)) {
    const id = idAttribute.exec(match[1] ?? '');
    if (!id) continue;
    const text = (match[2] ?? '')
      .replace(/<[^>]+>/g, '')
      .replace(/[*_`]/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\s+/g, ' ')
      .trim();
    // The first sentence, in scripts that end sentences with "." as well as "。".
    const first = /^.+?(?:[.!?](?=\s)|[。！？])/.exec(text)?.[0] ?? text;
    summaries.set(id[1] ?? id[2] ?? '', first);
  }
  return summaries;
}
