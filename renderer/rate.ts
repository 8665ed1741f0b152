// Requests per minute over the last 15 minutes, per schema. Stats carry running totals only, so
// each snapshot's increase over the previous one is added to the minute of the state's time.
// Memory and work per snapshot are fixed (15 buckets per schema), whatever the total history.

import { SCHEMAS, type SchemaId } from '../shared/schemas.js';
import type { StatsSnapshot } from '../shared/snapshot.js';

/** How many one-minute buckets the chart shows. */
export const WINDOW_MINUTES = 15;
const MINUTE_MS = 60_000;

export interface RateHistory {
  /** Counts what `stats` added since the last snapshot into the minute of `time` (ms). */
  observe(time: number, stats: Pick<StatsSnapshot, 'requests' | 'uptimeMs' | 'recent'>): void;
  /** Slides the window to the minute of `time` with nothing counted: the clock moved on. */
  advance(time: number): void;
  /** Requests per minute for `schema`, oldest first; the last is the current minute. */
  series(schema: SchemaId): readonly number[];
}

/** An empty history; the first snapshot seeds it from its recent requests. */
export function createRateHistory(): RateHistory {
  const buckets = new Map<SchemaId, number[]>(
    SCHEMAS.map((id) => [id, new Array<number>(WINDOW_MINUTES).fill(0)]),
  );
  // The minute (ms / 60 000) of the last bucket, once a snapshot or a tick has set it.
  let newest: number | null = null;
  let last: { requests: Record<SchemaId, number>; uptimeMs: number } | null = null;

  const slide = (time: number): void => {
    const minute = Math.floor(time / MINUTE_MS);
    // A clock set back keeps counting into the newest minute rather than rewriting history.
    if (newest !== null && minute <= newest) return;
    const shift = newest === null ? 0 : Math.min(minute - newest, WINDOW_MINUTES);
    for (const series of buckets.values()) {
      series.splice(0, shift);
      for (let i = 0; i < shift; i++) series.push(0);
    }
    newest = minute;
  };

  const add = (schema: SchemaId, index: number, count: number): void => {
    const series = buckets.get(schema);
    if (series !== undefined && count > 0) series[index] = (series[index] ?? 0) + count;
  };

  // Requests already counted when the window opens happened at unknown times, except for the
  // ones still in `recent` (arrival times): those are placed in their minutes; the rest stay
  // out of the chart rather than landing, wrongly, in the current minute.
  const seed = (stats: Pick<StatsSnapshot, 'recent'>): void => {
    if (newest === null) return;
    for (const record of stats.recent) {
      const index = WINDOW_MINUTES - 1 - (newest - Math.floor(record.time / MINUTE_MS));
      if (index >= 0 && index < WINDOW_MINUTES) add(record.schema, index, 1);
    }
  };

  return {
    observe(time, stats) {
      slide(time);
      // Uptime going down means a new worker, whose totals started again from zero.
      const restarted = last !== null && stats.uptimeMs < last.uptimeMs;
      if (last === null) seed(stats);
      else {
        for (const id of SCHEMAS) {
          const total = stats.requests[id];
          add(id, WINDOW_MINUTES - 1, restarted ? total : total - last.requests[id]);
        }
      }
      last = { requests: { ...stats.requests }, uptimeMs: stats.uptimeMs };
    },
    advance(time) {
      slide(time);
    },
    series(schema) {
      return buckets.get(schema) ?? [];
    },
  };
}
