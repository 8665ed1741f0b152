// Requests per minute over the last 15 minutes, per schema. Stats carry running totals only, so
// each snapshot's increase over the previous one is added to the minute of the state's time.

import { SCHEMAS, type SchemaId } from '../shared/schemas.js';
import type { StatsSnapshot } from '../shared/snapshot.js';
import { createMinuteWindow } from './minutes.js';

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
  const minutes = createMinuteWindow(SCHEMAS);
  let last: { requests: Record<SchemaId, number>; uptimeMs: number } | null = null;

  return {
    observe(time, stats) {
      minutes.slide(time);
      // Uptime going down means a new worker, whose totals started again from zero.
      const restarted = last !== null && stats.uptimeMs < last.uptimeMs;
      if (last === null) {
        // Requests already counted when the window opens happened at unknown times, except for
        // the ones still in `recent` (arrival times): those are placed in their minutes; the
        // rest stay out of the chart rather than landing, wrongly, in the current minute.
        for (const record of stats.recent) minutes.addAt(record.schema, record.time, 1);
      } else {
        for (const id of SCHEMAS) {
          const total = stats.requests[id];
          minutes.add(id, restarted ? total : total - last.requests[id]);
        }
      }
      last = { requests: { ...stats.requests }, uptimeMs: stats.uptimeMs };
    },
    advance(time) {
      minutes.slide(time);
    },
    series: (schema) => minutes.series(schema),
  };
}
