import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mallocSettings } from '../runner/memory.js';
import type { ManyTerminalsRun } from './many-terminals.ts';
import type { MemoryProbe } from './memory-probe.ts';
import { root, startOurRunner, type OurRunner } from './our-runner.ts';
import { Scope } from './scope.ts';

/**
 * What the runner's memory measures save (runner/memory.js: ISTIO_LAB_MEMORY=lean, the default,
 * takes them all; plain none). Each lean on how one version of V8 or glibc behaves, so they are
 * measured here, in the bench, and not asserted in the unit tests:
 * - `probe`, for each mode, in a process of its own (bench/memory-probe.ts): the young generation
 *   after a churn of short-lived Buffers (kept at its first size when lean); the screens'
 *   worker's heap after three serializations of a full screen (its small young generation and
 *   memory-reducing collection); and its heap with a full screen asleep as its copy (the copy
 *   kept in one piece, and collected after);
 * - `many`: the eight flooding terminals again (bench/many-terminals.ts), with the runner plain,
 *   and plain but for malloc's settings, put in its environment as the lean runner puts them:
 *   what malloc's settings save apart from V8's measures. The lean runner's run is the row's own.
 */
export interface MemoryMeasuresRun {
  probe: { lean: MemoryProbe; plain: MemoryProbe };
  many: { plain: ManyTerminalsRun; plainWithMalloc: ManyTerminalsRun };
}

/** bench/memory-probe.ts in a process of its own, under ISTIO_LAB_MEMORY=`mode`. */
export function memoryProbe(mode: 'lean' | 'plain'): MemoryProbe {
  const printed = execFileSync(process.execPath, [join(root, 'bench/memory-probe.ts')], {
    encoding: 'utf8',
    env: { ...process.env, ISTIO_LAB_MEMORY: mode },
  });
  const line = /^probe (.+)$/m.exec(printed)?.[1];
  if (!line) throw new Error(`bench/memory-probe.ts printed no probe:\n${printed}`);
  return JSON.parse(line) as MemoryProbe;
}

/**
 * The probes, then `flood` (the many-terminals row) against a runner started plain, and one
 * started plain with malloc's settings, each stopped after.
 */
export async function measureMemoryMeasures(options: {
  dist: string;
  labs: readonly string[];
  flood: (runner: OurRunner) => Promise<ManyTerminalsRun>;
  log: (message: string) => void;
}): Promise<MemoryMeasuresRun> {
  const probe = { lean: memoryProbe('lean'), plain: memoryProbe('plain') };
  const plainRun = async (env: NodeJS.ProcessEnv) => {
    const scope = new Scope();
    try {
      const runner = await startOurRunner(scope, { dist: options.dist, labs: options.labs, env });
      return await options.flood(runner);
    } finally {
      await scope.close();
    }
  };
  options.log('the same terminals flooding, the runner plain (ISTIO_LAB_MEMORY=plain)');
  const plain = await plainRun({ ISTIO_LAB_MEMORY: 'plain' });
  options.log("and plain but for malloc's settings");
  const plainWithMalloc = await plainRun({ ISTIO_LAB_MEMORY: 'plain', ...mallocSettings });
  return { probe, many: { plain, plainWithMalloc } };
}
