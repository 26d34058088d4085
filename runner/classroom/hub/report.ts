import { z } from 'zod';

/**
 * What a learner's runner sends to an instructor's hub (docs/runner-api.md, "Instructor hub"), and
 * nothing more: a display name, a random id for the workspace, and check verdicts. The reporter
 * builds it and the hub parses every report against it, so the two cannot drift apart.
 */

/** The limits the hub holds every report and every learner to, so one learner cannot exhaust it. */
export const HubLimits = {
  /** Bytes in one report's body. */
  reportBytes: 64 * 1024,
  /** Results in one report; the reporter sends a larger backlog in several reports. */
  resultsPerReport: 100,
  /** Learners the hub follows unless --hub-capacity says otherwise; a new one beyond is refused. */
  learners: 1000,
  /** The largest --hub-capacity. */
  maxCapacity: 10_000,
  /** Refused learners the hub counts as waiting, at most. */
  waitingKept: 10_000,
  /** Distinct checks kept per learner, over all chapters. */
  checksPerLearner: 500,
  /** Display name length, in characters, after trimming. */
  nameChars: 40,
} as const;

/** A lab or check id as lab files write them (src/lib/lab-schema.ts). */
export const labId = z
  .string()
  .max(128)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lab and check ids are lower-case words joined by dashes');

/**
 * Characters a display name may not hold, by Unicode property rather than by list, so that one
 * name cannot be made to look like another (or like none) in the instructor's table: control
 * characters, line and paragraph separators, format characters (zero-width spaces and joiners,
 * bidirectional marks and overrides, soft hyphens), every default-ignorable code point (variation
 * selectors, the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, tags), every
 * space but the plain one (the others draw like it or like nothing), Braille patterns (U+2800 is a
 * blank), surrogates, private-use and unassigned code points.
 */
const forbiddenInName =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}\p{Script=Braille}[\p{White_Space}--[ ]]]/v;

/** Something a reader sees as a name: at least one letter or digit. */
const visibleInName = /[\p{L}\p{N}]/u;

/** A display name as the hub keeps it: compatibility forms folded (NFKC), trimmed. */
export function displayName(name: string): string {
  return name.normalize('NFKC').trim();
}

/** Why a display name cannot be used, or undefined when it can (it is then used as displayName). */
export function displayNameProblem(name: string): string | undefined {
  const trimmed = displayName(name);
  const length = [...trimmed].length;
  if (length === 0) return 'the name is empty: give the name the instructor should see';
  if (length > HubLimits.nameChars)
    return `the name has ${length} characters: give at most ${HubLimits.nameChars}`;
  if (forbiddenInName.test(trimmed))
    return 'the name holds control, invisible or text-direction characters: use letters, digits, spaces and punctuation';
  if (!visibleInName.test(trimmed))
    return 'the name has no letter or digit: give the name the instructor should see';
  return undefined;
}

/** A learner id: random, made once per learner's workspace (reporter.ts `learnerId`). */
export function learnerIdSchema() {
  return z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'learner is 16-64 letters, digits, - or _');
}

export const reportSchema = z.strictObject({
  /** The learner's display name, as given with --name. */
  name: z.string().superRefine((value, ctx) => {
    const problem = displayNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** A random id kept in the learner's workspace: a restarted runner is the same learner. */
  learner: learnerIdSchema(),
  /**
   * A random secret kept beside the id (reporter.ts `learnerSecret`): the hub binds the id to the
   * first secret it sees, so nobody else can report as this learner with the join token alone.
   */
  secret: z
    .string()
    .regex(/^[A-Za-z0-9_-]{22,64}$/, 'secret is 22-64 letters, digits, - or _')
    .optional(),
  results: z
    .array(
      z.strictObject({
        lab: labId,
        check: labId,
        status: z.enum(['pass', 'fail', 'error']),
        /** When the check ran, by the learner's clock (ISO 8601). */
        at: z.iso.datetime(),
        attempts: z.number().int().min(0).max(100_000),
      }),
    )
    .max(HubLimits.resultsPerReport),
});

export type Report = z.output<typeof reportSchema>;
export type ReportedResult = Report['results'][number];

/** A join link: `http(s)://<hub>/join/<join token>`; reports go to `<join link>/report`. */
export const joinPathPattern = /^\/join\/([A-Za-z0-9_-]{16,128})\/?$/;
