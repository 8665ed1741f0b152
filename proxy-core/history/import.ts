// The one-time import of the app's usage.json day totals into `imported_days`, so the months
// before history existed still show in dayTotals. A `meta` row records that it happened.

import type { DatabaseSync } from 'node:sqlite';
import type { UsageSnapshot, UsageTally } from '../../shared/usage.js';
import { isDay, isDayTotals, isFields } from './fields.js';
import { inTransaction } from './transaction.js';

const IMPORTED_KEY = 'usage_imported_at';

export interface ImportResult {
  /** False when an import had already happened (nothing was done this time). */
  readonly imported: boolean;
  /** Days taken in. */
  readonly days: number;
  /**
   * Days left out: days requests already has counted usage for (usage.json counted them too, so
   * taking them would count them twice), and days whose key is not a date.
   */
  readonly skipped: number;
}

/** A UsageSnapshot from a message, or undefined; days whose totals are malformed are left out. */
export function parseUsageSnapshot(value: unknown): UsageSnapshot | undefined {
  if (!isFields(value) || value['version'] !== 1 || !isFields(value['days'])) return undefined;
  const days: UsageSnapshot['days'] = {};
  for (const [day, totals] of Object.entries(value['days'])) {
    if (isDayTotals(totals)) days[day] = totals;
  }
  return { version: 1, days };
}

/**
 * Imports `snapshot`'s days once, in one transaction: each schema and model tally becomes an
 * `imported_days` row. Called before the first batch is written, every day is taken; see
 * ImportResult.skipped for the days that are not.
 */
export function importUsage(db: DatabaseSync, snapshot: UsageSnapshot, time: number): ImportResult {
  return inTransaction(db, () => {
    const done = db.prepare('SELECT value FROM meta WHERE key = ?').get(IMPORTED_KEY);
    if (done !== undefined) return { imported: false, days: 0, skipped: 0 };
    const counted = db.prepare(
      'SELECT 1 FROM requests WHERE day = ? AND usage_kind IS NOT NULL LIMIT 1',
    );
    const insert = db.prepare(
      `INSERT OR REPLACE INTO imported_days (day, kind, key, requests, input, output, cache_read,
        cache_write, unknown, unparsed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const add = (day: string, kind: 'schema' | 'model', key: string, tally: UsageTally): void => {
      const { requests, input, output, cacheRead, cacheWrite, unknown, unparsed } = tally;
      insert.run(day, kind, key, requests, input, output, cacheRead, cacheWrite, unknown, unparsed);
    };
    let days = 0;
    let skipped = 0;
    for (const [day, totals] of Object.entries(snapshot.days)) {
      if (!isDay(day) || counted.get(day) !== undefined) {
        skipped++;
        continue;
      }
      days++;
      for (const [schema, tally] of Object.entries(totals.schemas))
        add(day, 'schema', schema, tally);
      for (const [model, tally] of Object.entries(totals.models)) add(day, 'model', model, tally);
    }
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(
      IMPORTED_KEY,
      new Date(time).toISOString(),
    );
    return { imported: true, days, skipped };
  });
}
