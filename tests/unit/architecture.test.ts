import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The house's boundaries, held by a test as Starlight holds its own: the site never imports the
 * runner; inside the runner, a folder imports only from folders on its own level or below it,
 * and no two folders import each other; only the entry points load the parts the runner is
 * composed of, and the HTTP layer takes what it serves as parameters; the runner loads from
 * src/ only the wire contract and the lab format; and docs/architecture.md names every module.
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
 * What a module loads when it runs: its imports less those of types only (`import type`, which
 * Node's type stripping removes; `import { type A }` still loads its module).
 */
export function loadsOf(file: string, text = readFileSync(join(root, file), 'utf8')): string[] {
  return importsOf(file, text.replace(/(?:^|\n)\s*(?:import|export)\s+type\b[^;]*;/g, '\n'));
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

/**
 * The parts of the runner that its composition root (cli.ts `startRunner`) makes and connects:
 * the HTTP layer, the API, the terminal socket and its sessions, the record of progress, the
 * classroom. Only the entry points load them; every other module is given them (or what it needs
 * of them) as parameters, so that cli.ts alone shows what the runner is made of.
 */
export const composedModules = [
  'runner/http/server.ts',
  'runner/http/api.ts',
  'runner/terminal/socket.ts',
  'runner/terminal/sessions.ts',
  'runner/checks/progress.ts',
  'runner/classroom/classroom.ts',
];

/**
 * What http/ loads from the rest of the runner: the HTTP layer serves what it is given, and loads
 * only the answers' shapes (reply.ts); the API also runs the checks and the Doctor it answers for.
 */
export const httpLoads: Readonly<Record<string, readonly string[]>> = {
  'runner/http/api.ts': ['runner/reply.ts', 'runner/checks/checks.ts', 'runner/doctor/doctor.ts'],
  '*': ['runner/reply.ts'],
};

/** Every load of a composed part outside the entry points, and of the runner by http/ beyond httpLoads. */
export function compositionProblems(loads: Map<string, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const [file, targets] of loads) {
    const entry = runnerEntryPoints.some((point) => file === `runner/${point}`);
    const allowed = httpLoads[file] ?? httpLoads['*'] ?? [];
    for (const target of targets) {
      if (!entry && composedModules.includes(target))
        problems.push(`${file} loads ${target}: only cli.ts makes it; take it as a parameter`);
      else if (
        file.startsWith('runner/http/') &&
        target.startsWith('runner/') &&
        !target.startsWith('runner/http/') &&
        !allowed.includes(target)
      )
        problems.push(
          `${file} loads ${target}: the HTTP layer is given what it serves (import type only)`,
        );
    }
  }
  return problems;
}

/**
 * What the runner may load from src/: the wire contract it shares with the page (src/lib/wire/),
 * and these modules it shares with the build: the lab format it loads labs with and runs checks
 * by (with the build's switch for a broken lab, in lab-files.ts), where the chapters place their
 * checks (the hub names a check as the book does), and the words of the hub's page. The build's
 * own code (its check of the whole book, highlighting, the glossary, manifests, what is left
 * untranslated) never runs in the runner.
 */
export const runnerSharedLib = [
  'src/lib/lab-schema.ts',
  'src/lib/lab-files.ts',
  'src/lib/duration.ts',
  'src/lib/matchers.ts',
  'src/lib/placements.ts',
  'src/lib/ui-strings.ts',
  'src/lib/plural.ts',
];

/** Every module of src/ that the runner loads, by way of the runner or of src/lib, outside what it may. */
export function sourceProblems(
  loads: (file: string) => readonly string[],
  from: readonly string[],
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = from.map((file) => ({ file, via: file }));
  for (let item = queue.shift(); item; item = queue.shift()) {
    for (const target of loads(item.file)) {
      if (!target.startsWith('src/') || seen.has(target)) continue;
      seen.add(target);
      const via = item.file.startsWith('runner/') ? item.file : `${item.via} via ${item.file}`;
      if (!target.startsWith('src/lib/wire/') && !runnerSharedLib.includes(target))
        problems.push(
          `${via} loads ${target}: the runner loads from src/ only src/lib/wire/ and runnerSharedLib`,
        );
      queue.push({ file: target, via });
    }
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

  it('only the entry points load the parts they compose, and http/ is given what it serves', () => {
    const loads = new Map(runnerFiles.map((file) => [file, loadsOf(file)]));
    assert.deepEqual(compositionProblems(loads), []);
  });

  it('the composition rule fails on a module that makes a part, and on http/ loading one', () => {
    assert.deepEqual(
      compositionProblems(
        new Map([
          ['runner/cli.ts', ['runner/terminal/sessions.ts', 'runner/http/server.ts']],
          ['runner/http/server.ts', ['runner/reply.ts', 'runner/terminal/sessions.ts']],
          ['runner/http/api.ts', ['runner/checks/checks.ts', 'runner/workspace.ts']],
        ]),
      ),
      [
        'runner/http/server.ts loads runner/terminal/sessions.ts: only cli.ts makes it; take it as a parameter',
        'runner/http/api.ts loads runner/workspace.ts: the HTTP layer is given what it serves (import type only)',
      ],
    );
    // Types cost nothing at run time: an `import type` is no load.
    assert.deepEqual(
      loadsOf(
        'runner/http/x.ts',
        "import type { A } from '../terminal/sessions.ts';\nimport { b, type C } from './auth.ts';\n",
      ),
      ['runner/http/auth.ts'],
    );
  });

  it('the runner loads from src/ only the wire contract and the lab format', () => {
    const loads = (file: string) => (existsSync(join(root, file)) ? loadsOf(file) : []);
    assert.deepEqual(sourceProblems(loads, runnerFiles), []);
  });

  it('the src/ rule fails on build-only code, reached directly or through src/lib', () => {
    const graph = new Map<string, string[]>([
      ['runner/lab-catalog.ts', ['src/lib/lab-files.ts', 'src/lib/highlight.ts']],
      ['runner/checks/checks.ts', ['src/lib/wire/protocol.ts', 'src/lib/matchers.ts']],
      ['src/lib/matchers.ts', ['src/lib/glossary.ts']],
    ]);
    assert.deepEqual(
      sourceProblems(
        (file) => graph.get(file) ?? [],
        [...graph.keys()].filter((f) => f.startsWith('runner/')),
      ),
      [
        'runner/lab-catalog.ts loads src/lib/highlight.ts: the runner loads from src/ only src/lib/wire/ and runnerSharedLib',
        'runner/checks/checks.ts via src/lib/matchers.ts loads src/lib/glossary.ts: the runner loads from src/ only src/lib/wire/ and runnerSharedLib',
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
