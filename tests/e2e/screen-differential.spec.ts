import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSHandle, Page } from '@playwright/test';
import { cases } from '../screen-differential/cases.ts';
import {
  difference,
  reference,
  screenOf,
  type HeadlessTerminal,
  type Screen,
  type Step,
} from '../screen-differential/compare.ts';
import { FlowLimits } from '../../src/lib/wire/flow-limits.ts';
import { expect, test } from './fixtures.ts';

/**
 * The differential suite's cases marked `chromium` (tests/screen-differential/cases.ts), played
 * for real: the recorded bytes written by a program in the runner's shell, through the runner to
 * the book's page in Chromium, whose terminal is compared cell by cell, colours and state
 * included, with the same bytes written into a fresh headless xterm of the same size in this
 * process; live after each part, after a page reload at each of the case's reloads, and after a
 * last reload at the end. The unit suite (tests/unit/screen-differential/) plays every case, at
 * two sizes, through the runner's session to the page's stream client in Node.
 *
 * The program starts with a full reset (RIS), which leaves a terminal as a fresh one is: what the
 * shell drew before it (the prompt, the typed command) is gone from the page, and the reference
 * gets the reset too. It writes each part (the bytes between two reloads) only when this process
 * says so through a FIFO, once the page has shown the part before and reloaded, and says when it
 * has written it. While a part is written the page holds its acknowledgements back, as a page
 * that cannot keep up would, and sends them once the part is written: the runner then has a
 * flood's end waiting for the page, and skips the lines the page would lose (a case marked
 * `skips` must be sent less than it wrote), however fast this machine's Chromium draws.
 */

const chapterPath = '/en/fixture/';
/** A dock this tall (in pixels) fits more rows than the cases' scroll regions need. */
const dockHeight = 460;
/** A flood through a real runner into a page on a shared machine can take a while. */
const shownWithin = 120_000;

test.use({ viewport: { width: 900, height: 900 } });

/** The page's side of the test: its terminal socket's acknowledgements held back, bytes counted. */
interface Differential {
  /** Binary bytes the terminal's socket received since the last hold. */
  received: number;
  /** Holds acknowledgements back from now on. */
  hold(): void;
  /** Sends the ones held back, and those that come after at once. */
  release(): void;
}

function installDifferential(): void {
  const held: Array<() => void> = [];
  let holding = false;
  const differential: Differential = {
    received: 0,
    hold: () => {
      holding = true;
      differential.received = 0;
    },
    release: () => {
      holding = false;
      for (const send of held.splice(0)) send();
    },
  };
  (window as unknown as { differential: Differential }).differential = differential;
  window.WebSocket = class extends window.WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.addEventListener('message', (event: MessageEvent<unknown>) => {
        if (event.data instanceof ArrayBuffer) differential.received += event.data.byteLength;
      });
    }
    override send(data: Parameters<WebSocket['send']>[0]): void {
      if (
        holding &&
        typeof data === 'string' &&
        (JSON.parse(data) as { type?: unknown }).type === 'ack'
      )
        held.push(() => super.send(data));
      else super.send(data);
    }
  };
}

/** The page's terminal's screen, or why there is none yet. */
async function pageScreen(page: Page): Promise<Screen | string> {
  const handle = (await page
    .locator('lab-dock')
    .evaluateHandle((dock) => (dock as HTMLElement & { terminal?: unknown }).terminal)) as JSHandle<
    HeadlessTerminal | undefined
  >;
  try {
    if (!(await handle.evaluate((terminal) => terminal !== undefined)))
      return 'the dock has no terminal';
    return await (handle as JSHandle<HeadlessTerminal>).evaluate(screenOf);
  } finally {
    await handle.dispose();
  }
}

/** Waits until the page shows the screen of `steps` written into a fresh terminal of `size`. */
async function expectScreen(
  page: Page,
  steps: readonly Step[],
  size: { cols: number; rows: number },
  what: string,
): Promise<void> {
  const terminal = await reference(steps, size);
  const expected = screenOf(terminal);
  terminal.dispose();
  await expect
    .poll(
      async () => {
        const screen = await pageScreen(page);
        return typeof screen === 'string' ? screen : difference(screen, expected);
      },
      { message: `the page's screen ${what} equals the reference`, timeout: shownWithin },
    )
    .toBeUndefined();
}

for (const { name, steps: make, skips } of cases.filter((each) => each.chromium))
  test(`the page's screen equals the reference in Chromium: ${name}`, async ({
    page,
    runner,
    chapter,
  }) => {
    test.setTimeout(300_000);
    await page.addInitScript(
      (height) => localStorage.setItem('istio-lab.dock.height', String(height)),
      dockHeight,
    );
    await page.addInitScript(installDifferential);
    await runner.signIn(page, chapterPath);
    const status = page.locator('lab-dock .lab-dock-status');
    await expect(status).toHaveText('Connected');
    const size = await page.locator('lab-dock').evaluate((dock) => {
      const terminal = (dock as HTMLElement & { terminal?: { cols: number; rows: number } })
        .terminal;
      return { cols: terminal?.cols ?? 0, rows: terminal?.rows ?? 0 };
    });
    expect(size.rows, 'the dock has room for the scroll regions').toBeGreaterThanOrEqual(16);

    // The reset that clears what the shell drew, then the case; its parts between reloads.
    const steps: Step[] = [{ bytes: Buffer.from('\x1bc') }, ...make(size)];
    // Each part: its bytes, and the steps before it and to its end (reference() skips reloads).
    const parts: Array<{ bytes: Buffer[]; start: number; end: number }> = [
      { bytes: [], start: 0, end: 0 },
    ];
    for (const [index, step] of steps.entries()) {
      const part = parts.at(-1)!;
      if ('bytes' in step) {
        part.bytes.push(step.bytes);
        part.end = index + 1;
      } else if ('reload' in step) parts.push({ bytes: [], start: index + 1, end: index + 1 });
      else throw new Error(`${name}: a step this test cannot play (${Object.keys(step)[0]})`);
    }
    // Past the page's window and the runner's backlog, the pty would wait for acknowledgements
    // that the page holds back until the part is written.
    for (const part of parts)
      expect(
        Buffer.concat(part.bytes).length,
        'a part fits in what the runner takes while the page holds its acknowledgements back',
      ).toBeLessThan(FlowLimits.highWatermark + FlowLimits.backlogBytes);

    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-differential-'));
    try {
      const go = join(dir, 'go');
      execFileSync('mkfifo', [go]);
      const partFile = (index: number) => join(dir, `part-${String(index).padStart(3, '0')}`);
      for (const [index, part] of parts.entries())
        writeFileSync(partFile(index), Buffer.concat(part.bytes));
      // Raw output (no CR added before LF) and no echo; each part waits for its go. A read that
      // opens the FIFO while the test still holds it open from the last go gets only its end of
      // file, and so reads again: only a go written for this part lets it through.
      writeFileSync(
        join(dir, 'play'),
        [
          'stty raw -echo',
          `for part in '${dir}'/part-???; do`,
          `  word=; until [ "$word" = go ]; do read -r word < '${dir}/go' || word=; done`,
          '  cat "$part"',
          '  : > "$part.written"',
          'done',
          'exec sleep infinity',
          '',
        ].join('\n'),
      );
      await chapter.typeInTerminal(`sh '${join(dir, 'play')}'`);
      // Bytes the program wrote, and the bytes the page was sent while it wrote them.
      let written = 0;
      let sent = 0;

      for (const [index, part] of parts.entries()) {
        if (index > 0) {
          // The case reloads here: the page that comes back restores the screen from the runner.
          await page.reload();
          await expect(status).toHaveText('Connected');
          await expectScreen(
            page,
            steps.slice(0, part.start),
            size,
            `restored after part ${index}`,
          );
        }
        await page.evaluate(() =>
          (window as unknown as { differential: Differential }).differential.hold(),
        );
        await writeFile(go, 'go\n');
        await expect
          .poll(() => existsSync(`${partFile(index)}.written`), {
            message: `part ${index + 1} is written`,
            timeout: shownWithin,
          })
          .toBe(true);
        await page.evaluate(() =>
          (window as unknown as { differential: Differential }).differential.release(),
        );
        await expectScreen(page, steps.slice(0, part.end), size, `live after part ${index + 1}`);
        written += Buffer.concat(part.bytes).length;
        sent += await page.evaluate(
          () => (window as unknown as { differential: Differential }).differential.received,
        );
      }
      if (skips) expect(sent, 'the runner skipped some of the flood').toBeLessThan(written);
      await page.reload();
      await expect(status).toHaveText('Connected');
      await expectScreen(page, steps, size, 'restored at the end');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
