import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { bookSources, checkBook } from '../lib/book-check.ts';
import { tolerateBrokenLabs } from '../lib/lab-files.ts';
import { checkBuiltCode } from './code-typography.ts';

/** File in the build folder that records when the build finished. */
export const builtStamp = '.built-at';

/**
 * Checks the whole book before Astro builds or serves it: every lab validates, and every chapter
 * places only cells and checks its lab has. A problem stops the build with a list of fixes. After
 * the build, no command in prose may have been changed by smart punctuation.
 */
export function labBook(options: { fixtures: boolean }): AstroIntegration {
  let root = '';
  let base = '/';
  return {
    name: 'istio-lab-book',
    hooks: {
      'astro:config:setup': ({ config }) => {
        root = fileURLToPath(config.root);
        base = config.base;
        const warnings: string[] = [];
        const problems = checkBook(bookSources(root, options.fixtures), {
          brokenLabs: tolerateBrokenLabs() ? 'warn' : 'fail',
          warnings,
        });
        // The runner's own build: a broken lab stops only its chapter, which shows why.
        for (const warning of warnings) console.warn(`A lab file does not load: ${warning}`);
        if (problems.length > 0) {
          throw new Error(
            `The book has ${problems.length} problem(s):\n- ${problems.join('\n- ')}`,
          );
        }
      },
      'astro:build:done': ({ dir }) => {
        const altered = checkBuiltCode(fileURLToPath(dir), root);
        if (altered.length > 0) {
          throw new Error(
            `The built book changed ${altered.length} command(s):\n- ${altered.join('\n- ')}`,
          );
        }
        // The runner compares this stamp with the sources to decide whether to rebuild, and
        // rebuilds a book made for a sub-path, which it cannot serve at its root.
        const stampBase = `/${base.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
        writeFileSync(new URL(builtStamp, dir), `${new Date().toISOString()}\nbase=${stampBase}\n`);
      },
    },
  };
}
