// Latest-value throttling for views fed by a fast stream of states (tray menu, dashboard): the
// first value goes out at once, later ones at most once per interval, and only the newest of a
// burst is delivered.

export interface Throttle<T> {
  push(value: T): void;
  /** Drops a pending value. */
  cancel(): void;
}

/** `deliver` returns false when it had nothing to show, which does not use up the interval. */
export function createThrottle<T>(intervalMs: number, deliver: (value: T) => boolean): Throttle<T> {
  let pending: { value: T } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastDeliveredAt = Number.NEGATIVE_INFINITY;

  const flush = (): void => {
    timer = undefined;
    if (pending === undefined) return;
    const { value } = pending;
    pending = undefined;
    if (deliver(value)) lastDeliveredAt = Date.now();
  };

  return {
    push(value) {
      pending = { value };
      if (timer !== undefined) return;
      const wait = lastDeliveredAt + intervalMs - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}
