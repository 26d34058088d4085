import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Check } from '../../src/lib/lab-schema.ts';
import {
  causeLine,
  recognise,
  type HintCode,
  type Why,
} from '../../src/lib/wire/failure-reasons.ts';
import { matchExpect } from '../../src/lib/matchers.ts';
import type { CheckResult } from '../../src/lib/wire/protocol.ts';
import { killGroup, killProcessSession, sweepProcessSession } from '../process/group.ts';
import type { ProcessLedger } from '../process/ledger.ts';
import { closeInherited } from '../process/descriptors.ts';

/**
 * Checks: "Check my step" on the runner's side. A check runs as `bash -c` in its own process
 * group and session (process-group.ts kills and sweeps what it leaves), never in the learner's
 * shell, with the same allow-listed environment; its output is matched (src/lib/matchers.ts)
 * and it is polled while its `waitUpTo` lasts. Each result is kept in progress.json
 * (progress.ts, with the schema in src/lib/wire/progress.ts) for the page and the hub reporter.
 */

/** Knobs of a check run, named where they are defined. */
export const CheckLimits = {
  /** One attempt is killed, with its whole process group, after this long. */
  attemptTimeoutMs: 30_000,
  /** Pause between attempts while polling with `waitUpTo`. */
  intervalMs: 2_000,
  /**
   * Output kept per attempt, of stdout and of stderr each: past it the rest is dropped, and the
   * reason says so when it was stdout, which the expectation is matched on.
   */
  captureBytes: 1 << 20,
  /** Output returned to the page: the tail, which is where errors are. */
  tailBytes: 64 << 10,
  /** After bash exits, how long its pipes may stay open (held by an escaped process) before we stop reading. */
  pipeGraceMs: 1_000,
  /** After bash exits with its pipes still held this long, the rest of its session is killed then. */
  sweepMs: 50,
} as const;

export interface CheckContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Called before every attempt after the first, for pages that show polling live, with why the
   * last one did not pass.
   */
  onAttempt?: (attempt: number, last: AttemptResult, why: Why | undefined) => void;
  signal?: AbortSignal;
  /** Where each attempt's process session is recorded while it lives (a sweep after a crash). */
  ledger?: ProcessLedger;
}

export interface AttemptResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  output: string;
  timedOut: boolean;
  /** Whether stdout went over `CheckLimits.captureBytes` and its end was dropped. */
  truncated: boolean;
}

/**
 * The bash text that runs `script` once the runner has recorded the check's session in its
 * ledger, and never otherwise. A check's bash would start its script at once, before the runner
 * could write its record: a runner killed hard in between would leave it running, with nothing
 * to tell the next start that it was the runner's. So it first waits on descriptor 3 for the
 * runner's word that the record is written; if the runner ends before that, the descriptor
 * closes with no word and the check ends. Descriptor 3 is then closed with everything else the
 * check inherited (runner/process/descriptors.ts).
 */
export function afterRecorded(script: string): string {
  return `read -r -u 3 __lab_go || exit 125; unset __lab_go; ${closeInherited}; ${script}`;
}

/** Runs one attempt of a bash script in its own process group, never in the learner's shell. */
export function runAttempt(
  script: string,
  timeoutMs: number,
  context: CheckContext,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    if (context.signal?.aborted) {
      resolve({
        exitCode: null,
        signal: 'SIGKILL',
        stdout: '',
        output: 'stopped: the runner is shutting down',
        timedOut: false,
        truncated: false,
      });
      return;
    }
    // Nothing inherited above fd 2, a pty master least of all (runner/process/descriptors.ts),
    // and nothing run before the ledger has the check (afterRecorded); on the same line as the
    // script, so its line numbers in bash's messages stay true.
    const child = spawn('bash', ['-c', afterRecorded(script)], {
      cwd: context.cwd,
      env: context.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    // Piped as asked: with a fourth descriptor, the types no longer say that they are there.
    const out = child.stdout as Readable;
    const err = child.stderr as Readable;
    const go = child.stdio[3] as Writable;
    const stdout: Buffer[] = [];
    const output: Buffer[] = [];
    // Each stream up to its own cap: what stderr says never crowds out the stdout matched on.
    const captured = { stdout: 0, stderr: 0 };
    let truncated = false;
    let timedOut = false;
    const take = (chunk: Buffer, stream: keyof typeof captured) => {
      const part = chunk.subarray(0, Math.max(0, CheckLimits.captureBytes - captured[stream]));
      captured[stream] += part.length;
      if (part.length < chunk.length && stream === 'stdout') truncated = true;
      if (part.length === 0) return;
      output.push(part);
      if (stream === 'stdout') stdout.push(part);
    };
    // A check the ledger cannot record is killed before its script runs (it waits for the word).
    const refused = context.ledger?.add(child.pid, 'check');
    // A check that ended before reading it (killed, or bash missing) cannot take the word.
    go.on('error', () => undefined);
    if (refused === undefined) go.end('go\n');
    else go.destroy();
    out.on('data', (chunk: Buffer) => take(chunk, 'stdout'));
    err.on('data', (chunk: Buffer) => take(chunk, 'stderr'));
    const timer = setTimeout(() => {
      timedOut = true;
      killProcessSession(child.pid);
    }, timeoutMs);
    const abort = () => killProcessSession(child.pid);
    context.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      context.ledger?.remove(child.pid);
      context.signal?.removeEventListener('abort', abort);
      resolve({
        exitCode: null,
        signal: null,
        stdout: '',
        output: `could not start bash: ${error.message}`,
        timedOut,
        truncated,
      });
    });
    // 'close' waits for every holder of the pipes, and a background grandchild would hold them
    // open: so when bash exits, the rest of its group is killed, and then 'close' comes promptly.
    // The rest of its session (a job that left the group) is swept when the answer is out, or
    // sooner if the pipes are still held. A process that left the session (setsid) could still
    // hold them; the grace timer covers it.
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let sweep: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(sweep);
      clearTimeout(grace);
      context.signal?.removeEventListener('abort', abort);
      resolve(
        refused === undefined
          ? {
              exitCode: exit?.code ?? null,
              signal: exit?.signal ?? null,
              stdout: Buffer.concat(stdout).toString('utf8'),
              output: Buffer.concat(output).toString('utf8'),
              timedOut,
              truncated,
            }
          : // Not started: judged as bash missing is, an error that names why.
            { exitCode: null, signal: null, stdout: '', output: refused, timedOut, truncated },
      );
      setImmediate(() => {
        sweepProcessSession(child.pid);
        context.ledger?.remove(child.pid);
      });
    };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      clearTimeout(timer);
      killGroup(child.pid, 'SIGKILL');
      sweep = setTimeout(() => sweepProcessSession(child.pid), CheckLimits.sweepMs);
      grace = setTimeout(() => {
        out.destroy();
        err.destroy();
        finish();
      }, CheckLimits.pipeGraceMs);
    });
    child.on('close', () => {
      if (exit) finish();
    });
  });
}

/**
 * Causes that waiting cannot change: no cluster answers, a tool is missing, the wrong kube
 * context, Docker is down. A check that fails for one of them ends at once with its reason and
 * hint, instead of polling until its `waitUpTo` runs out (two minutes for some).
 */
export const lastingCauses: ReadonlySet<HintCode> = new Set([
  'noCluster',
  'missingTool',
  'wrongContext',
  'dockerDown',
]);

/**
 * Runs a check: attempts until it passes, until `waitUpTo` has gone by (one attempt without it),
 * or until it fails for a cause that waiting cannot change.
 */
export async function runCheck(check: Check, context: CheckContext): Promise<CheckResult> {
  const started = performance.now();
  const deadline = started + (check.waitUpTo ?? 0);
  const interval = check.interval ?? CheckLimits.intervalMs;
  const timeout = check.timeout ?? CheckLimits.attemptTimeoutMs;
  for (let attempts = 1; ; attempts++) {
    const attempt = await runAttempt(check.run, timeout, context);
    const verdict = judge(check, attempt, timeout);
    // Recognised once: it decides whether waiting can help, and is the hint of a last failure.
    const hint = verdict.status === 'pass' ? undefined : recognise(attempt.output);
    const lasting = hint !== undefined && lastingCauses.has(hint.code);
    const done =
      verdict.status === 'pass' ||
      lasting ||
      performance.now() + interval > deadline ||
      context.signal?.aborted;
    if (done) {
      return {
        ...verdict,
        reason:
          attempts > 1 && verdict.status !== 'pass'
            ? `${verdict.reason} (still so after ${attempts} attempts)`
            : verdict.reason,
        ...(verdict.status === 'pass' ? {} : explain(attempt.output, hint)),
        output: tail(attempt.output),
        ms: Math.round(performance.now() - started),
        attempts,
      };
    }
    context.onAttempt?.(attempts + 1, attempt, verdict.why);
    await sleep(interval, undefined, { signal: context.signal }).catch(() => undefined);
  }
}

function judge(
  check: Check,
  attempt: AttemptResult,
  timeout: number,
): Pick<CheckResult, 'status' | 'reason' | 'why'> {
  if (attempt.exitCode === null && !attempt.timedOut && attempt.signal === null) {
    return {
      status: 'error',
      reason: attempt.output,
      why: { code: 'notStarted', params: { detail: attempt.output } },
    };
  }
  if (attempt.timedOut) {
    const seconds = Math.round(timeout / 1000);
    return {
      status: 'fail',
      reason: `the check did not finish within ${seconds}s and was stopped`,
      why: { code: 'timedOut', params: { seconds } },
    };
  }
  if (attempt.exitCode !== 0) {
    if (attempt.signal)
      return {
        status: 'fail',
        reason: `the check's command was killed by ${attempt.signal}`,
        why: { code: 'killed', params: { signal: attempt.signal } },
      };
    return {
      status: 'fail',
      reason: `the check's command exited ${attempt.exitCode}`,
      why: { code: 'exited', params: { code: attempt.exitCode ?? '?' } },
    };
  }
  const match = matchExpect(attempt.stdout, check.expect);
  const note = attempt.truncated ? ` (stdout over ${CheckLimits.captureBytes} bytes was cut)` : '';
  return { status: match.ok ? 'pass' : 'fail', reason: match.reason + note, why: match.why };
}

/**
 * What a failure printed, made useful: its last line that says something, and a common cause
 * (a missing tool, no cluster, Docker down) when the output shows one.
 */
function explain(output: string, hint: CheckResult['hint']): Pick<CheckResult, 'cause' | 'hint'> {
  const cause = causeLine(output);
  return { ...(cause ? { cause } : {}), ...(hint ? { hint } : {}) };
}

function tail(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= CheckLimits.tailBytes) return text;
  // Cut on a character boundary: skip UTF-8 continuation bytes at the start of the tail.
  let start = bytes.length - CheckLimits.tailBytes;
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
