// @ts-check
// The runner's TypeScript with its types stripped, for runner/start.js: stripped by this module run
// as a script, in a process of its own, so that Node's type stripper stays out of the runner's
// (start.js says why), and kept on disk until a file changes. Plain JavaScript, as it runs before
// any TypeScript is loaded.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as module from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * @typedef {object} SourceSet
 * @property {URL} root The folder `folders` are in.
 * @property {string[]} folders Folders of TypeScript files, under `root`, each ending in `/`.
 * @property {URL} cacheFile Where the stripped files are kept, with the key of what they were
 *   stripped from.
 */

/**
 * The TypeScript files of `set`, read now.
 * @param {SourceSet} set
 * @returns {Array<{ url: string; text: string }>}
 */
function readSources(set) {
  return set.folders.flatMap((name) => {
    const folder = new URL(name, set.root);
    return readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .sort()
      .map((file) => {
        const url = new URL(file, folder);
        return { url: url.href, text: readFileSync(url, 'utf8') };
      });
  });
}

/**
 * What the stripped files depend on: each file's name and text, and Node's version.
 * @param {Array<{ url: string; text: string }>} files
 */
function sourcesKey(files) {
  const hash = createHash('sha256').update(process.version);
  for (const { url, text } of files) hash.update(`\0${url}\0${text}`);
  return hash.digest('hex');
}

/**
 * Every TypeScript file of `set`, its types stripped (blanked out, so that positions and stack
 * traces stay as they are), by URL: kept from an earlier call if no file has changed since, else
 * stripped by this module in a process of its own. Undefined if Node cannot strip types on request
 * or a file cannot be stripped: then the runner loads each file as Node does, which says what is
 * wrong with it.
 * @param {SourceSet} set
 * @returns {Map<string, string> | undefined}
 */
export function strippedSources(set) {
  if (!('stripTypeScriptTypes' in module)) return undefined;
  try {
    const kept = /** @type {{ key: string; sources: Array<[string, string]> }} */ (
      JSON.parse(readFileSync(set.cacheFile, 'utf8'))
    );
    if (kept.key === sourcesKey(readSources(set))) return new Map(kept.sources);
  } catch {
    // None kept yet, or unreadable: stripped again below.
  }
  try {
    const args = [set.root.href, set.cacheFile.href, ...set.folders];
    const printed = execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...args], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return new Map(/** @type {Array<[string, string]>} */ (JSON.parse(printed)));
  } catch {
    return undefined;
  }
}

/**
 * Writes `data` to `file` whole, or not at all (two runners may start together).
 * @param {URL} file
 * @param {string} data
 */
function keep(file, data) {
  try {
    mkdirSync(new URL('./', file), { recursive: true });
    const part = new URL(`${file.href}.${process.pid}`);
    writeFileSync(part, data);
    renameSync(part, file);
  } catch {
    // A read-only checkout: the files are stripped at every start.
  }
}

// Run as a script (by strippedSources): strips the files, keeps them, and prints them.
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const [root, cacheFile, ...folders] = process.argv.slice(2);
  if (!root || !cacheFile) throw new Error('usage: stripped-sources.js <root> <cache> <folder>...');
  const set = { root: new URL(root), cacheFile: new URL(cacheFile), folders };
  const files = readSources(set);
  /** @type {Array<[string, string]>} */
  const sources = files.map(({ url, text }) => [
    url,
    module.stripTypeScriptTypes(text, { mode: 'strip' }),
  ]);
  keep(set.cacheFile, JSON.stringify({ key: sourcesKey(files), sources }));
  process.stdout.write(JSON.stringify(sources));
}
