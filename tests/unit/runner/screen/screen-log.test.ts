import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger, type LogLevel } from '../../../../runner/log.ts';
import { Screen, ScreenHost, ScreenLimits } from '../../../../runner/screen/host.ts';
import { lines } from '../../support/streams.ts';

/** A kept screen of its own host, with its log lines kept. */
function screen(level: LogLevel) {
  const logged: string[] = [];
  const log = new Logger({ level, sink: (_level, line) => logged.push(line) });
  const kept = new Screen(
    { cols: 80, rows: 24, scrollback: 100 },
    { pause: () => {}, resume: () => {} },
    new ScreenHost(),
    log.child({ session: 'main' }),
  );
  return { kept, logged };
}

/** Plain lines enough to reach the size at which the screen compacts what waits. */
const flood = Buffer.from(
  lines(Math.ceil(ScreenLimits.compactBytes / 80) + 1, (i) => `${'s'.repeat(77)}${i % 10}\r\n`),
);

describe("the kept screen's log", () => {
  it('at trace, says what compaction skipped', () => {
    const { kept, logged } = screen('trace');
    kept.write(flood);
    assert.ok(kept.skipped > 0);
    assert.deepEqual(
      logged.filter((line) => line.startsWith('trace kept screen skips')),
      [
        `trace kept screen skips lines out of reach session=main skipped=${kept.skipped} waiting=${flood.length - kept.skipped}`,
      ],
    );
    kept.dispose();
  });

  it('at info, says nothing of it', () => {
    const { kept, logged } = screen('info');
    kept.write(flood);
    assert.ok(kept.skipped > 0);
    assert.deepEqual(logged, []);
    kept.dispose();
  });
});
