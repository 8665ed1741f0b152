// Sums over the stored requests: per day and per model for a filtered view, and the app's daily
// token totals in shared/usage.ts's DayTotals shape, imported usage.json days added in.

import type { DatabaseSync, SQLInputValue, SQLOutputValue } from 'node:sqlite';
import type { SchemaId } from '../../shared/schemas.js';
import { TALLY_KEYS, type DayTotals, type UsageTally } from '../../shared/usage.js';
import { MAX_MODELS_PER_DAY } from '../usage/totals.js';
import { isSchemaId } from './fields.js';
import type { HistoryTotals, TotalsEntry } from '../../shared/history.js';
import { isCoveredBySums, toDayBounds, toWhere, type HistoryFilter } from './filter.js';

export type { HistoryTotals, TotalsEntry } from '../../shared/history.js';

type Row = Record<string, SQLOutputValue>;

function count(row: Row, key: string): number {
  const value = row[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function text(row: Row, key: string): string {
  const value = row[key];
  return typeof value === 'string' ? value : '';
}

interface Sum {
  requests: number;
  errors: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cost: number | null;
}

function sumOf(row: Row): Sum {
  const cost = row['cost'];
  return {
    requests: count(row, 'requests'),
    errors: count(row, 'errors'),
    input: count(row, 'input'),
    output: count(row, 'output'),
    cacheRead: count(row, 'cacheRead'),
    cacheWrite: count(row, 'cacheWrite'),
    cost: typeof cost === 'number' ? cost : null,
  };
}

function addSum(sums: Map<string, Sum>, key: string, from: Sum): void {
  const into = sums.get(key);
  if (into === undefined) {
    sums.set(key, { ...from });
    return;
  }
  into.requests += from.requests;
  into.errors += from.errors;
  into.input += from.input;
  into.output += from.output;
  into.cacheRead += from.cacheRead;
  into.cacheWrite += from.cacheWrite;
  if (from.cost !== null) into.cost = (into.cost ?? 0) + from.cost;
}

// Most requests first; ties by name, so the order does not depend on the query plan.
function byRequests([a, x]: [string, Sum], [b, y]: [string, Sum]): number {
  return y.requests - x.requests || (a < b ? -1 : a > b ? 1 : 0);
}

function toEntry(key: string, sum: Sum): TotalsEntry {
  const tokens = sum.input + sum.output + sum.cacheRead + sum.cacheWrite;
  return { key, ...sum, tokens };
}

/**
 * Per day and per model sums of the requests `filter` matches (its limit and cursor unused);
 * models past MAX_MODELS_PER_DAY (the fewest requests first) are folded into `''`.
 */
export function totalsOf(db: DatabaseSync, filter: HistoryFilter): HistoryTotals {
  const where = toWhere(filter, false);
  const bounds = toDayBounds(filter);
  // The planner would take the time index and read every row; the covering index reads none.
  const index = isCoveredBySums(filter) ? 'INDEXED BY requests_day_model' : '';
  const rows = db
    .prepare(
      `SELECT day, model, count(*) AS requests, sum(status >= 400 OR complete = 0) AS errors,
        total(input) AS input, total(output) AS output, total(cache_read) AS cacheRead,
        total(cache_write) AS cacheWrite, sum(cost) AS cost
      FROM requests ${index} WHERE ${where.sql} AND ${bounds.sql} GROUP BY day, model`,
    )
    .all(...where.params, ...bounds.params);
  const days = new Map<string, Sum>();
  const models = new Map<string, Sum>();
  for (const row of rows) {
    const sum = sumOf(row);
    addSum(days, text(row, 'day'), sum);
    addSum(models, text(row, 'model'), sum);
  }
  const byModel = [...models].sort(byRequests);
  const kept = new Map<string, Sum>();
  byModel.forEach(([model, sum], index) => {
    addSum(kept, index < MAX_MODELS_PER_DAY - 1 ? model : '', sum);
  });
  return {
    days: [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, sum]) => toEntry(key, sum)),
    models: [...kept].sort(byRequests).map(([key, sum]) => toEntry(key, sum)),
  };
}

const DAY_SUMS = `SELECT day, model, schema, count(*) AS requests, total(input) AS input,
    total(output) AS output, total(cache_read) AS cacheRead, total(cache_write) AS cacheWrite,
    sum(usage_kind = 'unknown') AS unknown, sum(usage_kind = 'unparsed') AS unparsed
  FROM requests INDEXED BY requests_day_model
  WHERE day >= ? AND usage_kind IS NOT NULL GROUP BY day, model, schema`;

const IMPORTED_SUMS = `SELECT day, kind, key, requests, input, output, cache_read AS cacheRead,
    cache_write AS cacheWrite, unknown, unparsed
  FROM imported_days WHERE day >= ?`;

function tallyOf(row: Row): UsageTally {
  const tally = emptyTally();
  for (const key of TALLY_KEYS) tally[key] = count(row, key);
  return tally;
}

function emptyTally(): UsageTally {
  return { requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, unknown: 0, unparsed: 0 };
}

function addInto<K extends string>(
  record: Partial<Record<K, UsageTally>>,
  key: K,
  tally: UsageTally,
): void {
  const into = (record[key] ??= emptyTally());
  for (const field of TALLY_KEYS) into[field] += tally[field];
}

/**
 * Token totals per local day from `sinceDay` on, in the shape the worker's UsageTotals has: only
 * requests whose usage was read count, as there. Imported days are added in; models past
 * MAX_MODELS_PER_DAY in a day (the fewest requests first) are folded into `''`.
 */
export function dayTotalsOf(db: DatabaseSync, sinceDay: string): Record<string, DayTotals> {
  const days: Record<string, DayTotals> = {};
  const dayOf = (day: string): DayTotals => (days[day] ??= { schemas: {}, models: {} });
  const add = (sql: string, params: SQLInputValue[], each: (row: Row) => void): void => {
    for (const row of db.prepare(sql).all(...params)) each(row);
  };
  add(DAY_SUMS, [sinceDay], (row) => {
    const totals = dayOf(text(row, 'day'));
    const tally = tallyOf(row);
    const schema = row['schema'];
    if (isSchemaId(schema)) addInto<SchemaId>(totals.schemas, schema, tally);
    addInto(totals.models, text(row, 'model'), tally);
  });
  add(IMPORTED_SUMS, [sinceDay], (row) => {
    const totals = dayOf(text(row, 'day'));
    const key = text(row, 'key');
    if (row['kind'] === 'model') addInto(totals.models, key, tallyOf(row));
    else if (isSchemaId(key)) addInto<SchemaId>(totals.schemas, key, tallyOf(row));
  });
  for (const totals of Object.values(days)) totals.models = capModels(totals.models);
  return Object.fromEntries(Object.entries(days).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function capModels(models: Record<string, UsageTally>): Record<string, UsageTally> {
  const entries = Object.entries(models);
  if (entries.length <= MAX_MODELS_PER_DAY) return models;
  entries.sort(([, a], [, b]) => b.requests - a.requests);
  const capped: Record<string, UsageTally> = {};
  entries.forEach(([model, tally], index) => {
    addInto(capped, index < MAX_MODELS_PER_DAY - 1 ? model : '', tally);
  });
  return capped;
}
