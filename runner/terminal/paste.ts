/**
 * Turns a lab cell's text into bytes for a bracketed paste. Everything that could let the text
 * act as keystrokes is removed first: ESC (so no ESC[201~ can end the paste early and run the
 * rest line by line), 8-bit C1 controls (0x9b is a one-byte CSI), and other C0 controls except
 * tab and newline. Lab text is ours, but a cell may be edited by anyone with the repository.
 */
export function sanitizeForPaste(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/g, '');
}

const begin = '\x1b[200~';
const end = '\x1b[201~';

/**
 * What the runner writes to the shell to run a cell: clear any half-typed line (Ctrl-E, Ctrl-U),
 * the bracketed paste, then Enter. Readline inserts pasted newlines without running them, so a
 * multi-line cell or a heredoc arrives whole and runs as one command line.
 */
export function pasteCommand(text: string): string {
  const body = sanitizeForPaste(text).replace(/\n+$/, '');
  return `\x05\x15${begin}${body}${end}\r`;
}
