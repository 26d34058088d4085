import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

function pages(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('index.html'))
    .map((name) => join(dir, name));
}

/**
 * Every internal link, anchor and image of a built book that leads nowhere, as
 * "page: link (why)". `base` is the path the book is published under ("/" at a site's root): a
 * link from the root that does not start with it leaves the book, and counts as broken.
 */
export function brokenLinks(dist: string, base = '/'): string[] {
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
    const here = `${base}${relative(dist, dirname(file))}/`.replace(/\/+/g, '/');
    for (const [, attribute, value = ''] of html.matchAll(/\s(href|src)="([^"]+)"/g)) {
      if (/^(https?:|mailto:|data:)/.test(value) || attribute === undefined) continue;
      const url = new URL(value.replace(/&amp;/g, '&'), `http://book.invalid${here}`);
      const path = decodeURIComponent(url.pathname);
      if (!path.startsWith(base)) {
        broken.push(`${relative(dist, file)}: ${value} (outside the base path ${base})`);
        continue;
      }
      const inBook = path.slice(base.length - 1);
      const target = inBook.endsWith('/') ? join(dist, inBook, 'index.html') : join(dist, inBook);
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
  return broken;
}
