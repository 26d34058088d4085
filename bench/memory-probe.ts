// Run by bench/memory-measures.ts in a process of its own, under ISTIO_LAB_MEMORY=lean or plain
// (runner/memory.js): what the V8 measures do, each where it acts. Prints one JSON line.
import { getHeapSpaceStatistics } from 'node:v8';
import { Screen, ScreenHost } from '../runner/screen/host.ts';
import { colouredLine, fillColoured } from '../tests/coloured-lines.ts';

/** What one process measured (bench/memory-measures.ts says what each is). */
export interface MemoryProbe {
  youngBefore: number;
  youngAfter: number;
  serializedHeapTotal: number;
  serializedHeapUsed: number;
  asleepHeapTotal: number;
  asleepHeapUsed: number;
  copyChars: number;
}

const noFlow = { pause: () => undefined, resume: () => undefined };
const size = { cols: 120, rows: 30, scrollback: 10_000 };

/** The young generation's size in this thread, before and after a churn like a flood's. */
function youngGeneration(): { youngBefore: number; youngAfter: number } {
  const young = () =>
    getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? NaN;
  const youngBefore = young();
  const kept: object[] = [];
  for (let i = 0; i < 200_000; i++) {
    kept.push({ chunk: Buffer.alloc(64), at: i, text: `line ${i}` });
    if (kept.length > 20_000) kept.splice(0, 10_000);
  }
  return { youngBefore, youngAfter: young() };
}

/** The worker's heap after three serializations of a full screen, asked once they are sent. */
async function afterSerializations(): Promise<{ total: number; used: number }> {
  const host = new ScreenHost();
  const screen = new Screen(size, noFlow, host);
  try {
    fillColoured(screen);
    for (let round = 0; round < 3; round++) {
      screen.write(Buffer.from(colouredLine(round)));
      await screen.serialize();
    }
    const heap = await host.heap();
    return { total: heap?.total ?? NaN, used: heap?.used ?? NaN };
  } finally {
    screen.dispose();
  }
}

/** The worker's heap with a full screen kept asleep as its serialized copy. */
async function asleep(): Promise<{ total: number; used: number; chars: number }> {
  const host = new ScreenHost();
  const screen = new Screen(size, noFlow, host);
  try {
    fillColoured(screen);
    screen.prepare();
    const heap = await host.heap({ collect: true });
    const chars = (await screen.serialize()).data.length;
    return { total: heap?.total ?? NaN, used: heap?.used ?? NaN, chars };
  } finally {
    screen.dispose();
  }
}

const young = youngGeneration();
const serialized = await afterSerializations();
const kept = await asleep();
const probe: MemoryProbe = {
  ...young,
  serializedHeapTotal: serialized.total,
  serializedHeapUsed: serialized.used,
  asleepHeapTotal: kept.total,
  asleepHeapUsed: kept.used,
  copyChars: kept.chars,
};
console.log(`probe ${JSON.stringify(probe)}`);
