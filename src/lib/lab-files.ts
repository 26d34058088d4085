import { errorMessage } from './wire/error-codes.ts';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ZodError } from 'zod';
import { labSchema, type Lab } from './lab-schema.ts';

/**
 * Set by the runner for the build it makes of the book (runner/book-build.ts): a lab file that does
 * not load stops only its own chapter, which shows the error where its cells and checks would be
 * (src/components/lab-entry.ts). Every other build (npm run build, CI) fails on it, as before.
 */
export const tolerateBrokenLabsVariable = 'ISTIO_LAB_TOLERATE_BROKEN_LABS';

export function tolerateBrokenLabs(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[tolerateBrokenLabsVariable] === '1';
}

/** A lab that cannot be used, described so that an author can fix it without reading code. */
export class LabError extends Error {
  readonly file: string;
  readonly key: string;
  readonly fix: string;
  constructor(
    detail: { file: string; key: string; problem: string; fix: string },
    cause?: unknown,
  ) {
    super(
      `${detail.file}: ${detail.key ? `${detail.key}: ` : ''}${detail.problem}\n  Fix: ${detail.fix}`,
      {
        cause,
      },
    );
    this.name = 'LabError';
    this.file = detail.file;
    this.key = detail.key;
    this.fix = detail.fix;
  }
}

/** Pinned versions (and other book-wide constants) that labs use as `%{name}`. */
export type Pins = Readonly<Record<string, string>>;

const pinPattern = /%\{([A-Za-z][A-Za-z0-9]*)\}/g;

export function readPins(file: string): Pins {
  const data: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new LabError({
      file: display(file),
      key: '',
      problem: 'is not a map of names to versions',
      fix: 'write one "name: value" line per pinned version',
    });
  }
  return Object.fromEntries(Object.entries(data).map(([name, value]) => [name, String(value)]));
}

/** Replaces every `%{name}` in every string of `value` with its pin; an unknown name is an error. */
export function substitutePins(
  value: unknown,
  pins: Pins,
  file: string,
  path: string[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(pinPattern, (_, name: string) => {
      const pin = Object.hasOwn(pins, name) ? pins[name] : undefined;
      if (pin === undefined) {
        throw new LabError({
          file,
          key: path.join('.'),
          problem: `uses %{${name}}, which content/versions.yaml does not pin`,
          fix: `pin it in content/versions.yaml, or use one of: ${Object.keys(pins).join(', ')}`,
        });
      }
      return pin;
    });
  }
  if (Array.isArray(value))
    return value.map((item, i) => substitutePins(item, pins, file, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substitutePins(item, pins, file, [...path, key]),
      ]),
    );
  }
  return value;
}

/** The raw lab data of one YAML file with pins substituted, before schema validation. */
export function readLabData(file: string, pins: Pins): unknown {
  const shown = display(file);
  const text = readLabText(file, shown);
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw yamlError(error, text, shown);
  }
  if (data === null || data === undefined)
    throw new LabError({
      file: shown,
      key: '',
      problem: 'is empty (nothing but blank lines or comments)',
      fix: 'write the lab in it: title, order, cells and checks (docs/lab-format.md shows a whole lab), or delete the file',
    });
  if (typeof data !== 'object' || Array.isArray(data))
    throw new LabError({
      file: shown,
      key: '',
      problem: `holds ${Array.isArray(data) ? 'a list' : 'a single value'}, not a lab`,
      fix: 'a lab is a map of keys, one "key: value" per line at the left margin: title, order, cells and checks (docs/lab-format.md)',
    });
  return substitutePins(data, pins, shown);
}

/** A lab file's text; a folder, or a file that cannot be read, is a LabError that says so. */
function readLabText(file: string, shown: string): string {
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory())
    throw new LabError({
      file: shown,
      key: '',
      problem: 'is a folder, not a lab file',
      fix: 'rename the folder so that its name does not end in .yaml, or move it out of the labs folder',
    });
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
    throw new LabError(
      {
        file: shown,
        key: '',
        problem: `cannot be read (${code})`,
        fix: 'make it readable by your user',
      },
      error,
    );
  }
}

/**
 * YAML's own error, with the line where the problem is. A quoted value that is never closed is
 * reported by the parser where the file ends (past its last line); the line to fix is the one
 * where the quote opened.
 */
function yamlError(error: unknown, text: string, shown: string): LabError {
  const lines = text.split('\n');
  const lastLine = Math.max(1, lines.length - (lines.at(-1) === '' ? 1 : 0));
  let line = error instanceof YAMLParseError ? error.linePos?.[0].line : undefined;
  let fix = errorMessage(error).split('\n')[0] ?? '';
  const quote = /Missing closing (["'])quote/.exec(fix)?.[1];
  if (quote && line !== undefined) {
    const opened = openedQuoteLine(lines, quote, Math.min(line, lastLine));
    if (opened !== undefined) {
      line = opened;
      fix = `close the ${quote === '"' ? 'double' : 'single'} quote opened on this line (a quoted value may span lines only if its quote is closed), or use a block (run: |) for a multi-line value`;
    }
  }
  if (line !== undefined) line = Math.min(line, lastLine);
  return new LabError(
    {
      file: shown,
      key: line === undefined ? '' : `line ${line}`,
      problem: 'is not valid YAML',
      fix,
    },
    error,
  );
}

/** The last line at or before `before` (1-based) where `quote` opens and does not close. */
function openedQuoteLine(lines: string[], quote: string, before: number): number | undefined {
  for (let index = before - 1; index >= 0; index--) {
    const line = (lines[index] ?? '').replace(quote === '"' ? /\\./g : /''/g, '');
    if ((line.split(quote).length - 1) % 2 === 1) return index + 1;
  }
  return undefined;
}

/** Validates lab data; a failure names the file, the key and what to write instead. */
export function validateLab(data: unknown, file: string): Lab {
  const result = labSchema.safeParse(data);
  if (result.success) return result.data;
  throw zodToLabError(result.error, display(file));
}

export function loadLabFile(file: string, pins: Pins): Lab {
  return validateLab(readLabData(file, pins), file);
}

/** Every `*.yaml` lab in the given folders, by slug (the file name). A slug defined twice is an error. */
export function loadLabDirs(dirs: readonly string[], pins: Pins): Map<string, Lab> {
  const { labs, errors } = readLabDirs(dirs, pins);
  if (errors[0]) throw errors[0];
  return labs;
}

/**
 * The same, reading on past a bad lab: every lab that validates, and a LabError for each one that
 * does not, so that the build can list every problem at once.
 */
export function readLabDirs(
  dirs: readonly string[],
  pins: Pins,
): { labs: Map<string, Lab>; errors: LabError[] } {
  const labs = new Map<string, Lab>();
  const errors: LabError[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort()) {
      const slug = basename(name, '.yaml');
      if (seen.has(slug)) {
        errors.push(
          new LabError({
            file: display(join(dir, name)),
            key: '',
            problem: `defines lab "${slug}" a second time`,
            fix: 'rename one of the two files: a lab slug must be unique across lab folders',
          }),
        );
        continue;
      }
      seen.add(slug);
      try {
        labs.set(slug, loadLabFile(join(dir, name), pins));
      } catch (error) {
        if (!(error instanceof LabError)) throw error;
        errors.push(error);
      }
    }
  }
  return { labs, errors };
}

/**
 * What is wrong between labs, each problem naming the lab file and the fix: a `requires` naming a
 * lab that does not exist, or a `ready` check that its lab does not have.
 */
export function labLinkProblems(labs: ReadonlyMap<string, Lab>): string[] {
  const problems: string[] = [];
  for (const [slug, lab] of labs) {
    const known = [...labs.keys()].join(', ');
    for (const required of lab.requires) {
      if (!labs.has(required))
        problems.push(
          `lab "${slug}": requires: names lab "${required}", which does not exist. Fix: use one of ${known}`,
        );
    }
    for (const ref of lab.ready) {
      const [other = '', check = ''] = ref.split('/');
      const target = labs.get(other);
      if (!target)
        problems.push(
          `lab "${slug}": ready: "${ref}" names lab "${other}", which does not exist. Fix: use one of ${known}`,
        );
      else if (!Object.hasOwn(target.checks, check))
        problems.push(
          `lab "${slug}": ready: "${ref}" names check "${check}", which lab "${other}" does not have. Fix: use one of ${Object.keys(target.checks).join(', ') || '(it has no checks)'}`,
        );
    }
  }
  return problems;
}

function zodToLabError(error: ZodError, file: string): LabError {
  const issue = error.issues[0];
  const key = issue?.path.join('.') ?? '';
  let problem = issue?.message ?? 'does not match the lab schema';
  let fix = 'see docs/lab-format.md for the keys a lab may have';
  if (issue?.code === 'unrecognized_keys') {
    problem = `has unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    fix = 'remove or rename them; docs/lab-format.md lists the keys a lab may have';
  } else if (issue?.code === 'invalid_key') {
    problem = `"${String(issue.path[issue.path.length - 1] ?? '')}" is not a valid id`;
    fix = issue.issues[0]?.message ?? 'use lower-case words joined by dashes';
  } else if (issue?.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    const name = String(issue.path[issue.path.length - 1] ?? 'the key');
    problem = `"${name}" is missing`;
    fix = `add ${name}: (a ${issue.expected}); docs/lab-format.md says what it holds`;
  } else if (issue?.code === 'invalid_type') {
    const scalar = issue.expected === 'string' && /received (boolean|number)/.test(issue.message);
    fix = scalar
      ? 'write a string here: YAML reads true, false, yes, no and bare numbers as other types, so quote the value'
      : `write a ${issue.expected} here (docs/lab-format.md)`;
  } else {
    fix = problem;
    problem = 'is not valid';
  }
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return new LabError({ file, key, problem: problem + more, fix }, error);
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
