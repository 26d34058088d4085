import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkSummaries, labSlugFor } from '../../../src/lib/placements.ts';
import type { HubLang } from './strings.ts';

/**
 * What the instructor's table calls a chapter and a check, in each of the book's languages, read
 * from the book itself as its pages show them: a chapter by the title of its page
 * (`src/content/docs/<lang>/<chapter>.mdx` front matter), a check by the first sentence of what its
 * `<Check>` says it proves in that page, as the Progress page lists it. Lab files give checks no
 * name of their own, and no words in any language but the commands'. A chapter or check that a
 * language lacks reads as in English, as the book falls back; one the book lacks reads as its id.
 */
export interface NamesInLanguage {
  /** Lab id → the chapter's title. */
  chapters: Map<string, string>;
  /** `lab/check` → what the check proves, in a sentence without its full stop. */
  checks: Map<string, string>;
}

export type BookNames = Partial<Record<HubLang, NamesInLanguage>>;

/** The book's chapters, beside the hub's own code in the source tree, as its strings are. */
export const bookDocs = new URL('../../../src/content/docs/', import.meta.url);

/**
 * A copy of `text` that holds nothing else. A string cut out of another (a regular expression's
 * match, a slice, what the YAML parser returns) may be kept by V8 as a view of the whole page it
 * came from, and the names live as long as the hub: a few hundred names kept every page of the
 * book in the hub's heap, for each full collection to go through and for V8 to size the hub's old
 * generation from (docs/performance.md, "A classroom on one hub").
 */
const own = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

/** The folder of a hub language in the docs: the book's paths are lower-case (`zh-cn`). */
const folderOf = (lang: HubLang) => lang.toLowerCase();

const frontMatter = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;
const pinTag = /<Pin\s+name=["']([^"']+)["']\s*\/>/g;

function readPinsQuietly(file: string | undefined): Record<string, string> {
  if (!file) return {};
  try {
    const data = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(data ?? {}).map(([key, value]) => [key, String(value)]),
    );
  } catch {
    return {};
  }
}

/**
 * Reads the names from `docDirs` (each holding a folder per language) and the pinned versions
 * `<Pin>` stands for. A page that cannot be read or parsed is skipped: its chapter reads as its id.
 */
export function readBookNames(
  langs: readonly HubLang[],
  docDirs: readonly string[] = [bookDocs.pathname],
  pinsFile: string | undefined = new URL('../../../content/versions.yaml', import.meta.url)
    .pathname,
): BookNames {
  const pins = readPinsQuietly(pinsFile);
  const names: BookNames = {};
  for (const lang of langs) {
    const found: NamesInLanguage = { chapters: new Map(), checks: new Map() };
    for (const dir of docDirs) {
      const folder = join(dir, folderOf(lang));
      if (!existsSync(folder)) continue;
      for (const file of readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
        if (!/\.mdx?$/.test(file)) continue;
        let text: string;
        let data: { title?: unknown; lab?: unknown };
        try {
          text = readFileSync(join(folder, file), 'utf8');
          data = (parseYaml(frontMatter.exec(text)?.[1] ?? '') ?? {}) as typeof data;
        } catch {
          continue;
        }
        const entryId = `${folderOf(lang)}/${file.replace(/\.mdx?$/, '')}`;
        const lab = labSlugFor(entryId, typeof data.lab === 'string' ? data.lab : undefined);
        if (typeof data.title === 'string' && data.title.trim())
          found.chapters.set(own(lab), own(data.title.trim()));
        const body = text.replace(pinTag, (whole, name: string) => pins[name] ?? whole);
        for (const [check, summary] of checkSummaries(body)) {
          const label = summary.replace(/[.。]$/u, '').trim();
          if (label) found.checks.set(own(`${lab}/${check}`), own(label));
        }
      }
    }
    names[lang] = found;
  }
  return names;
}

/** How the table names chapters and checks in `lang`: its words, else English, else the id. */
export function namer(names: BookNames | undefined, lang: HubLang) {
  const own = names?.[lang];
  const english = names?.en;
  return {
    chapter: (lab: string): string => own?.chapters.get(lab) ?? english?.chapters.get(lab) ?? lab,
    check: (lab: string, check: string): string => {
      const key = `${lab}/${check}`;
      return own?.checks.get(key) ?? english?.checks.get(key) ?? check;
    },
  };
}
