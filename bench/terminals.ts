import { errorMessage } from '../src/lib/wire/error-codes.ts';
import type { Browser, Page } from '@playwright/test';
import {
  bytesReceived,
  newContext,
  openOurTerminal,
  openWettyTerminal,
  rendererOf,
  waitForPrompt,
} from './browser.ts';
import { interruptUnderFlood } from './interrupt.ts';
import { pageEchoSamples } from './page-measures.ts';
import type { Setup } from './phases.ts';
import type { SystemRuns } from './results.ts';
import { waitIdle } from './scope.ts';
import {
  connectOurs,
  connectWetty,
  echoSamples,
  quiet,
  type ServerStream,
} from './stream-clients.ts';
import { pageThroughput, rawPtyClient, streamThroughput } from './throughput.ts';
import type { Wetty, WettyInstall } from './wetty.ts';

export type SystemName = 'ours' | 'ours-webgl' | 'wetty' | 'wetty-dom';

/**
 * A system under test as the harness drives it: its server's pid, a page, and a socket client
 * (none for wetty-dom and ours-webgl, each the same page again with the other renderer).
 */
export interface System {
  name: SystemName;
  pid: number;
  page: Page;
  socket?: ServerStream;
}

export async function openSystem(
  setup: Setup,
  target:
    | { name: 'ours' | 'ours-webgl' }
    | { name: 'wetty' | 'wetty-dom'; wetty: Wetty; install: WettyInstall; browser: Browser },
): Promise<System> {
  const context = await newContext('browser' in target ? target.browser : setup.browser);
  setup.scope.defer(`close the ${target.name} page`, () => context.close());
  if (target.name === 'ours-webgl') {
    // Our page again, drawn by xterm's WebGL addon as a learner can choose (src/client/renderer.ts).
    await context.addInitScript(() => localStorage.setItem('istio-lab.dock.renderer', 'webgl'));
    const page = await openOurTerminal(context, setup.runner);
    await page.locator('lab-dock[data-renderer="webgl"]').waitFor();
    return { name: target.name, pid: setup.runner.pid, page };
  }
  if (!('wetty' in target)) {
    const page = await openOurTerminal(context, setup.runner);
    const socket = await connectOurs(setup.runner, 'bench-socket');
    setup.scope.defer('close our socket', () => socket.close());
    return { name: 'ours', pid: setup.runner.pid, page, socket };
  }
  const page = await openWettyTerminal(context, target.wetty);
  if (target.name === 'wetty-dom') return { name: target.name, pid: target.wetty.pid, page };
  const socket = await connectWetty(target.install, target.wetty);
  setup.scope.defer('close the wetty socket', () => socket.close());
  return { name: target.name, pid: target.wetty.pid, page, socket };
}

function emptyRuns(terminal: string): SystemRuns {
  return {
    pageThroughput: [],
    socketThroughput: [],
    interrupts: [],
    pageEcho: [],
    socketEcho: [],
    start: [],
    terminal,
  };
}

/**
 * Our two pages share the runner's one terminal session: the one opened last took it over. The
 * page about to be measured takes it back, as a learner would with its Take back button.
 */
async function attach(system: System): Promise<void> {
  if (system.name !== 'ours' && system.name !== 'ours-webgl') return;
  const dock = system.page.locator('lab-dock');
  const takeBack = dock.locator('.lab-dock-takeback');
  if (await takeBack.isVisible()) await takeBack.click();
  await dock.locator('.lab-dock-status[data-state="connected"]').waitFor();
  await waitForPrompt(system.page);
}

/** One run of `file` through the page, then through the socket; MiB/s of each. */
async function throughputOf(system: System, file: Setup['flood'], pids: readonly number[]) {
  await attach(system);
  await waitIdle(pids);
  const before = bytesReceived(system.page);
  const page = await pageThroughput(system.page, file).catch((error: unknown) => {
    throw new Error(`${system.name}'s page: ${errorMessage(error)}`, { cause: error });
  });
  // What our runner sent the page for it (only our pages are counted).
  const after = bytesReceived(system.page);
  const pageBytes = before === undefined || after === undefined ? undefined : after - before;
  if (!system.socket) return { page, pageBytes };
  await waitIdle(pids);
  await quiet(system.socket);
  return { page, pageBytes, socket: await streamThroughput(system.socket, file) };
}

/**
 * Throughput, interrupt and echo for every system, repetition by repetition with the systems
 * taking turns, so that a slow spell of the machine does not fall on one system only. Each
 * system streams a smaller file once first, unmeasured: its first run would also time the
 * growth of a fresh page's buffers and the compiling of its code.
 */
export async function measureTerminals(
  setup: Setup,
  systems: readonly System[],
): Promise<{ runs: Map<SystemName, SystemRuns>; rawPty: number[] }> {
  const runs = new Map<SystemName, SystemRuns>();
  for (const system of systems) runs.set(system.name, emptyRuns(await rendererOf(system.page)));
  const pids = [...new Set(systems.map((system) => system.pid))];
  const raw = rawPtyClient(setup.work);
  setup.scope.defer('end the raw pty', () => raw.close());
  await quiet(raw);
  setup.log('throughput warm-up');
  await streamThroughput(raw, setup.warmUp);
  for (const system of systems) await throughputOf(system, setup.warmUp, pids);
  const rawPty: number[] = [];
  for (let rep = 1; rep <= setup.repetitions; rep++) {
    setup.log(`throughput ${rep}/${setup.repetitions}`);
    await waitIdle(pids);
    rawPty.push(await streamThroughput(raw, setup.flood));
    for (const system of systems) {
      const into = runs.get(system.name) as SystemRuns;
      const measured = await throughputOf(system, setup.flood, pids);
      into.pageThroughput.push(measured.page);
      if (measured.pageBytes !== undefined) (into.pageBytes ??= []).push(measured.pageBytes);
      if (measured.socket !== undefined) into.socketThroughput.push(measured.socket);
    }
  }
  raw.close();
  const interactive = systems.filter((system) => system.socket);
  // The socket clients' echo, then their terminals end: through the floods below each server has
  // one terminal, the page's, as a learner's would (the runner keeps the screen of every session,
  // 17 MiB for a full one as wide as these).
  setup.log('keystroke echo over the socket');
  for (const system of interactive) {
    if (!system.socket) continue;
    await waitIdle(pids);
    await quiet(system.socket);
    runs.get(system.name)?.socketEcho.push(...(await echoSamples(system.socket, setup.echoKeys)));
    await system.socket.end();
  }
  // One unmeasured flood each first: the first one after the throughput runs can still find the
  // server's heap and the terminal's buffers one step short of their level.
  setup.log('Ctrl-C warm-up');
  for (const system of interactive) {
    await attach(system);
    await waitIdle(pids);
    await interruptUnderFlood(system.page, system.pid, setup.floodMs);
  }
  // The echo in the page is measured in every repetition, the systems taking turns, as the rest:
  // measured once at the end, its p99 was the second slowest of 200 keys, from one spell of the
  // machine (docs/performance.md says what such a spell was on the machine of record).
  for (let rep = 1; rep <= setup.repetitions; rep++) {
    setup.log(`Ctrl-C under flood and keystroke echo ${rep}/${setup.repetitions}`);
    for (const system of interactive) {
      await attach(system);
      await waitIdle(pids);
      const run = await interruptUnderFlood(system.page, system.pid, setup.floodMs);
      runs.get(system.name)?.interrupts.push(run);
    }
    for (const system of interactive) {
      await attach(system);
      await waitIdle(pids);
      runs.get(system.name)?.pageEcho.push(...(await pageEchoSamples(system.page, setup.echoKeys)));
    }
  }
  return { runs, rawPty };
}
