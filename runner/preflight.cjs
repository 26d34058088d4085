// @ts-check
// Runs before `npm start`, `npm run doctor` and `npm run images`, on whatever Node the learner
// has: plain CommonJS and old syntax, so that even a Node far too old for the book reads it and
// says why, instead of stopping at `bad option: --experimental-strip-types`. The floor is the
// one package.json's "engines" names, so the two never disagree.
'use strict';

const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/**
 * The floor in an `engines.node` range such as ">=22.13" (or ">=22.13.0"), as [major, minor, patch].
 * @param {unknown} range
 * @returns {[number, number, number] | undefined}
 */
function floorOf(range) {
  const match = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(range).trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)];
}

/**
 * What is wrong with running the book on Node `version` ("v20.20.2") given package.json's
 * `engines.node`: a message for people, or undefined when this Node will do.
 * @param {string} version
 * @param {unknown} range
 * @returns {string | undefined}
 */
function nodeProblem(version, range) {
  const floor = floorOf(range);
  if (!floor) return undefined;
  const have = String(version).replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const mine = have[i] || 0;
    const needed = floor[i] || 0;
    if (mine > needed) return undefined;
    if (mine < needed) {
      const wanted = floor[2] ? floor.join('.') : floor[0] + '.' + floor[1];
      return [
        'Istio Lab Book needs Node ' +
          wanted +
          ' or newer; you have ' +
          String(version).replace(/^v/, '') +
          '.',
        'Install the current Node LTS from https://nodejs.org/ (or your package manager), or with a version',
        'manager: `nvm install --lts` (nvm), `fnm install --lts` (fnm) or `volta install node` (Volta).',
        'Then check with `node --version` and run the same npm command again.',
      ].join('\n');
    }
  }
  return undefined;
}

module.exports = { nodeProblem, floorOf };

if (require.main === module) {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  const problem = nodeProblem(process.version, pkg.engines && pkg.engines.node);
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(1);
  }
}
