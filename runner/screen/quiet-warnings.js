// @ts-check
// xterm's idle task queue writes `task queue exceeded allotted deadline by 25ms` with console.warn
// when one of its tasks (a reflow, a serialization) ran past the browser-style deadline it gives
// itself. In the runner's headless terminals that is no problem to report: it is noise in the
// learner's window, printed among the runner's own messages. Every other warning still shows.

const deadlineWarning = /^task queue exceeded allotted deadline/;

/**
 * Keeps `target.warn` (the console by default) from printing xterm's deadline warning; returns a
 * function that puts the original back.
 * @param {{ warn: (...args: unknown[]) => void }} target
 * @returns {() => void}
 */
export function muteDeadlineWarnings(target = console) {
  const warn = target.warn;
  target.warn = (...args) => {
    if (typeof args[0] === 'string' && deadlineWarning.test(args[0])) return;
    warn.apply(target, args);
  };
  return () => {
    target.warn = warn;
  };
}
