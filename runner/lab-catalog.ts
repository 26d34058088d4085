import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ErrorCode, errorMessage } from '../src/lib/wire/error-codes.ts';
import { log as runnerLog } from './log.ts';
import {
  readLabDirs,
  readPins,
  substitutePins,
  type LabError,
  type Pins,
} from '../src/lib/lab-files.ts';
import type { Cell, Check, Lab } from '../src/lib/lab-schema.ts';
import type { ScriptName } from '../src/lib/wire/protocol.ts';
import { writeAtomic, type Workspace } from './workspace.ts';

type Found<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

/**
 * The labs the runner may run, looked up by id. Commands come only from here: a page names a cell
 * or check by id and never sends a command, so a page cannot make the runner run anything else.
 * Lab files edited while the runner is up are picked up at the next lookup.
 *
 * A lab file fails alone: one that does not load (bad YAML, a key the schema refuses, an empty
 * file, a folder named like one) is listed in `problems`, for the log and the Doctor, and the
 * others are served and reloaded as before. If it loaded before it broke, its last good version
 * goes on answering until the file is fixed; if it never loaded, a lookup of it answers
 * `broken-lab` with the file, the line and the fix.
 */
export class LabCatalog {
  #dirs: readonly string[];
  #pinsFile: string;
  #labs = new Map<string, Lab>();
  #broken = new Map<string, LabError>();
  #stamp = '';
  #log: (message: string) => void;

  constructor(
    dirs: readonly string[],
    pinsFile: string,
    log: (message: string) => void = (message) => runnerLog.warn(message),
  ) {
    this.#dirs = dirs;
    this.#pinsFile = pinsFile;
    this.#log = log;
    // A folder that cannot be listed or pins that do not read fail the start: every lab needs them.
    this.#load(readLabDirs(dirs, readPins(pinsFile)));
    this.#stamp = this.#currentStamp();
  }

  get slugs(): string[] {
    this.#refresh();
    return [...this.#labs.keys()];
  }

  /** The lab files that do not load now, each naming the file, the line and the fix. */
  get problems(): LabError[] {
    this.#refresh();
    return [...this.#broken.values()];
  }

  lab(slug: string): Found<Lab> {
    this.#refresh();
    const lab = this.#labs.get(slug);
    if (lab) return { ok: true, value: lab };
    const broken = this.#broken.get(slug);
    if (broken) return { ok: false, code: ErrorCode.brokenLab, message: broken.message };
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
      this.#load(readLabDirs(this.#dirs, readPins(this.#pinsFile)));
    } catch (error) {
      this.#log(`kept the labs loaded before: ${errorMessage(error)}`);
    }
  }

  /**
   * Takes what a reading of the folders found: every lab that loaded, and for each that did not,
   * its last good version if it had one. A problem is logged once, when it first appears.
   */
  #load({ labs, errors }: { labs: Map<string, Lab>; errors: LabError[] }): void {
    const broken = new Map<string, LabError>();
    for (const error of errors) {
      const slug = basename(error.file, '.yaml');
      broken.set(slug, error);
      const before = this.#labs.get(slug);
      if (before && !labs.has(slug)) labs.set(slug, before);
      if (this.#broken.get(slug)?.message === error.message) continue;
      this.#log(
        `${error.message}\n  ${
          before
            ? `Its chapter goes on with the version loaded before until the file is fixed.`
            : `Its chapter cannot run until the file is fixed; the other labs are served.`
        }`,
      );
    }
    this.#labs = labs;
    this.#broken = broken;
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
