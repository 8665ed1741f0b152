// Tokens per minute over the last 15 minutes, all schemas together. Like rate.ts for requests:
// today's running total is compared between states and the increase lands in the state's minute.
// The total drops at midnight (a new day starts from zero); what the new day counted is added.

import type { RequestRecord } from '../shared/snapshot.js';
import type { DayTotals } from '../shared/usage.js';
import { dayTokens, promptTokens } from '../shared/usage-text.js';
import { createMinuteWindow } from './minutes.js';

export interface TokenRate {
  /** Counts the tokens `today` added since the last state into the minute of `time` (ms). */
  observe(time: number, today: DayTotals | null, recent: readonly RequestRecord[]): void;
  /** Slides the window to the minute of `time` with nothing counted. */
  advance(time: number): void;
  /** Tokens per minute, oldest first; the last is the current minute. */
  series(): readonly number[];
}

const ALL = 'all';

/** An empty history; the first state seeds it from its recent requests' counted tokens. */
export function createTokenRate(): TokenRate {
  const minutes = createMinuteWindow([ALL]);
  let last: number | null = null;

  return {
    observe(time, today, recent) {
      minutes.slide(time);
      const total = dayTokens(today);
      if (last === null) {
        // Totals from before the window opened have no times, except the requests in `recent`.
        for (const record of recent) {
          if (record.usage?.kind !== 'counted') continue;
          const { tokens } = record.usage;
          minutes.addAt(ALL, record.time, promptTokens(tokens) + tokens.output);
        }
      } else {
        minutes.add(ALL, total < last ? total : total - last);
      }
      last = total;
    },
    advance(time) {
      minutes.slide(time);
    },
    series: () => minutes.series(ALL),
  };
}
