// The last 15 minutes as one-minute buckets per key, sliding with the clock: what the request-rate
// (rate.ts) and token-rate (token-rate.ts) charts count into. Memory and work are fixed, 15
// numbers a key, whatever the history.

/** How many one-minute buckets a window holds: the charts' width. */
export const WINDOW_MINUTES = 15;
const MINUTE_MS = 60_000;

export interface MinuteWindow<K> {
  /** Moves the newest bucket to the minute of `time` (ms), emptying the minutes passed over. */
  slide(time: number): void;
  /** Adds `count` to `key` in the minute of `time`, if that minute is in the window. */
  addAt(key: K, time: number, count: number): void;
  /** Adds `count` to `key` in the newest minute. */
  add(key: K, count: number): void;
  /** `key`'s counts, oldest first; the last is the newest minute. */
  series(key: K): readonly number[];
}

/** An empty window for `keys`; nothing is placed by time until the first slide. */
export function createMinuteWindow<K>(keys: readonly K[]): MinuteWindow<K> {
  const buckets = new Map(keys.map((key) => [key, new Array<number>(WINDOW_MINUTES).fill(0)]));
  // The minute (ms / 60 000) of the newest bucket, once a slide has set it.
  let newest: number | null = null;

  const addAtIndex = (key: K, index: number, count: number): void => {
    const series = buckets.get(key);
    if (series === undefined || count <= 0 || index < 0 || index >= WINDOW_MINUTES) return;
    series[index] = (series[index] ?? 0) + count;
  };

  return {
    slide(time) {
      const minute = Math.floor(time / MINUTE_MS);
      // A clock set back keeps counting into the newest minute rather than rewriting history.
      if (newest !== null && minute <= newest) return;
      const shift = newest === null ? 0 : Math.min(minute - newest, WINDOW_MINUTES);
      for (const series of buckets.values()) {
        series.splice(0, shift);
        for (let i = 0; i < shift; i++) series.push(0);
      }
      newest = minute;
    },
    addAt(key, time, count) {
      if (newest === null) return;
      addAtIndex(key, WINDOW_MINUTES - 1 - (newest - Math.floor(time / MINUTE_MS)), count);
    },
    add(key, count) {
      addAtIndex(key, WINDOW_MINUTES - 1, count);
    },
    series: (key) => buckets.get(key) ?? [],
  };
}
