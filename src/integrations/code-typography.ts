import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Guards commands in prose against typography. Markdown's smart punctuation turns `--` into an en
 * dash and straight quotes into curly ones; inside code that breaks the command a learner copies.
 * After a build, every inline `<code>` span that holds a typographic character is looked up in the
 * book's sources: a span whose text the sources never contain was altered by the build.
 */

/** Characters that smart punctuation writes and a shell command almost never holds. */
const typographic = /[\u2013\u2014\u2018\u2019\u201c\u201d\u2026]/;

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) {
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    }
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return entities[name.toLowerCase()] ?? whole;
  });
}

const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The text of every `<code>` span outside `<pre>` blocks, decoded and with spaces squeezed. */
export function inlineCode(html: string): string[] {
  const outsidePre = html.replace(/<pre\b[\s\S]*?<\/pre>/gi, '');
  const spans: string[] = [];
  for (const match of outsidePre.matchAll(/<code\b[^>]*>([\s\S]*?)<\/code>/gi)) {
    spans.push(squeeze(decode((match[1] ?? '').replace(/<[^>]+>/g, ''))));
  }
  return spans;
}

/** Inline code spans of one page that hold typography the sources do not have. */
export function alteredCode(html: string, sources: string): string[] {
  return inlineCode(html).filter((text) => typographic.test(text) && !sources.includes(text));
}

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && keep(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every source a page's text can come from, squeezed into one string to search. */
export function bookText(root: string): string {
  const folders = ['src', 'content'].map((name) => join(root, name));
  const sourceFile = (name: string) => /\.(mdx?|astro|json|ya?ml|ts|sh)$/.test(name);
  return folders
    .flatMap((folder) => filesUnder(folder, sourceFile))
    .map((file) => squeeze(readFileSync(file, 'utf8')))
    .join('\n');
}

/** One line per altered span in the built book, naming the page; empty when none is. */
export function checkBuiltCode(outDir: string, root: string): string[] {
  const sources = bookText(root);
  const problems: string[] = [];
  for (const page of filesUnder(outDir, (name) => name.endsWith('.html'))) {
    for (const text of alteredCode(readFileSync(page, 'utf8'), sources)) {
      problems.push(
        `${relative(outDir, page)}: code "${text}" was changed by smart punctuation; ` +
          'write it as Markdown inline code (`…`) rather than a <code> element',
      );
    }
  }
  return problems;
}
