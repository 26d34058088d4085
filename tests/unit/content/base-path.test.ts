import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The book builds for any base path (`npm run build -- --base /some/path/`). Starlight prefixes
 * its own links with the base; a chapter's links are its author's, so they must be relative:
 * a link from the site's root (`/en/cluster/`, `/diagrams/x.svg`) would leave the book when it is
 * published under a path, as a GitHub Pages project site is. The end-to-end links test proves the
 * built result under a sub-path; this test names the line to change.
 */
const root = new URL('../../..', import.meta.url).pathname;
const docs = join(root, 'src/content/docs');

export function rootRelativeLinks(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    // Markdown links and images: [text](/path) and ![alt](/path)
    /\]\((\/(?!\/)[^)\s]*)/g,
    // JSX and HTML attributes: href="/path", src='/path', href={'/path'}
    /\b(?:href|src)=\{?["'`](\/(?!\/)[^"'`]*)/g,
    // Front matter links (Starlight's hero actions): link: /path
    /^\s*(?:-\s*)?link:\s*["']?(\/(?!\/)\S*)/gm,
  ];
  for (const pattern of patterns)
    for (const match of text.matchAll(pattern)) found.push(match[1] ?? '');
  return found;
}

describe('links in the chapters', () => {
  it('the finder sees each way a chapter can link from the root (it can fail)', () => {
    assert.deepEqual(
      rootRelativeLinks(
        [
          '---',
          'hero:',
          '  actions:',
          '    - link: /en/cluster/',
          '---',
          'See [the cluster](/en/cluster/) and ![a diagram](/diagrams/x.svg).',
          '<a href="/en/doctor/">Doctor</a> <img src={"/favicon.svg"} />',
          'Fine: [next](../cluster/), [site](https://istio.io/), [proto](//cdn.example/x).',
        ].join('\n'),
      ),
      ['/en/cluster/', '/diagrams/x.svg', '/en/doctor/', '/favicon.svg', '/en/cluster/'],
    );
  });

  it('no chapter, in any language, links from the site root', () => {
    const offending: string[] = [];
    for (const name of readdirSync(docs, { recursive: true, encoding: 'utf8' })) {
      if (!/\.mdx?$/.test(name)) continue;
      const lines = readFileSync(join(docs, name), 'utf8').split('\n');
      lines.forEach((line, index) => {
        for (const link of rootRelativeLinks(line))
          offending.push(`src/content/docs/${name}:${index + 1}: ${link}`);
      });
    }
    assert.deepEqual(
      offending,
      [],
      'write these relative to the page (../cluster/), or import the asset from src/assets, so the book works under any base path',
    );
  });
});
