import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tolerateBrokenLabsVariable } from '../src/lib/lab-files.ts';

/** The project folder (the runner lives in its runner/ folder). */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** What the built book depends on; a change to any of these makes the build stale. */
const sources = ['src', 'content', 'public', 'astro.config.mjs', 'package-lock.json'];
/** Written by the book's own integration when a build finishes (src/integrations/lab-book.ts). */
export const stampName = '.built-at';

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Whether `dist` is missing, older than its sources, or built for a site under a path
 * (`npm run build -- --base /x/`, as for GitHub Pages): the runner serves the book at its root,
 * where such a build's links would all miss.
 */
export function isStale(dist: string): boolean {
  return staleBase(dist) !== undefined || staleSources(dist);
}

/** The sub-path `dist` was built for (`/x/`), or undefined for a build at the root or none. */
export function staleBase(dist: string): string | undefined {
  const stamp = join(dist, stampName);
  if (!statSync(stamp, { throwIfNoEntry: false })) return undefined;
  const base = builtBase(readFileSync(stamp, 'utf8'));
  return base === '/' ? undefined : base;
}

function staleSources(dist: string): boolean {
  const built = statSync(join(dist, stampName), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return sources.some((source) => newestMtime(join(projectRoot, source)) > built);
}

/** The base path a stamp records (`base=/x/` on a line of its own); "/" when it records none. */
export function builtBase(stamp: string): string {
  return /^base=(\S+)$/m.exec(stamp)?.[1] ?? '/';
}

/** What the learner sees of a build: one line per phase, recognised in Astro's own output. */
const phases: { pattern: RegExp; line: string }[] = [
  { pattern: /Building static entrypoints/, line: 'Compiling the chapters...' },
  { pattern: /generating static routes/, line: 'Writing the pages...' },
  { pattern: /Building search index/, line: 'Indexing the book for search...' },
];

/** How a build is run: Astro's by default; tests give a stand-in. */
export interface BuildCommand {
  file: string;
  args: string[];
}

/** Astro's build of the book into `dist`. */
export function astroBuild(dist: string): BuildCommand {
  const astro = join(projectRoot, 'node_modules', 'astro', 'bin', 'astro.mjs');
  return { file: process.execPath, args: [astro, 'build', '--outDir', dist] };
}

/** Lines of the log shown when a build fails: its end, where the error is. */
const failureLines = 25;
/** And the last lines of its errors, in case the rest of its output came after them. */
const errorLines = 8;

/**
 * Builds the book. The learner sees one line per phase and where the build's messages went;
 * the messages themselves (hundreds of lines of Vite and Astro notices) go to `logFile`. A failed
 * build shows the end of the log, names the file, and throws with the way out.
 */
export async function buildBook(
  dist: string,
  log: (message: string) => void,
  options: {
    logFile: string;
    first: boolean;
    /** The sub-path the build in `dist` was made for, which is why it is built again. */
    base?: string | undefined;
    command?: BuildCommand;
  },
): Promise<void> {
  const started = performance.now();
  log(
    options.base
      ? `Building the book for the runner: the one in ${dist} was built for a site under ${options.base} ` +
          '(npm run build -- --base), which the runner cannot serve at its root. Give a site its own ' +
          'folder next time: npm run build -- --base <path> --outDir dist-site'
      : options.first
        ? 'Building the book (first start; this takes a minute)...'
        : 'Building the book (its sources changed since the last build)...',
  );
  mkdirSync(dirname(options.logFile), { recursive: true });
  const file = createWriteStream(options.logFile);
  const command = options.command ?? astroBuild(dist);
  const child = spawn(command.file, command.args, {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A lab file that does not load stops only its own chapter, which shows the error (the
    // runner serves the other labs: runner/lab-catalog.ts); npm run build still fails on it.
    env: { ...process.env, FORCE_COLOR: '0', [tolerateBrokenLabsVariable]: '1' },
  });
  const seen = new Set<string>();
  const tail: string[] = [];
  // The end of all the output, and of the errors alone: the two streams interleave as they
  // please, and a flood of page lines must not push the error out of what is shown.
  const errors: string[] = [];
  const reader = (stream: 'out' | 'err') => {
    let partial = '';
    return (chunk: Buffer) => {
      file.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > failureLines) tail.shift();
        if (stream === 'err') {
          errors.push(line);
          if (errors.length > errorLines) errors.shift();
        }
        for (const phase of phases)
          if (!seen.has(phase.line) && phase.pattern.test(line)) {
            seen.add(phase.line);
            log(`  ${phase.line}`);
          }
      }
    };
  };
  child.stdout.on('data', reader('out'));
  child.stderr.on('data', reader('err'));
  const code = await new Promise<number | null>((done) => {
    child.on('error', (error) => {
      tail.push(`could not start the build: ${error.message}`);
      done(null);
    });
    child.on('close', (status) => done(status));
  });
  await new Promise<void>((done) => file.end(done));
  if (code === 0) {
    log(
      `  Built in ${Math.round((performance.now() - started) / 1000)} s. The build's messages are in ${options.logFile}`,
    );
    return;
  }
  log([...tail, ...errors.filter((line) => !tail.includes(line))].join('\n'));
  throw new Error(
    `the book did not build; the end of its messages is above, all of them are in ${options.logFile}. ` +
      'Fix the file they name, then run npm start again.',
  );
}
