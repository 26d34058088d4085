import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { quietCollector } from '../../../runner/memory.js';

const root = new URL('../../..', import.meta.url);
const report = new URL('tests/fixtures/runner-start/report.mjs', root);

/**
 * What V8 flags a process set at run time once it had loaded runner/memory.js and asked it for a
 * memory-reducing collection, and whether it got one, under ISTIO_LAB_MEMORY=`mode`.
 */
function collectionIn(mode: string): { collects: boolean; flags: string[] } {
  const script = `
    const memory = await import(${JSON.stringify(new URL('runner/memory.js', root).href)});
    console.log('collects ' + (typeof memory.memoryReducingCollection() === 'function'));`;
  const out = execFileSync(
    process.execPath,
    ['--import', report.href, '--input-type=module', '-e', script],
    { encoding: 'utf8', env: { ...process.env, ISTIO_LAB_MEMORY: mode } },
  );
  const flags = (JSON.parse(/^report (.+)$/m.exec(out)?.[1] ?? '{}') as { flags?: string[] }).flags;
  return { collects: /^collects true$/m.test(out), flags: flags ?? [] };
}

describe("the runner's memory switch", () => {
  it("exposes V8's collection only to a lean runner, and a plain one sets no flag", () => {
    const lean = collectionIn('lean');
    assert.ok(lean.flags.includes('--expose-gc'), `lean set ${lean.flags.join(' ')}`);
    assert.deepEqual(collectionIn('plain'), { collects: false, flags: [] });
  });
});

describe("the main thread's collection after a flood", () => {
  it('collects once output has stopped for a while, and only after a flood', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let collections = 0;
    const after = quietCollector({
      collect: () => collections++,
      afterQuietMs: 1000,
      minBytes: 100,
    });
    after.streamed(60);
    t.mock.timers.tick(5000);
    assert.equal(collections, 0, 'too little output for a collection');
    after.streamed(60);
    t.mock.timers.tick(900);
    after.streamed(10);
    t.mock.timers.tick(900);
    assert.equal(collections, 0, 'output that goes on puts it off');
    t.mock.timers.tick(100);
    assert.equal(collections, 1);
    after.streamed(99);
    t.mock.timers.tick(5000);
    assert.equal(collections, 1, 'the count starts again after a collection');
  });
});
