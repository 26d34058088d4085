import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../src/lib/lab-schema.ts';
import { findPlacements } from '../src/lib/placements.ts';
import type { ServerMessage } from '../src/lib/wire/protocol.ts';
import { runAttempt, runCheck } from '../runner/checks/checks.ts';
import { TerminalSession } from '../runner/terminal/session.ts';
import type { ShellCommand } from '../runner/terminal/shell.ts';

/**
 * Runs chapters the way a learner does — prepare, then every cell in the terminal and every check
 * in the order the chapter places them — with the runner's own session and check code.
 */
export interface Step {
  kind: 'cell' | 'check';
  id: string;
}

export interface StepResult extends Step {
  ok: boolean;
  ms: number;
  /** For a cell: its exit code; for a check: its status. */
  detail: string;
  reason?: string;
  output?: string;
}

export interface ChapterResult {
  slug: string;
  prepared: boolean;
  prepareOutput?: string;
  steps: StepResult[];
  ms: number;
}

export interface HarnessContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  shell: ShellCommand;
  /** Every lab by slug: a chapter's readiness checks (its `ready:`) name checks of other labs. */
  labs?: ReadonlyMap<string, Lab>;
  /** Called after every step, for live progress. */
  onStep?: (slug: string, result: StepResult) => void;
}

/** The order a chapter places its cells and checks: its English MDX, or else the lab's own order. */
export function chapterSteps(slug: string, lab: Lab, docsDir: string | undefined): Step[] {
  const mdx = docsDir ? join(docsDir, `${slug}.mdx`) : undefined;
  if (mdx && existsSync(mdx))
    return findPlacements(readFileSync(mdx, 'utf8')).map(({ kind, id }) => ({ kind, id }));
  const steps: Step[] = [];
  const checks = Object.entries(lab.checks);
  for (const id of Object.keys(lab.cells)) {
    steps.push({ kind: 'cell', id });
    for (const [check, spec] of checks)
      if (spec.after === id) steps.push({ kind: 'check', id: check });
  }
  for (const [check, spec] of checks) if (!spec.after) steps.push({ kind: 'check', id: check });
  return steps;
}

/** Runs a lab script (prepare, cleanup) as a check runs: its own process, the lab environment. */
export async function runScript(script: string, context: HarnessContext, timeoutMs = 30 * 60_000) {
  const attempt = await runAttempt(script, timeoutMs, { env: context.env, cwd: context.cwd });
  return { ok: attempt.exitCode === 0, output: attempt.output, timedOut: attempt.timedOut };
}

/** A terminal session driven without a page: it records bytes and messages. */
class HarnessTerminal {
  readonly session: TerminalSession;
  #bytes: Buffer[] = [];
  #waiters: Array<(message: ServerMessage) => void> = [];

  constructor(context: HarnessContext) {
    this.session = new TerminalSession({
      name: 'harness',
      shell: context.shell,
      env: context.env,
      cwd: context.cwd,
      cols: 160,
      rows: 50,
      idleMs: 24 * 60 * 60_000,
      onEnd: () => undefined,
    });
    void this.session.attach({
      sendBytes: (data) => {
        this.#bytes.push(Buffer.from(data));
        this.session.acknowledge(data.length);
      },
      sendMessage: (message) => {
        for (const waiter of this.#waiters.splice(0)) waiter(message);
      },
      close: () => undefined,
    });
  }

  /** Runs one cell to its end; returns its exit code (or undefined if cancelled) and its output. */
  async run(lab: string, cell: string, command: string, timeoutMs: number) {
    const from = Buffer.concat(this.#bytes).length;
    const started = performance.now();
    for (;;) {
      const begun = this.session.run({ lab, cell }, command);
      if (begun.ok) break;
      if (performance.now() - started > 10_000)
        throw new Error(`cell ${cell} could not start: ${begun.message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const done = await new Promise<ServerMessage | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      const wait = (message: ServerMessage) => {
        if (message.type === 'cell' && message.cell === cell && message.state !== 'running') {
          clearTimeout(timer);
          resolve(message);
        } else this.#waiters.push(wait);
      };
      this.#waiters.push(wait);
    });
    if (!done) this.session.input('\x03');
    const raw = Buffer.concat(this.#bytes).subarray(from).toString('utf8');
    return {
      exitCode: done?.type === 'cell' ? done.exitCode : undefined,
      output: commandOutput(raw),
      timedOut: !done,
    };
  }

  close(): Promise<void> {
    return this.session.dispose('the harness is done');
  }
}

/** What a command printed: the bytes between its start and end marks, without terminal codes. */
export function commandOutput(raw: string): string {
  const start = raw.lastIndexOf('\x1b]133;C;');
  const end = raw.lastIndexOf('\x1b]133;D;');
  const body = start >= 0 && end > start ? raw.slice(raw.indexOf('\x07', start) + 1, end) : raw;
  return body
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[()][0-9A-Za-z]|\x1b[=>]/g, '')
    .replace(/\r\n?/g, '\n')
    .replace(/\x1b]133;[^\n]*/g, '')
    .trimEnd();
}

/**
 * Runs one chapter: prepare and its readiness checks (when asked), then its steps; stops at
 * nothing, reports everything. A readiness check is reported as a check step named `<lab>/<check>`.
 */
export async function runChapter(
  slug: string,
  lab: Lab,
  steps: Step[],
  context: HarnessContext,
  prepare: boolean,
): Promise<ChapterResult> {
  const started = performance.now();
  const result: ChapterResult = { slug, prepared: true, steps: [], ms: 0 };
  if (prepare && lab.prepare) {
    const prepared = await runScript(lab.prepare, context);
    result.prepared = prepared.ok;
    result.prepareOutput = prepared.output;
    if (!prepared.ok) {
      result.ms = Math.round(performance.now() - started);
      return result;
    }
    for (const ref of lab.ready) {
      const [other = '', id = ''] = ref.split('/');
      const check = context.labs?.get(other)?.checks[id];
      if (!check) throw new Error(`${slug}: ready names ${ref}, which no lab has`);
      const stepStarted = performance.now();
      const verdict = await runCheck(check, { env: context.env, cwd: context.cwd });
      const outcome: StepResult = {
        kind: 'check',
        id: ref,
        ok: verdict.status === 'pass',
        ms: Math.round(performance.now() - stepStarted),
        detail: verdict.status,
        reason: verdict.reason,
        output: verdict.output,
      };
      result.steps.push(outcome);
      context.onStep?.(slug, outcome);
    }
  }
  const terminal = new HarnessTerminal(context);
  try {
    for (const step of steps) {
      const stepStarted = performance.now();
      let outcome: StepResult;
      if (step.kind === 'cell') {
        const cell = lab.cells[step.id];
        if (!cell) throw new Error(`${slug}: no cell ${step.id}`);
        const ran = await terminal.run(slug, step.id, cell.run, cell.timeout ?? 10 * 60_000);
        outcome = {
          ...step,
          ok: ran.exitCode === 0,
          ms: 0,
          detail: ran.timedOut ? 'timed out' : `exit ${ran.exitCode ?? '?'}`,
          output: ran.output,
        };
      } else {
        const check = lab.checks[step.id];
        if (!check) throw new Error(`${slug}: no check ${step.id}`);
        const verdict = await runCheck(check, { env: context.env, cwd: context.cwd });
        outcome = {
          ...step,
          ok: verdict.status === 'pass',
          ms: 0,
          detail: verdict.status,
          reason: verdict.reason,
          output: verdict.output,
        };
      }
      outcome.ms = Math.round(performance.now() - stepStarted);
      result.steps.push(outcome);
      context.onStep?.(slug, outcome);
    }
  } finally {
    await terminal.close();
  }
  result.ms = Math.round(performance.now() - started);
  return result;
}

/**
 * One run of the Catch-up matrix: from `start` (a fresh machine, or the end of another chapter,
 * reached by playing `setup` in order), Catch up `chapter`, then play it.
 */
export interface MatrixRun {
  chapter: string;
  /** `fresh`, or the chapter whose end it starts from. */
  start: string;
  setup: string[];
}

/**
 * What Catch up promises, as runs to make: every chapter caught up from a fresh machine, from the
 * end of the chapter before it, and from the end of each chapter in `ends` (the ones that leave
 * the cluster most changed: ambient mode, egress). A start that is the chapter itself, or one
 * already listed for it, is not repeated.
 */
export function catchUpMatrix(slugs: readonly string[], ends: readonly string[]): MatrixRun[] {
  const runs: MatrixRun[] = [];
  for (const [index, chapter] of slugs.entries()) {
    const starts = new Set<string>();
    const before = slugs[index - 1];
    if (before) starts.add(before);
    for (const end of ends) if (end !== chapter && slugs.includes(end)) starts.add(end);
    runs.push({ chapter, start: 'fresh', setup: [] });
    for (const start of starts) runs.push({ chapter, start, setup: [start] });
  }
  return runs;
}

/** Every cell's and check's real output of a run, keyed `<lab>/<id>`, with what produced it. */
export interface Recording {
  recordedWith: Record<string, string>;
  date: string;
  cells: Record<string, string>;
  checks: Record<string, string>;
}

/** Adds a run's passing steps to a recording (a later run of the same step replaces it). */
export function addToRecording(recording: Recording, chapters: readonly ChapterResult[]): void {
  for (const chapter of chapters)
    for (const step of chapter.steps.filter((s) => s.ok && !s.id.includes('/'))) {
      const table = step.kind === 'cell' ? recording.cells : recording.checks;
      table[`${chapter.slug}/${step.id}`] = step.output ?? '';
    }
}

/** A line as a sample and a real run can both show it: hashes, numbers and spacing made alike. */
function shape(line: string): string {
  return line
    .replace(/\b[0-9a-f]{5,}\b/g, '#')
    .replace(/\d+/g, '0')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Where a lab's sample output no longer looks like what a real run recorded: its first line (a
 * table's header, a command's first words) differs once hashes, numbers and spacing are set aside.
 * Steps the recording lacks are not judged.
 */
export function samplesUnlike(
  labs: ReadonlyMap<string, Lab>,
  recording: Pick<Recording, 'cells'>,
): string[] {
  const unlike: string[] = [];
  for (const [slug, lab] of labs)
    for (const [id, cell] of Object.entries(lab.cells)) {
      const real = recording.cells[`${slug}/${id}`];
      if (real === undefined || cell.output === undefined) continue;
      const first = (text: string) => shape(text.trim().split('\n')[0] ?? '');
      if (first(cell.output) !== first(real))
        unlike.push(
          `${slug}/${id}: the sample begins "${cell.output.trim().split('\n')[0]}", a real run "${real.trim().split('\n')[0]}"`,
        );
    }
  return unlike;
}
