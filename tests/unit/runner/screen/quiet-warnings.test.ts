import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { muteDeadlineWarnings } from '../../../../runner/screen/quiet-warnings.js';

describe("xterm's deadline warning in the runner", () => {
  it('is not printed; every other warning is', () => {
    const printed: unknown[][] = [];
    const target = { warn: (...args: unknown[]) => void printed.push(args) };
    const restore = muteDeadlineWarnings(target);
    target.warn('task queue exceeded allotted deadline by 37ms');
    target.warn('something else', 1);
    assert.deepEqual(printed, [['something else', 1]]);
    restore();
    target.warn('task queue exceeded allotted deadline by 37ms');
    assert.equal(printed.length, 2);
  });

  it("is muted in the screens' worker, where the headless terminals run", () => {
    const worker = readFileSync(
      new URL('../../../../runner/screen/worker.js', import.meta.url),
      'utf8',
    );
    assert.match(worker, /^muteDeadlineWarnings\(\);$/m);
  });
});
