/**
 * Calls `callback` in a task of its own once the next frame has been drawn, or after
 * `fallbackMs` if no frame comes first: a page in a background tab draws none.
 */
export function afterNextFrame(callback: () => void, fallbackMs = 100): void {
  let called = false;
  const call = () => {
    if (called) return;
    called = true;
    clearTimeout(fallback);
    setTimeout(callback, 0);
  };
  const fallback = setTimeout(call, fallbackMs);
  requestAnimationFrame(call);
}
