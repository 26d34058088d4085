import { errorMessage, errorDetail } from '../src/lib/wire/error-codes.ts';
// npm run bench: measures the runner and the page against wetty and the raw limits, on this
// machine, in one run, and writes docs/performance.md (see its preface for what each row means).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from '@playwright/test';
import * as prettier from 'prettier';
import { launchBrowser } from './browser.ts';
import { testBook, timeBookBuild } from './build.ts';
import { performanceDocument } from './document.ts';
import {
  describeCommit,
  describeMachine,
  load,
  waitForQuiet,
  watchMemoryMonitors,
} from './machine.ts';
import { root, startOurRunner, type OurRunner } from './our-runner.ts';
import {
  measureChecks,
  measurePageWeights,
  measureRestore,
  measureStarts,
  type Setup,
} from './phases.ts';
import { resultRows, resultsTable } from './report.ts';
import type { Results } from './results.ts';
import { Scope } from './scope.ts';
import { measureTerminals, openSystem, type System } from './terminals.ts';
import { writeFloodFile } from './throughput.ts';
import { floodMany, type ManyTerminalsRun } from './many-terminals.ts';
import { measureMemoryMeasures } from './memory-measures.ts';
import { connectOurs, connectWetty } from './stream-clients.ts';
import { Targets } from './results.ts';
import { waitIdle } from './scope.ts';
import { HubLimits } from '../runner/classroom/hub/report.ts';
import { measureClassroom, measureFlood, type ClassroomRun } from './classroom.ts';
import { classroomSection, mergeClassroomSection } from './classroom-report.ts';
import { installWetty, startWetty, type Wetty, type WettyInstall } from './wetty.ts';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    out: { type: 'string', default: join(root, 'docs/performance.md') },
    only: { type: 'string' },
    render: { type: 'boolean', default: false },
    learners: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
  },
});
const repetitions = Number(values.reps);
if (!Number.isInteger(repetitions) || repetitions < 1 || repetitions > 20) {
  console.error(`bench: --reps ${values.reps} is not a whole number from 1 to 20`);
  process.exit(2);
}
if (values.only !== undefined && values.only !== 'classroom') {
  console.error(
    `bench: --only takes classroom (the hub under a room of learners), not ${values.only}`,
  );
  process.exit(2);
}
const learners = Number(values.learners);
const seconds = Number(values.seconds);
if (!Number.isInteger(learners) || learners < 1 || learners > HubLimits.learners) {
  console.error(
    `bench: --learners ${values.learners} is not a whole number from 1 to ${HubLimits.learners}`,
  );
  process.exit(2);
}
if (!Number.isInteger(seconds) || seconds < 10 || seconds > 600) {
  console.error(`bench: --seconds ${values.seconds} is not a whole number from 10 to 600`);
  process.exit(2);
}

const log = (message: string) => console.log(`bench: ${message}`);

/** A full run's results, kept next to the page, from which `--render` writes the page again. */
const resultsFile = `${values.out.replace(/\.md$/, '')}.json`;

/** `text` formatted as the repository formats `file` (prettier, with its settings). */
async function formatted(text: string, file: string): Promise<string> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...config, filepath: file });
}

/** Writes the page of `results`. */
async function writePage(results: Results): Promise<void> {
  writeFileSync(values.out, await formatted(performanceDocument(results), values.out));
}

/**
 * The last full run's results, from `resultsFile`; or, where there are none to read, the reason,
 * in a sentence that says how to get them.
 */
function keptResults(): Results | string {
  let results: unknown;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch (error) {
    return (
      `${resultsFile}, which a full run writes (npm run bench), could not be read: ` +
      errorMessage(error)
    );
  }
  const fields = ['date', 'machine', 'ours', 'wetty', 'restore'];
  const missing = fields.filter(
    (field) => !(typeof results === 'object' && results && field in results),
  );
  if (missing.length > 0) {
    return (
      `${resultsFile} is not the results of a full run (no ${missing.join(', ')}); ` +
      'run npm run bench to measure again'
    );
  }
  return results as Results;
}

/** `--render`: the page written again from the last full run's results, with nothing measured. */
async function render(): Promise<void> {
  const results = keptResults();
  if (typeof results === 'string') {
    console.error(`bench: --render writes the page from the results of a full run: ${results}`);
    process.exit(2);
  }
  await writePage(results);
  log(`wrote ${values.out} from ${resultsFile}`);
}

async function main(scope: Scope): Promise<void> {
  const started = performance.now();
  const dist = testBook(scope, log);
  const work = scope.tempDir('istio-lab-bench-');
  const flood = writeFloodFile(work);
  const warmUp = writeFloodFile(work, 4 << 20, 'warm-up.txt');
  const manyFlood = writeFloodFile(work, 16 << 20, 'many.txt');
  log('installing wetty@3 from the npm registry...');
  let install: WettyInstall | undefined;
  let wettyError = '';
  try {
    install = await installWetty(scope);
  } catch (error) {
    wettyError = errorMessage(error).split('\n')[0] ?? 'install failed';
  }
  await waitForQuiet(log);
  const loadAtStart = load();

  // Everything the terminal measurements use, closed before the start and build times.
  const live = new Scope();
  scope.defer('stop the measured servers', () => live.close());
  const runner: OurRunner = await startOurRunner(live, {
    dist,
    labs: [join(root, 'tests/fixtures/labs'), join(root, 'bench/labs')],
  });
  let wetty: Wetty | undefined;
  if (install) {
    try {
      wetty = await startWetty(live, install);
    } catch (error) {
      wettyError = errorMessage(error).split('\n')[0] ?? 'start failed';
    }
  }
  // Eight terminals flooding at once, each server a fresh one of its own, stopped after: what
  // malloc keeps of eight floods would otherwise stay in the servers measured below with one
  // session (their RSS rows say "one session").
  const many = (pid: number, connect: (index: number) => ReturnType<typeof connectOurs>) =>
    waitIdle([pid]).then(() =>
      floodMany(connect, pid, manyFlood, {
        count: Targets.manyTerminals,
        afterMs: Targets.manyAfterMs,
        bound: Targets.manyAfterBytes,
      }),
    );
  log(`${Targets.manyTerminals} terminals flooding at once`);
  const apart = new Scope();
  let manyOurs: ManyTerminalsRun;
  let manyWetty: ManyTerminalsRun | undefined;
  try {
    const own = await startOurRunner(apart, {
      dist,
      labs: [join(root, 'tests/fixtures/labs'), join(root, 'bench/labs')],
    });
    manyOurs = await many(own.pid, (i) => connectOurs(own, `bench-many-${i}`));
    if (wetty && install) {
      const installed = install;
      const started = await startWetty(apart, installed);
      manyWetty = await many(started.pid, () => connectWetty(installed, started));
    }
  } finally {
    await apart.close();
  }
  log('what the memory measures save: the same again with the runner plain (ISTIO_LAB_MEMORY)');
  const memoryMeasures = await measureMemoryMeasures({
    dist,
    labs: [join(root, 'tests/fixtures/labs'), join(root, 'bench/labs')],
    flood: (plain) => many(plain.pid, (i) => connectOurs(plain, `bench-many-${i}`)),
    log,
  });
  const browser: Browser = await launchBrowser();
  live.defer('close Chromium', () => browser.close());
  const setup: Setup = {
    scope: live,
    browser,
    runner,
    flood,
    warmUp,
    work,
    repetitions,
    floodMs: 4000,
    echoKeys: 200,
    log,
  };
  const systems: System[] = [
    await openSystem(setup, { name: 'ours' }),
    await openSystem(setup, { name: 'ours-webgl' }),
  ];
  if (wetty && install) {
    systems.push(await openSystem(setup, { name: 'wetty', wetty, install, browser }));
    // The same page in a Chromium with no WebGL: wetty then draws with xterm's DOM renderer.
    const noWebgl = await launchBrowser(['--disable-3d-apis']);
    live.defer('close the second Chromium', () => noWebgl.close());
    systems.push(await openSystem(setup, { name: 'wetty-dom', wetty, install, browser: noWebgl }));
  }
  const monitors = watchMemoryMonitors();
  const { runs, rawPty } = await measureTerminals(setup, systems);
  const memoryMonitors = monitors.stop();
  const { check, bareSpawn } = await measureChecks(setup);
  const restore = await measureRestore(setup);
  const weight = await measurePageWeights(setup, dist);
  const chromium = browser.version();
  await live.close();
  const classroom = await room(scope, dist);

  const starts = await measureStarts({ ...setup, scope }, dist, install);
  const build: number[] = [];
  for (let i = 0; i < Math.min(3, repetitions); i++) {
    log(`building the book (${i + 1})...`);
    build.push(await timeBookBuild(scope));
  }

  const ours = runs.get('ours');
  if (!ours) throw new Error('our runner was not measured');
  ours.start = starts.ours;
  const wettyRuns = runs.get('wetty');
  if (wettyRuns) wettyRuns.start = starts.wetty;
  const wettyDom = runs.get('wetty-dom');
  const oursWebgl = runs.get('ours-webgl');
  const results: Results = {
    date: new Date().toISOString().slice(0, 10),
    machine: {
      ...describeMachine(),
      ...(memoryMonitors.length > 0 ? { memoryMonitors } : {}),
    },
    chromium,
    commit: describeCommit(root),
    repetitions,
    load: loadAtStart,
    floodBytes: flood.bytes,
    floodSeconds: setup.floodMs / 1000,
    ours,
    ...(oursWebgl
      ? {
          oursWebgl: {
            throughput: oursWebgl.pageThroughput,
            terminal: oursWebgl.terminal,
            ...(oursWebgl.pageBytes ? { pageBytes: oursWebgl.pageBytes } : {}),
          },
        }
      : {}),
    wetty:
      wettyRuns && install
        ? {
            version: install.version,
            runs: wettyRuns,
            ...(wettyDom
              ? { dom: { throughput: wettyDom.pageThroughput, terminal: wettyDom.terminal } }
              : {}),
          }
        : { error: wettyError || 'not run' },
    rawPty,
    check,
    bareSpawn,
    restore,
    weight,
    build,
    manyTerminals: { ours: manyOurs, ...(manyWetty ? { wetty: manyWetty } : {}) },
    memoryMeasures,
    classroom,
  };
  await writePage(results);
  writeFileSync(resultsFile, await formatted(JSON.stringify(results), resultsFile));
  console.log(`\n${resultsTable(resultRows(results))}\n`);
  log(
    `wrote ${values.out} and ${resultsFile} in ` +
      `${Math.round((performance.now() - started) / 1000)} s`,
  );
}

/** The classroom phase: a room of learners reporting to one hub, with the table open. */
async function room(scope: Scope, dist: string): Promise<ClassroomRun> {
  const run = await measureClassroom(scope, {
    learners,
    seconds,
    intervalMs: [2000, 4000],
    dist,
    log,
  });
  return { ...run, flood: await measureFlood(scope, { dist, seconds: 15, log }) };
}

/** `--only classroom`: that phase alone, its section merged into the page as it is. */
async function classroomOnly(scope: Scope): Promise<void> {
  const dist = testBook(scope, log);
  await waitForQuiet(log);
  const run = await room(scope, dist);
  const machine = describeMachine();
  const measured =
    `Measured on ${new Date().toISOString().slice(0, 10)} at ${describeCommit(root)}, on ` +
    `${machine.cpu} with ${machine.cores} cores, by \`npm run bench -- --only classroom\`, apart ` +
    'from the run above.';
  const kept = keptResults();
  if (typeof kept !== 'string') {
    // Kept with the full run's results, so that a later --render shows this room, not that one.
    const results: Results = { ...kept, classroomApart: { run, measured } };
    await writePage(results);
    writeFileSync(resultsFile, await formatted(JSON.stringify(results), resultsFile));
    log(`wrote the classroom section of ${values.out}, and kept it in ${resultsFile}`);
    return;
  }
  log(`${kept}; the section is replaced in the page alone`);
  const page = mergeClassroomSection(
    readFileSync(values.out, 'utf8'),
    classroomSection(run, measured),
  );
  writeFileSync(values.out, await formatted(page, values.out));
  log(`wrote the classroom section of ${values.out}`);
}

const scope = new Scope();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`stopping (${signal}); cleaning up...`);
    void scope.close().then(() => process.exit(130));
  });
}
try {
  if (values.render) await render();
  else await (values.only === 'classroom' ? classroomOnly(scope) : main(scope));
} catch (error) {
  console.error(`bench failed: ${errorDetail(error)}`);
  process.exitCode = 1;
} finally {
  await scope.close();
}
