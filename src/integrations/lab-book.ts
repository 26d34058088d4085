import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { bookSources, checkBook } from '../lib/book-check.ts';

/**
 * Checks the whole book before Astro builds or serves it: every lab validates, and every chapter
 * places only cells and checks its lab has. A problem stops the build with a list of fixes.
 */
export function labBook(options: { fixtures: boolean }): AstroIntegration {
  return {
    name: 'istio-lab-book',
    hooks: {
      'astro:config:setup': ({ config }) => {
        const root = fileURLToPath(config.root);
        const problems = checkBook(bookSources(root, options.fixtures));
        if (problems.length > 0) {
          throw new Error(
            `The book has ${problems.length} problem(s):\n- ${problems.join('\n- ')}`,
          );
        }
      },
    },
  };
}
