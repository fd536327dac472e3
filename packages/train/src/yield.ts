/**
 * Resolves on a later turn of the event loop (a macrotask), so that timers, I/O and signal handlers
 * (Ctrl-C) run during a long computation; `await` of a promise alone only runs microtasks.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate?.(resolve));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      (ch.port1 as unknown as { onmessage: () => void }).onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
