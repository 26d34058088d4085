/**
 * What a learner's runner started with `--report-to` knows of the instructor's hub, as its
 * `GET /api/health` carries it (`hub: { status }`, docs/runner-api.md) for the page to say. Kept
 * apart from the schemas, like protocol-version.ts, so that every page reads it without zod.
 *
 * - `ok`: the hub took the latest report (or none was answered yet).
 * - `full`: the hub follows as many learners as the instructor allowed (403 `hub-full`): ask the
 *   instructor to make room; the runner keeps the results and sends them once there is room.
 * - `not-saved`: the hub could not save the latest report (503 `hub-not-saved`); the runner keeps
 *   it and sends it again.
 * - `unknown-link`: the hub does not know the join link (401).
 * - `unreachable`: no answer from the hub.
 * - `stopped`: the hub knows this learner under another runner (409); reporting stopped.
 */
export const hubStatuses = [
  'ok',
  'full',
  'not-saved',
  'unknown-link',
  'unreachable',
  'stopped',
] as const;
export type HubStatus = (typeof hubStatuses)[number];

/**
 * The hub status in a health answer: undefined when the runner reports to no hub, is older than
 * the field, or names a status this page does not know (a newer runner's), which reads as absent.
 */
export function hubStatusOf(health: unknown): HubStatus | undefined {
  const hub = typeof health === 'object' && health !== null && 'hub' in health ? health.hub : null;
  const status = typeof hub === 'object' && hub !== null && 'status' in hub ? hub.status : null;
  return (hubStatuses as readonly unknown[]).includes(status) ? (status as HubStatus) : undefined;
}
