import * as z from 'zod/mini';
import { checkStatusSchema } from './protocol.ts';

/**
 * The learner's progress: each check's latest result, as the runner keeps it in progress.json
 * and answers it on `GET /api/progress`. The runner validates the file with this schema when it
 * starts; the page validates the answer with it before showing anything.
 */

/** One check's latest result. */
export const progressEntrySchema = z.object({
  status: checkStatusSchema,
  /** ISO time of the latest run. */
  at: z.string(),
  ms: z.number().check(z.gte(0)),
  attempts: z.number().check(z.int(), z.gte(0)),
  /** ISO time of the first pass, kept across later failures so drift can be shown. */
  firstPassedAt: z.optional(z.string()),
});
export type ProgressEntry = z.output<typeof progressEntrySchema>;

/** Every lab's checks, by lab id then check id. */
export const progressSchema = z.object({
  version: z.literal(1),
  labs: z.record(z.string(), z.record(z.string(), progressEntrySchema)),
});
export type Progress = z.output<typeof progressSchema>;

/** No result yet: a first start. */
export function emptyProgress(): Progress {
  return { version: 1, labs: {} };
}
