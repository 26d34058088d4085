import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect, test } from './fixtures.ts';

/** Every link and anchor inside the published book leads somewhere, in every language. */
const dist = join(new URL('../..', import.meta.url).pathname, 'dist');

function pages(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('index.html'))
    .map((name) => join(dir, name));
}

test('internal links, anchors, images and the favicon of the built book resolve', () => {
  expect(existsSync(dist), 'run npm run build first').toBe(true);
  const ids = new Map<string, Set<string>>();
  const read = (file: string) => {
    let set = ids.get(file);
    if (!set) {
      set = new Set(
        [...readFileSync(file, 'utf8').matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] ?? ''),
      );
      ids.set(file, set);
    }
    return set;
  };
  const broken: string[] = [];
  for (const file of pages(dist)) {
    const html = readFileSync(file, 'utf8');
    const base = `/${relative(dist, dirname(file))}/`.replace(/\/+/g, '/');
    for (const [, attribute, value = ''] of html.matchAll(/\s(href|src)="([^"]+)"/g)) {
      if (/^(https?:|mailto:|data:)/.test(value) || attribute === undefined) continue;
      const url = new URL(value.replace(/&amp;/g, '&'), `http://book.invalid${base}`);
      const path = decodeURIComponent(url.pathname);
      const target = path.endsWith('/') ? join(dist, path, 'index.html') : join(dist, path);
      if (!existsSync(target)) {
        broken.push(`${relative(dist, file)}: ${value} (no ${relative(dist, target)})`);
      } else if (
        url.hash &&
        target.endsWith('.html') &&
        !read(target).has(decodeURIComponent(url.hash.slice(1)))
      ) {
        broken.push(`${relative(dist, file)}: ${value} (no such anchor)`);
      }
    }
  }
  expect(broken).toEqual([]);
});
