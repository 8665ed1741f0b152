// Tokens per minute over the last 15 minutes, all schemas together. Like rate.ts for requests:
// today's running total is compared between states and the increase lands in the state's minute.
// The total drops at midnight (a new day starts from zero); what the new day counted is added.

import type { RequestRecord } from '../shared/snapshot.js';
import type { DayTotals } from '../shared/usage.js';
import { dayTokens, promptTokens } from '../shared/usage-text.js';
import { WINDOW_MINUTES } from './rate.js';

const MINUTE_MS = 60_000;

export interface TokenRate {
  /** Counts the tokens `today` added since the last state into the minute of `time` (ms). */
  observe(time: number, today: DayTotals | null, recent: readonly RequestRecord[]): void;
  /** Slides the window to the minute of `time` with nothing counted. */
  advance(time: number): void;
  /** Tokens per minute, oldest first; the last is the current minute. */
  series(): readonly number[];
}

/** An empty history; the first state seeds it from its recent requests' counted tokens. */
export function createTokenRate(): TokenRate {
  const buckets = new Array<number>(WINDOW_MINUTES).fill(0);
  let newest: number | null = null;
  let last: number | null = null;

  const slide = (time: number): void => {
    const minute = Math.floor(time / MINUTE_MS);
    if (newest !== null && minute <= newest) return;
    const shift = newest === null ? 0 : Math.min(minute - newest, WINDOW_MINUTES);
    buckets.splice(0, shift);
    for (let i = 0; i < shift; i++) buckets.push(0);
    newest = minute;
  };

  const add = (index: number, count: number): void => {
    if (count > 0 && index >= 0 && index < WINDOW_MINUTES) {
      buckets[index] = (buckets[index] ?? 0) + count;
    }
  };

  // Totals from before the window opened have no times, except the requests still in `recent`.
  const seed = (recent: readonly RequestRecord[]): void => {
    if (newest === null) return;
    for (const record of recent) {
      if (record.usage?.kind !== 'counted') continue;
      const { tokens } = record.usage;
      const index = WINDOW_MINUTES - 1 - (newest - Math.floor(record.time / MINUTE_MS));
      add(index, promptTokens(tokens) + tokens.output);
    }
  };

  return {
    observe(time, today, recent) {
      slide(time);
      const total = dayTokens(today);
      if (last === null) seed(recent);
      else add(WINDOW_MINUTES - 1, total < last ? total : total - last);
      last = total;
    },
    advance(time) {
      slide(time);
    },
    series: () => buckets,
  };
}
