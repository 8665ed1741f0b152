// Running token totals per local day, per family and per model: fed one outcome per response,
// snapshotted as plain JSON for persistence, reloaded from untrusted JSON and pruned by age.

import { SCHEMAS, type SchemaId } from '../http/schema.js';
import {
  TALLY_KEYS,
  type DayTotals,
  type UsageOutcome,
  type UsageSnapshot,
  type UsageTally,
} from '../../shared/usage.js';
import { isObject, toCount } from './outcome.js';

export type { DayTotals, UsageSnapshot, UsageTally } from '../../shared/usage.js';

/** Days kept by default when pruning: a month and a day of slack. */
export const DEFAULT_KEEP_DAYS = 31;

/** Distinct models per day beyond which new names are added under `''` (hostile upstreams). */
export const MAX_MODELS_PER_DAY = 256;

const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;

/** The local calendar date of `date` as `YYYY-MM-DD`. */
export function dayKey(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${String(date.getFullYear()).padStart(4, '0')}-${month}-${day}`;
}

/** The oldest day key kept when `keep` days ending at `today` are kept. */
export function firstKeptDay(today: Date, keep: number): string {
  return dayKey(new Date(today.getFullYear(), today.getMonth(), today.getDate() - (keep - 1)));
}

function emptyTally(): UsageTally {
  return { requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, unknown: 0, unparsed: 0 };
}

function addTally(into: UsageTally, from: UsageTally): void {
  for (const key of TALLY_KEYS) into[key] += from[key];
}

function tallyOf(outcome: UsageOutcome): UsageTally {
  const tally = emptyTally();
  tally.requests = 1;
  switch (outcome.kind) {
    case 'counted':
      tally.input = outcome.tokens.input;
      tally.output = outcome.tokens.output;
      tally.cacheRead = outcome.tokens.cacheRead;
      tally.cacheWrite = outcome.tokens.cacheWrite;
      break;
    case 'unknown':
      tally.unknown = 1;
      break;
    case 'unparsed':
      tally.unparsed = 1;
      break;
  }
  return tally;
}

/** A tally from untrusted JSON: every field a non-negative safe integer, or undefined. */
function toTally(value: unknown): UsageTally | undefined {
  if (!isObject(value)) return undefined;
  const tally = emptyTally();
  for (const key of TALLY_KEYS) {
    const count = toCount(value[key]);
    if (count === undefined) return undefined;
    tally[key] = count;
  }
  return tally;
}

function isSchemaId(value: string): value is SchemaId {
  return (SCHEMAS as readonly string[]).includes(value);
}

/** Token and request totals; plain data in memory, no I/O. */
export class UsageTotals {
  #days = new Map<
    string,
    { schemas: Map<SchemaId, UsageTally>; models: Map<string, UsageTally> }
  >();

  /** Adds one response's outcome to `day` (from {@link dayKey}). */
  add(schema: SchemaId, outcome: UsageOutcome, day: string): void {
    this.#addTally(day, schema, outcome.model, tallyOf(outcome));
  }

  /** A deep copy as plain JSON-able data, days in ascending order. */
  snapshot(): UsageSnapshot {
    const days: Record<string, DayTotals> = {};
    for (const day of [...this.#days.keys()].sort()) {
      const totals = this.#days.get(day);
      if (totals === undefined) continue;
      const schemas: Partial<Record<SchemaId, UsageTally>> = {};
      for (const [schema, tally] of totals.schemas) schemas[schema] = { ...tally };
      const models: Record<string, UsageTally> = {};
      for (const [model, tally] of totals.models) models[model] = { ...tally };
      days[day] = { schemas, models };
    }
    return { version: 1, days };
  }

  /**
   * Adds a persisted snapshot (untrusted JSON) to these totals. Malformed parts are skipped: a
   * day with a bad key, an unknown family, a tally with a missing or non-count field. Returns
   * the number of tallies skipped (0 for a clean snapshot); a non-snapshot skips everything.
   */
  merge(snapshot: unknown): number {
    if (!isObject(snapshot) || snapshot['version'] !== 1 || !isObject(snapshot['days'])) return 1;
    let skipped = 0;
    for (const [day, totals] of Object.entries(snapshot['days'])) {
      if (!DAY_KEY.test(day) || !isObject(totals)) {
        skipped++;
        continue;
      }
      skipped += this.#mergeDay(day, totals);
    }
    return skipped;
  }

  /** Drops days older than the `keep` days ending at `today` (local dates; future days stay). */
  prune(today: Date, keep: number = DEFAULT_KEEP_DAYS): void {
    const cutoff = firstKeptDay(today, keep);
    for (const day of [...this.#days.keys()]) {
      if (day < cutoff) this.#days.delete(day);
    }
  }

  #mergeDay(day: string, totals: Readonly<Record<string, unknown>>): number {
    let skipped = 0;
    const schemas = isObject(totals['schemas']) ? totals['schemas'] : {};
    const models = isObject(totals['models']) ? totals['models'] : {};
    for (const [schema, value] of Object.entries(schemas)) {
      const tally = toTally(value);
      if (tally === undefined || !isSchemaId(schema)) skipped++;
      else this.#addTally(day, schema, undefined, tally);
    }
    for (const [model, value] of Object.entries(models)) {
      const tally = toTally(value);
      if (tally === undefined) skipped++;
      else this.#addTally(day, undefined, model, tally);
    }
    return skipped;
  }

  #addTally(
    day: string,
    schema: SchemaId | undefined,
    model: string | undefined,
    tally: UsageTally,
  ): void {
    let totals = this.#days.get(day);
    if (totals === undefined) {
      totals = { schemas: new Map(), models: new Map() };
      this.#days.set(day, totals);
    }
    if (schema !== undefined) addInto(totals.schemas, schema, tally);
    if (model !== undefined) {
      const key = totals.models.has(model) || totals.models.size < MAX_MODELS_PER_DAY ? model : '';
      addInto(totals.models, key, tally);
    }
  }
}

function addInto<K>(map: Map<K, UsageTally>, key: K, tally: UsageTally): void {
  const existing = map.get(key);
  if (existing === undefined) map.set(key, { ...tally });
  else addTally(existing, tally);
}
