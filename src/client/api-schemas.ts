import './zod-config.ts';
import * as z from 'zod/mini';
import type { DoctorStatus } from '../lib/wire/doctor-report.ts';

/**
 * The shapes of the runner's HTTP answers that the page reads, in one module that the page
 * imports only once a runner has answered (runner-link.ts, lab-doctor.ts): a page without a
 * runner never loads zod. The shared ones come from src/lib, the contract both ends hold to.
 */
export { checkResultSchema, errorReplySchema } from '../lib/wire/protocol.ts';
export { progressSchema } from '../lib/wire/progress.ts';

const doctorStatuses = ['ok', 'warn', 'fail', 'skip'] as const satisfies readonly DoctorStatus[];

/**
 * One item of `GET /api/doctor` (src/lib/wire/doctor-report.ts `DoctorItem`). Its `id` is any
 * string: a newer runner may report an item this page does not know, which it shows as sent.
 */
const doctorItemSchema = z.object({
  id: z.string().check(z.minLength(1)),
  status: z.enum(doctorStatuses),
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  detail: z.string(),
  fix: z.string(),
  commands: z.array(z.string()),
});
export type DoctorReplyItem = z.output<typeof doctorItemSchema>;

/** `GET /api/doctor` answers with this. */
export const doctorReplySchema = z.object({ items: z.array(doctorItemSchema) });
