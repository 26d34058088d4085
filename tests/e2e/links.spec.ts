import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures.ts';
import { brokenLinks } from './links.ts';

/** Every link and anchor inside the published book leads somewhere, in every language. */
const dist = join(new URL('../..', import.meta.url).pathname, 'dist');

test('internal links, anchors, images and the favicon of the built book resolve', () => {
  expect(existsSync(dist), 'run npm run build first').toBe(true);
  expect(brokenLinks(dist)).toEqual([]);
});
