// The History view's time ranges as filter bounds: today, the last 7 or 30 days (today
// included), or two chosen dates, all in local days; and the days a range's chart shows. Pure.

/** The ranges the view offers. */
export type RangeChoice = 'today' | 'week' | 'month' | 'custom';

export const RANGE_CHOICES: readonly RangeChoice[] = ['today', 'week', 'month', 'custom'];

/** A range's bounds, ms since the epoch: from `since` (inclusive) to `until` (exclusive). */
export interface Range {
  readonly since?: number;
  readonly until?: number;
}

const PRESET_DAYS: Readonly<Record<Exclude<RangeChoice, 'custom'>, number>> = {
  today: 1,
  week: 7,
  month: 30,
};

/** The most days a chart draws: history keeps 3650 days at most. */
const MAX_DAYS = 3660;

/**
 * The bounds of `choice` seen at `now`. A preset is open-ended (it runs up to now); custom runs
 * from the start of `from` to the end of `to` (`YYYY-MM-DD`, either may be '' for no bound, and
 * the two are put in order).
 */
export function toRange(choice: RangeChoice, now: number, from: string, to: string): Range {
  if (choice !== 'custom') return { since: startOfDay(now, 1 - PRESET_DAYS[choice]) };
  const first = parseDay(from);
  const last = parseDay(to);
  const [start, end] =
    first !== null && last !== null && first > last ? [last, first] : [first, last];
  return {
    ...(start === null ? {} : { since: start }),
    ...(end === null ? {} : { until: startOfDay(end, 1) }),
  };
}

/** The local midnight `offset` days from the day of `time` (DST-safe: the calendar's days). */
export function startOfDay(time: number, offset = 0): number {
  const date = new Date(time);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + offset).getTime();
}

/** The local date of `time` as history keys days, `YYYY-MM-DD`. */
export function toDayKey(time: number): string {
  const date = new Date(time);
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/** The local midnight of a `YYYY-MM-DD` day, or null for anything else. */
export function parseDay(key: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(year, month - 1, day);
  // `2025-02-30` rolls over into March: not a day.
  return date.getMonth() === month - 1 && date.getDate() === day ? date.getTime() : null;
}

/**
 * The days a chart of `range` shows, oldest first: each day from its start (or the first day
 * with data, when open) to its end (or today), so days without requests show as gaps.
 */
export function daysOf(range: Range, now: number, withData: readonly string[]): string[] {
  const known = withData.map(parseDay).filter((day) => day !== null);
  const first = range.since ?? Math.min(...known);
  const last = range.until === undefined ? Math.max(now, ...known) : range.until - 1;
  if (!Number.isFinite(first) || first > last) return [];
  const days: string[] = [];
  for (let day = startOfDay(first); day <= last && days.length < MAX_DAYS;) {
    days.push(toDayKey(day));
    day = startOfDay(day, 1);
  }
  return days;
}
