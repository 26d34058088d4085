import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, errorMessage } from '../src/lib/error-codes.ts';
import { loadLabDirs, readPins, substitutePins, type Pins } from '../src/lib/lab-files.ts';
import type { Cell, Check, Lab } from '../src/lib/lab-schema.ts';
import type { ScriptName } from '../src/lib/protocol.ts';
import { writeAtomic, type Workspace } from './workspace.ts';

type Found<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

/**
 * The labs the runner may run, looked up by id. Commands come only from here: a page names a cell
 * or check by id and never sends a command, so a page cannot make the runner run anything else.
 * Lab files edited while the runner is up are picked up at the next lookup.
 */
export class LabCatalog {
  #dirs: readonly string[];
  #pinsFile: string;
  #labs = new Map<string, Lab>();
  #stamp = '';
  #log: (message: string) => void;

  constructor(
    dirs: readonly string[],
    pinsFile: string,
    log: (message: string) => void = console.warn,
  ) {
    this.#dirs = dirs;
    this.#pinsFile = pinsFile;
    this.#log = log;
    this.#labs = loadLabDirs(dirs, readPins(pinsFile));
    this.#stamp = this.#currentStamp();
  }

  get slugs(): string[] {
    this.#refresh();
    return [...this.#labs.keys()];
  }

  lab(slug: string): Found<Lab> {
    this.#refresh();
    const lab = this.#labs.get(slug);
    if (lab) return { ok: true, value: lab };
    return {
      ok: false,
      code: ErrorCode.unknownLab,
      message: `there is no lab "${slug}"; labs: ${[...this.#labs.keys()].join(', ')}`,
    };
  }

  cell(slug: string, id: string): Found<Cell> {
    const lab = this.lab(slug);
    if (!lab.ok) return lab;
    const cell = Object.hasOwn(lab.value.cells, id) ? lab.value.cells[id] : undefined;
    if (cell) return { ok: true, value: cell };
    return { ok: false, code: ErrorCode.unknownCell, message: `lab "${slug}" has no cell "${id}"` };
  }

  /** A lab's prepare or cleanup script. */
  script(slug: string, name: ScriptName): Found<string> {
    const lab = this.lab(slug);
    if (!lab.ok) return lab;
    const script = lab.value[name];
    if (script) return { ok: true, value: script };
    return {
      ok: false,
      code: ErrorCode.unknownScript,
      message: `lab "${slug}" has no ${name} script`,
    };
  }

  check(slug: string, id: string): Found<Check> {
    const lab = this.lab(slug);
    if (!lab.ok) return lab;
    const check = Object.hasOwn(lab.value.checks, id) ? lab.value.checks[id] : undefined;
    if (check) return { ok: true, value: check };
    return {
      ok: false,
      code: ErrorCode.unknownCheck,
      message: `lab "${slug}" has no check "${id}"`,
    };
  }

  /**
   * What the lab files look like now: each file's name, time and length (an edit that keeps the
   * time, as some tools do, still changes the length), or why a folder cannot be read.
   */
  #currentStamp(): string {
    const files = [this.#pinsFile];
    const parts: string[] = [];
    for (const dir of this.#dirs) {
      try {
        for (const name of readdirSync(dir))
          if (name.endsWith('.yaml')) files.push(join(dir, name));
      } catch (error) {
        parts.push(`${dir}!${errorMessage(error)}`);
      }
    }
    for (const file of files) {
      const stat = statSync(file, { throwIfNoEntry: false });
      parts.push(`${file}@${stat?.mtimeMs ?? 0}:${stat?.size ?? -1}`);
    }
    return parts.join('|');
  }

  #refresh(): void {
    const stamp = this.#currentStamp();
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    try {
      this.#labs = loadLabDirs(this.#dirs, readPins(this.#pinsFile));
    } catch (error) {
      this.#log(`kept the labs loaded before: ${errorMessage(error)}`);
    }
  }
}

/** The shared prepare steps (content/steps.sh) with the book's pins filled in. */
export function renderSteps(projectRoot: string, pins: Pins): string {
  const file = join(projectRoot, 'content', 'steps.sh');
  return substitutePins(readFileSync(file, 'utf8'), pins, 'content/steps.sh') as string;
}

/** Writes them to the workspace, where prepare scripts find them as $ISTIO_LAB_STEPS. */
export function installSteps(projectRoot: string, workspace: Workspace, pins: Pins): void {
  writeAtomic(workspace.steps, renderSteps(projectRoot, pins), 0o644);
}
