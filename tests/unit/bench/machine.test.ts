import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeMonitor, msPerSample, watchMemoryMonitors } from '../../../bench/machine.ts';

/** A DAMON sysfs tree as the kernel lays it out: one directory per monitor, and a count. */
function kdamonds(monitors: { state: string; pid: number; operations: string }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'istio-lab-damon-'));
  writeFileSync(join(dir, 'nr_kdamonds'), `${monitors.length}\n`);
  monitors.forEach((monitor, i) => {
    const context = join(dir, String(i), 'contexts', '0');
    mkdirSync(join(context, 'monitoring_attrs', 'intervals'), { recursive: true });
    writeFileSync(join(dir, String(i), 'state'), `${monitor.state}\n`);
    writeFileSync(join(dir, String(i), 'pid'), `${monitor.pid}\n`);
    writeFileSync(join(context, 'operations'), `${monitor.operations}\n`);
    writeFileSync(join(context, 'monitoring_attrs', 'intervals', 'sample_us'), '500000\n');
  });
  return dir;
}

describe('bench machine: the kernel memory monitors that compete for a core', () => {
  it('watches the monitors that are on, and says how much CPU their thread used meanwhile', () => {
    // This process stands in for kdamond: its CPU time is what the watch must count.
    const dir = kdamonds([
      { state: 'on', pid: process.pid, operations: 'paddr' },
      { state: 'off', pid: process.pid, operations: 'vaddr' },
    ]);
    try {
      const watch = watchMemoryMonitors(dir);
      const used = process.cpuUsage();
      while (process.cpuUsage(used).user < 60_000) {
        // Spend 60 ms of CPU, whatever the wall clock does meanwhile.
      }
      const [monitor, ...others] = watch.stop();
      assert.deepEqual(others, [], 'a monitor that is off is not watched');
      assert.ok(monitor);
      assert.equal(monitor.operations, 'paddr');
      assert.equal(monitor.sampleMs, 500);
      assert.ok(monitor.cpuMs >= 30, `${monitor.cpuMs} ms of CPU counted for 60 ms spent`);
      assert.ok(monitor.wallMs > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds nothing where there is no DAMON, or its monitor has gone', () => {
    assert.deepEqual(watchMemoryMonitors(join(tmpdir(), 'istio-lab-no-such-damon')).stop(), []);
    const dir = kdamonds([{ state: 'on', pid: 0, operations: 'paddr' }]);
    try {
      assert.deepEqual(watchMemoryMonitors(dir).stop(), [], 'no pid, no thread to watch');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts a monitor in words: what it watches, how often, and its share of a core', () => {
    const monitor = { operations: 'paddr', sampleMs: 500, cpuMs: 600, wallMs: 20_000 };
    assert.equal(msPerSample(monitor), 15);
    assert.equal(
      describeMonitor(monitor),
      'DAMON (kdamond) on all physical memory, waking every 500 ms: 3.0% of a core while the ' +
        'terminals were measured, 15 ms a wake',
    );
    assert.equal(msPerSample({ ...monitor, sampleMs: 0 }), 0, 'no interval, no division by it');
  });
});
