import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { timeBareSpawn, timeCheck } from './check-overhead.ts';
import { newContext, openOurTerminal } from './browser.ts';
import { root, startOurRunner, type OurRunner } from './our-runner.ts';
import { startStaticHost } from '../tests/servers.ts';
import { weighPage, type PageWeight } from './page-weight.ts';
import {
  fillScrollback,
  markRestores,
  timeRestore,
  type RestoreRun,
  type RestoreTiming,
} from './restore.ts';
import { waitIdle, type Scope } from './scope.ts';
import { startWetty, type WettyInstall } from './wetty.ts';

export interface Setup {
  scope: Scope;
  browser: Browser;
  runner: OurRunner;
  flood: { path: string; bytes: number };
  /** A smaller file of the same lines, streamed once per system before measuring. */
  warmUp: { path: string; bytes: number };
  /** A scratch folder for the raw pty's shell. */
  work: string;
  repetitions: number;
  floodMs: number;
  echoKeys: number;
  log: (message: string) => void;
}

/** A `true` check through the API against `bash -c true`, taking turns, after a warm-up. */
export async function measureChecks(
  setup: Setup,
  count = 200,
): Promise<{ check: number[]; bareSpawn: number[] }> {
  setup.log('check overhead');
  await waitIdle([setup.runner.pid]);
  for (let i = 0; i < 10; i++) {
    await timeCheck(setup.runner);
    await timeBareSpawn(setup.work);
  }
  const check: number[] = [];
  const bareSpawn: number[] = [];
  for (let i = 0; i < count; i++) {
    check.push(await timeCheck(setup.runner));
    bareSpawn.push(await timeBareSpawn(setup.work));
  }
  return { check, bareSpawn };
}

/**
 * Screen restore after reloads, on a fresh page whose terminal holds 12,000 new lines: each
 * reload after a new line of output, in turn a second after it and at once.
 */
export async function measureRestore(setup: Setup): Promise<Record<RestoreTiming, RestoreRun[]>> {
  setup.log('screen restore');
  const context = await newContext(setup.browser);
  try {
    const page = await openOurTerminal(context, setup.runner);
    await fillScrollback(page, 12_000);
    await markRestores(page);
    const runs: Record<RestoreTiming, RestoreRun[]> = { pause: [], 'at once': [] };
    for (let rep = 0; rep < setup.repetitions; rep++)
      for (const timing of ['pause', 'at once'] as const)
        runs[timing].push(await timeRestore(page, setup.runner.pid, timing));
    return runs;
  } finally {
    await context.close();
  }
}

/** JavaScript of a bare Starlight page, a chapter read-only, and a chapter with the runner. */
export async function measurePageWeights(
  setup: Setup,
  dist: string,
): Promise<{ bare: PageWeight; readOnly: PageWeight; withRunner: PageWeight }> {
  setup.log('page weight');
  const { url: host, close } = await startStaticHost(dist);
  setup.scope.defer('stop the static host', close);
  const chapter = 'en/cluster/';
  const bare = await weighPage(setup.browser, new URL('en/architecture/', host).href);
  const readOnly = await weighPage(setup.browser, new URL(chapter, host).href);
  const withRunner = await weighPage(
    setup.browser,
    `${new URL(chapter, setup.runner.book).href}?token=${setup.runner.token}`,
    (page) => page.locator('lab-dock .lab-dock-status[data-state="connected"]').waitFor(),
  );
  return { bare, readOnly, withRunner };
}

/** Spawn → first answer, for each server, started and stopped `repetitions` times. */
export async function measureStarts(
  setup: Setup,
  dist: string,
  install: WettyInstall | undefined,
): Promise<{ ours: number[]; wetty: number[] }> {
  setup.log('start times');
  const ours: number[] = [];
  const wetty: number[] = [];
  for (let rep = 0; rep < setup.repetitions; rep++) {
    const runner = await startOurRunner(setup.scope, {
      dist,
      labs: [join(root, 'tests/fixtures/labs')],
    });
    ours.push(runner.firstAnswerMs);
    await runner.stop();
    if (install) {
      const started = await startWetty(setup.scope, install);
      wetty.push(started.firstAnswerMs);
      await started.stop();
    }
  }
  return { ours, wetty };
}
