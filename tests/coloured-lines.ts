/**
 * The coloured output that the screen tests and the memory bench write to a kept screen: lines
 * whose colours and attributes change mid-line, so that a serialization carries escape sequences.
 */

/** A numbered line in one of eight colours, part of it bold, 96 columns wide. */
export const colouredLine = (i: number): string =>
  `\x1b[3${i % 8}m${String(i).padStart(6)} \x1b[1mcoloured\x1b[0m ${'x'.repeat(80)}\r\n`;

/** Writes 12,000 coloured lines to `screen`, in writes of 1,000: a full scrollback of 10,000. */
export function fillColoured(screen: { write(data: Buffer): void }): void {
  for (let chunk = 0; chunk < 12; chunk++)
    screen.write(
      Buffer.from(Array.from({ length: 1000 }, (_, k) => colouredLine(chunk * 1000 + k)).join('')),
    );
}
