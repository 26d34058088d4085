/**
 * Durations in labs are written the way people say them: `90s`, `2m`, `500ms`, or a bare number
 * of seconds. They are parsed once, into milliseconds, when a lab is loaded.
 */
const units = { ms: 1, s: 1000, m: 60_000 } as const;

const pattern = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;

/** Milliseconds for a duration, or `undefined` when the text is not one. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  }
  const match = pattern.exec(value.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 's') as keyof typeof units;
  return Math.round(Number(match[1]) * units[unit]);
}
