import { parse } from 'yaml';
import { z } from 'zod';

/**
 * A language's glossary (content/glossary/<lang>.yaml): for each English term of the book, the
 * one rendering its chapters and UI strings use and the renderings they must not use. The test in
 * tests/unit/content/glossary.test.ts holds every chapter, UI string and diagram of that language
 * to it, so that a term cannot be named two ways in the same book.
 */
export const glossaryTermSchema = z.object({
  /** The English term, as the English chapters and UI write it. */
  en: z.string().min(1),
  /** The one rendering to use. */
  use: z.string().min(1),
  /**
   * Renderings not to use. A plain entry matches case-insensitively anywhere (a space in it
   * matches any run of white space, line breaks included); an entry written `/source/flags` is a
   * regular expression, for stems and exceptions (`/идентификатор(?!\S*\s+запроса)/i`).
   */
  avoid: z.array(z.string().min(1)).default([]),
  /** Why, and where istio.io or kubernetes.io in this language decide it. */
  note: z.string().optional(),
});
export type GlossaryTerm = z.infer<typeof glossaryTermSchema>;

export const glossarySchema = z.object({
  /** The docs folder the glossary is for: `it`, `zh-cn` or `ru`. */
  lang: z.string().min(2),
  terms: z.array(glossaryTermSchema).min(1),
});
export type Glossary = z.infer<typeof glossarySchema>;

export function parseGlossary(text: string): Glossary {
  return glossarySchema.parse(parse(text));
}

/** The pattern an `avoid` entry stands for (see `glossaryTermSchema`). */
export function avoidPattern(entry: string): RegExp {
  const literal = /^\/(?<source>.+)\/(?<flags>[a-z]*)$/s.exec(entry)?.groups;
  if (literal?.source !== undefined)
    return new RegExp(literal.source, `${(literal.flags ?? '').replace('g', '')}gu`);
  const escaped = entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  return new RegExp(escaped, 'giu');
}

/** The kinds of file a glossary is held against; each hides what is not prose in its own way. */
export type TextKind = 'mdx' | 'json' | 'svg';

/** `text` with what is not prose blanked out, keeping every offset and line break in place. */
export function proseMask(text: string, kind: TextKind): string {
  const blank = (whole: string) => whole.replace(/[^\n]/g, ' ');
  if (kind === 'json')
    // Keys are English and code; only the values are words a reader sees.
    return text.replace(/^(\s*"[^"]*"\s*:\s*)/gm, blank);
  if (kind === 'svg') return text.replace(/<[^>]*>/g, blank);
  return text
    .replace(/^(import|export) .*$/gm, blank)
    .replace(/^```[\s\S]*?^```/gm, blank)
    .replace(/`[^`\n]*`/g, blank)
    .replace(/\]\([^)]*\)/g, (whole) => `]${blank(whole.slice(1))}`)
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/<[^>]+>/g, blank)
    .replace(/https?:\/\/\S+/g, blank);
}

export interface GlossaryViolation {
  line: number;
  found: string;
  term: GlossaryTerm;
}

/** Every place in `text` that uses a rendering `glossary` forbids, with its 1-based line. */
export function findViolations(
  glossary: Glossary,
  text: string,
  kind: TextKind,
): GlossaryViolation[] {
  const prose = proseMask(text, kind);
  const found: GlossaryViolation[] = [];
  for (const term of glossary.terms) {
    for (const entry of term.avoid) {
      for (const match of prose.matchAll(avoidPattern(entry))) {
        const line = prose.slice(0, match.index).split('\n').length;
        found.push({ line, found: match[0].replace(/\s+/g, ' '), term });
      }
    }
  }
  return found.sort((a, b) => a.line - b.line);
}
