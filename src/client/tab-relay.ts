import type { ServerMessage } from '../lib/wire/protocol.ts';
import { bus } from './bus.ts';

/**
 * Passes the runner's `check` messages on to the book's other tabs on this origin. The runner
 * tells every attached page how a check goes and its whole verdict at the end, but a tab whose
 * terminal another tab took (one session, one page at a time) is attached to nothing: through
 * this channel it still shows the verdict on the check's own line, and counts it in its header.
 * A message that came from the channel is not sent on again, so two tabs never echo each other.
 */
export function relayChecksBetweenTabs(): void {
  if (typeof BroadcastChannel !== 'function') return;
  const channel = new BroadcastChannel('istio-lab.checks');
  let fromChannel = false;
  channel.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = event.data;
    if (typeof message !== 'object' || message === null) return;
    if (!('type' in message) || message.type !== 'check') return;
    fromChannel = true;
    try {
      bus.emit('message', message as ServerMessage);
    } finally {
      fromChannel = false;
    }
  });
  bus.on('message', (message) => {
    if (!fromChannel && message.type === 'check') channel.postMessage(message);
  });
}
