/**
 * Flow control between a pty and one page (the runner's FlowControl applies it). The runner counts
 * bytes it sends; the page acknowledges bytes once xterm has rendered them, in steps of
 * `ackBytes`, which must not exceed `lowWatermark` or the pty could stay paused for ever. Above
 * `highWatermark` unacknowledged bytes the pty is paused, so the kernel stops the writer; below
 * `lowWatermark` it resumes. The window is adaptive: large while output streams, small from the
 * moment the learner types. Kept free of imports so the page's code can share it.
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
} as const;
