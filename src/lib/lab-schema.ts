import { z } from 'zod';
import { parseDuration } from './duration.ts';

/** A lab id (cell, check, lab slug): lower-case words joined by dashes, usable in URLs and CSS. */
const idPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const idMessage = 'ids are lower-case letters and digits joined by dashes, e.g. "node-ready"';

/** A duration such as `90s`, `2m`, `500ms` or a number of seconds, parsed into milliseconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a duration: write it as 30s, 2m, 500ms or a number of seconds`,
    });
    return z.NEVER;
  }
  return ms;
});

/** One runnable command block, placed in a chapter with `<Cell id>`. */
export const cellSchema = z.strictObject({
  /** The shell text pasted into the learner's terminal. */
  run: z.string().trim().min(1, 'a cell needs a non-empty "run" command'),
  /** Sample output shown, folded, under the command in the book (read-only and live alike). */
  output: z.string().optional(),
  /** How long the cell is expected to take at most; the page says so when it runs longer. */
  timeout: durationSchema.optional(),
  /** Language for highlighting. @default 'bash' */
  lang: z.string().default('bash'),
});

/** What a check's standard output must show for the check to pass (besides exiting 0). */
export const expectSchema = z
  .strictObject({
    contains: z.string().optional(),
    notContains: z.string().optional(),
    equals: z.string().optional(),
    matches: z
      .string()
      .refine(isRegExp, 'not a valid regular expression (JavaScript syntax)')
      .optional(),
  })
  .refine((value) => Object.values(value).some((v) => v !== undefined), {
    message: 'an empty "expect" proves nothing: give contains, notContains, equals or matches',
  });

/** A verification, placed in a chapter with `<Check id>`, run by the runner, never in the shell. */
export const checkSchema = z.strictObject({
  /** A bash script; the check fails when it exits non-zero. */
  run: z.string().trim().min(1, 'a check needs a non-empty "run" script'),
  expect: expectSchema.optional(),
  /** Keep trying until it passes or this much time has gone by (mesh config takes seconds). */
  waitUpTo: durationSchema.optional(),
  /** Pause between attempts while polling. @default 2s */
  interval: durationSchema
    .pipe(
      z
        .number()
        .min(100, 'an interval under 100ms would poll in a tight loop: write 500ms or more'),
    )
    .optional(),
  /** Kill one attempt after this long. @default 30s */
  timeout: durationSchema
    .pipe(z.number().min(1000, 'a timeout under 1s kills every attempt at once: write 5s or more'))
    .optional(),
  /** A cell id: the check runs by itself when that cell exits 0. */
  after: z.string().regex(idPattern, idMessage).optional(),
});

/** A chapter's language-neutral half: its commands, checks and scripts. */
export const labSchema = z
  .strictObject({
    title: z.string().min(1),
    /** Position in the book. */
    order: z.number().int().nonnegative(),
    /** Slugs of the chapters whose end state this one builds on. */
    requires: z.array(z.string().regex(idPattern, idMessage)).default([]),
    /** Idempotent script that brings a fresh machine to this chapter's start ("Catch up"). */
    prepare: z.string().optional(),
    /** What "Reset chapter" runs. */
    cleanup: z.string().optional(),
    /**
     * Checks of earlier chapters, as `<lab>/<check>`, that prove the cluster is at this chapter's
     * start: "Catch up" runs them after `prepare` succeeds.
     */
    ready: z
      .array(
        z
          .string()
          .regex(
            /^[a-z0-9]+(?:-[a-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/,
            'a readiness check is written <lab>/<check>, e.g. "install/control-plane-ready"',
          ),
      )
      .default([]),
    cells: z.record(z.string().regex(idPattern, idMessage), cellSchema).default({}),
    checks: z.record(z.string().regex(idPattern, idMessage), checkSchema).default({}),
  })
  .superRefine((lab, ctx) => {
    for (const [id, check] of Object.entries(lab.checks)) {
      if (check.after && !Object.hasOwn(lab.cells, check.after)) {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', id, 'after'],
          message: `names cell "${check.after}", which this lab does not have; use one of: ${Object.keys(lab.cells).join(', ') || '(no cells)'}`,
        });
      }
    }
    for (const id of Object.keys(lab.cells)) {
      if (Object.hasOwn(lab.checks, id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', id],
          message: `"${id}" is both a cell and a check; give one of them another id`,
        });
      }
    }
  });

export type Lab = z.output<typeof labSchema>;
export type LabInput = z.input<typeof labSchema>;
export type Cell = z.output<typeof cellSchema>;
export type Check = z.output<typeof checkSchema>;
export type Expect = z.output<typeof expectSchema>;

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    // An invalid pattern is exactly what this predicate reports.
    return false;
  }
}
