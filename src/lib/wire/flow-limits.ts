/**
 * Flow control between a pty and one page (the runner's FlowControl applies it). The runner counts
 * bytes it sends; the page acknowledges bytes once xterm has rendered them, in steps of
 * `ackBytes`, which must not exceed `lowWatermark` or sending could stay stopped for ever. Above
 * `highWatermark` unacknowledged bytes the runner stops sending; below `lowWatermark` it sends
 * again. The window is adaptive: large while output streams, small from the moment the learner
 * types. Output beyond the window waits in the runner, where lines the page's scrollback would
 * lose are skipped, and the pty is paused only when `backlogBytes` wait (page-stream.ts). Kept
 * free of imports so the page's code can share it.
 */
export const FlowLimits = {
  /** The window while the learner types: a key's echo, or Ctrl-C's prompt, waits behind less. */
  highWatermark: 256 << 10,
  /**
   * The window while output streams and no key has come for `typingMs`: more in flight, so the
   * page never waits for the pty between two acknowledgements.
   */
  streamingHighWatermark: 512 << 10,
  typingMs: 1000,
  lowWatermark: 32 << 10,
  ackBytes: 16 << 10,
  /**
   * Bytes that may wait in the runner for a page whose window is full, after the lines its
   * scrollback would lose are skipped (runner/terminal/page-stream.ts); above it the pty is paused.
   * It is also the most a key (Ctrl-C) can wait behind beyond the window, when nothing is skipped.
   */
  backlogBytes: 2 << 20,
  /** Lines of scrollback the dock's terminal keeps, and the runner's kept screen with it. */
  scrollback: 10_000,
} as const;
