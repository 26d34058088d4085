/**
 * Flow control between a pty and one page (the runner's FlowControl applies it). The runner counts
 * bytes it sends; the page acknowledges bytes once xterm has rendered them, in steps of
 * `ackBytes`, which must not exceed `lowWatermark` or the pty could stay paused for ever. Above
 * `highWatermark` unacknowledged bytes the pty is paused, so the kernel stops the writer; below
 * `lowWatermark` it resumes. Kept free of imports so the page's code can share it.
 */
export const FlowLimits = {
  highWatermark: 256 << 10,
  lowWatermark: 32 << 10,
  ackBytes: 16 << 10,
} as const;
