import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one way the unit tests wait for something: poll `predicate` every `intervalMs` until it
 * holds, and fail with an Error naming `what` and the time waited once `timeoutMs` has gone by.
 * Every wait has a deadline, so a test that waits for what never happens fails instead of
 * hanging the suite. The predicate is asked once more at the deadline, so a slow machine that
 * gets there just in time still passes. A predicate that throws ends the wait with its error.
 */
export async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) {
      throw new Error(`timed out waiting for ${what} (waited ${Date.now() - started} ms)`);
    }
    await sleep(Math.max(0, Math.min(intervalMs, deadline - Date.now())));
  }
}
