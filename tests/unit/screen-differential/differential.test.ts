import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cases } from '../../screen-differential/cases.ts';
import { difference, reference, type HeadlessTerminal } from '../../screen-differential/compare.ts';
import { Pipeline } from './pipeline.ts';

/**
 * Recorded output through the runner to the page's stream client, against the same bytes written
 * straight into a fresh headless xterm of the same size: the page's whole buffer while it streams,
 * and the buffer of a page that reloads at each reload step and at the end, cell by cell, with
 * colours and the terminal state a program relies on (tests/screen-differential/compare.ts).
 */

const sizes = [
  { cols: 80, rows: 24 },
  { cols: 57, rows: 13 },
];

function expectSame(actual: HeadlessTerminal, expected: HeadlessTerminal, what: string) {
  const differs = difference(actual, expected);
  expected.dispose();
  assert.equal(differs, undefined, `${what}: ${differs}`);
}

for (const size of sizes)
  describe(`the screen a page shows, ${size.cols}×${size.rows}, equals the reference`, () => {
    for (const { name, steps: make, skips } of cases)
      it(name, async () => {
        const steps = make(size);
        const pipeline = await Pipeline.start(size);
        try {
          await pipeline.play(steps, async (page, after) => {
            expectSame(
              page.terminal,
              await reference(steps.slice(0, after), size),
              `restored after step ${after}`,
            );
          });
          const expected = await reference(steps, size);
          expectSame(pipeline.page.terminal, expected, 'live');
          if (skips)
            assert.ok(
              pipeline.sent < pipeline.read,
              `the pages were sent ${pipeline.sent} bytes of ${pipeline.read}: nothing was skipped`,
            );
          const restored = await pipeline.reload();
          expectSame(restored.terminal, await reference(steps, size), 'restored at the end');
        } finally {
          pipeline.dispose();
        }
      });
  });
