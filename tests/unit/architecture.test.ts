import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The house's boundaries, held by a test as Starlight holds its own: the site never imports the
 * runner; inside the runner, a folder imports only from folders on its own level or below it,
 * and no two folders import each other; and docs/architecture.md names every module.
 */
const root = new URL('../..', import.meta.url).pathname;

function files(dir: string, pattern: RegExp): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...files(path, pattern));
    else if (pattern.test(entry.name)) found.push(path);
  }
  return found;
}

/** The files a module imports, as paths from the project's root (relative imports only). */
export function importsOf(file: string, text = readFileSync(join(root, file), 'utf8')): string[] {
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g),
  ].map((match) => match[1] ?? '');
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => normalize(join(dirname(file), specifier)));
}

/**
 * The runner's levels, lowest first. A folder (or a module at the runner's top) may import from
 * its own level and the levels below; the entry points import anything.
 */
export const runnerLevels: readonly (readonly string[])[] = [
  // What everything stands on: the workspace, the labs, the build, the lifecycle and the log,
  // processes, screens.
  [
    'workspace.ts',
    'workspace-lock.ts',
    'lab-catalog.ts',
    'book-build.ts',
    'reply.ts',
    'memory.js',
    'stripped-sources.js',
    'lifecycle.ts',
    'log.ts',
    'process',
    'screen',
  ],
  // What the runner does: checks, terminals, images.
  ['checks', 'terminal', 'images'],
  // What it serves: the HTTP API and pages, the Doctor, the classroom hub.
  ['http', 'doctor', 'classroom'],
];
export const runnerEntryPoints = [
  'cli.ts',
  'args.ts',
  'start.js',
  'preflight.cjs',
  'doctor/cli.ts',
  'images/cli.ts',
] as const;

/** A runner module's unit of layering: its top folder, or the file itself at the top. */
export function unitOf(file: string): string {
  return relative('runner', file).split('/')[0] ?? file;
}

export function levelOf(unit: string): number {
  return runnerLevels.findIndex((level) => level.includes(unit));
}

/** Every import in the runner that goes up a level, or makes two folders import each other. */
export function layeringProblems(graph: Map<string, string[]>): string[] {
  const problems: string[] = [];
  const edges = new Set<string>();
  for (const [file, imports] of graph) {
    const entry = runnerEntryPoints.some((point) => file === `runner/${point}`);
    const from = unitOf(file);
    for (const target of imports) {
      if (!target.startsWith('runner/')) continue;
      const to = unitOf(target);
      if (from === to || entry) continue;
      const [a, b] = [levelOf(from), levelOf(to)];
      if (a < 0) problems.push(`${file}: ${from} has no level in runnerLevels; give it one`);
      else if (b < 0) problems.push(`${file} imports ${target}: ${to} has no level; give it one`);
      else if (b > a) problems.push(`${file} imports ${target}, a level above it`);
      edges.add(`${from} -> ${to}`);
    }
  }
  for (const edge of edges) {
    const [from, to] = edge.split(' -> ');
    if (edges.has(`${to} -> ${from}`) && (from ?? '') < (to ?? ''))
      problems.push(`${from} and ${to} import each other: move what both need below them`);
  }
  return problems;
}

const runnerFiles = files('runner', /\.(ts|js|cjs)$/);
const graph = new Map(runnerFiles.map((file) => [file, importsOf(file)]));

describe('architecture', () => {
  it('the site never imports the runner', () => {
    const site = files('src', /\.(ts|js|astro|mjs)$/);
    const offenders = site.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('runner/'))
        .map((target) => `${file} imports ${target}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('a runner folder imports only from its own level or below, and no two import each other', () => {
    assert.deepEqual(layeringProblems(graph), []);
  });

  it('the rule itself fails on an import that goes up, and on two folders that import each other', () => {
    assert.deepEqual(
      layeringProblems(
        new Map([
          ['runner/process/group.ts', ['runner/terminal/session.ts']],
          ['runner/checks/checks.ts', ['runner/terminal/descriptors.ts']],
          ['runner/terminal/session.ts', ['runner/checks/process-group.ts']],
        ]),
      ),
      [
        'runner/process/group.ts imports runner/terminal/session.ts, a level above it',
        'checks and terminal import each other: move what both need below them',
      ],
    );
  });

  it('docs/architecture.md names every module of the runner and of the page', () => {
    const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
    const modules = [
      ...runnerFiles,
      ...files('src/lib', /\.ts$/),
      ...files('src/client', /\.ts$/),
      ...files('src/integrations', /\.ts$/),
    ].filter((file) => !file.endsWith('.d.ts'));
    const unnamed = modules.filter((file) => !doc.includes(file.split('/').at(-1) ?? file));
    assert.deepEqual(unnamed, [], 'name each of these in docs/architecture.md');
  });
});
