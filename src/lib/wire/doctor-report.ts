// The answer of GET /api/doctor (docs/runner-api.md), shared by the runner and the Doctor page.

/** The doctor's items, in the order it reports them (and the Doctor page lists them). */
export const doctorItemIds = [
  'place',
  'docker',
  'kind',
  'kubectl',
  'istioctl',
  'cluster',
  'images',
  'memory',
  'inotify',
  'ports',
  'processes',
  'labs',
] as const;
export type DoctorItemId = (typeof doctorItemIds)[number];

/** `skip`: the item does not apply here (inotify on macOS) or cannot be looked at yet. */
export type DoctorStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** Values for an item's localized text; numbers and versions, never prose. */
export type DoctorParams = Record<string, string | number>;

/** One line of the doctor's report (docs/runner-api.md). */
export interface DoctorItem {
  id: DoctorItemId;
  status: DoctorStatus;
  /**
   * What was found, in a word the page turns into text: `lab.doctor.<id>.<code>` in the page's
   * language, filled with `params`.
   */
  code: string;
  params: DoctorParams;
  /** Facts only: versions, numbers, a tool's own error line, which process holds a port. */
  detail: string;
  /** What to do, in English, for the command line; empty when the status is ok or skip. */
  fix: string;
  /** The exact commands that fix it, for this machine; code, never translated. */
  commands: string[];
}
