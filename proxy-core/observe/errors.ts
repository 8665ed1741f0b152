// The failures that matter to a user of an API, counted per hour, schema and model: 429 (rate
// limited), 529 (overloaded) and other 5xx, for the last day. Bounded whatever the traffic.

import type { SchemaId } from '../../shared/schemas.js';
import type { ErrorHour } from '../../shared/snapshot.js';

const HOUR_MS = 3_600_000;
/** Hours kept: today's strip and a little of yesterday's. */
export const ERROR_HOURS = 24;
/** Rows (hour × schema × model) kept at once. */
export const MAX_ERROR_ROWS = 1_024;

type Counts = { rateLimited: number; overloaded: number; serverErrors: number };

/** Which count a status belongs to, or undefined for one that is not such a failure. */
export function errorKind(status: number): keyof Counts | undefined {
  if (status === 429) return 'rateLimited';
  if (status === 529) return 'overloaded';
  if (status >= 500 && status <= 599) return 'serverErrors';
  return undefined;
}

export class ErrorBook {
  readonly #rows = new Map<string, ErrorHour & Counts>();

  add(time: number, schema: SchemaId, model: string, status: number): void {
    const kind = errorKind(status);
    if (kind === undefined) return;
    const hour = Math.floor(time / HOUR_MS) * HOUR_MS;
    const key = `${hour} ${schema} ${model}`;
    let row = this.#rows.get(key);
    if (row === undefined) {
      this.#prune(hour);
      if (this.#rows.size >= MAX_ERROR_ROWS) return;
      row = { hour, schema, model, rateLimited: 0, overloaded: 0, serverErrors: 0 };
      this.#rows.set(key, row);
    }
    row[kind]++;
  }

  /** The rows of the last ERROR_HOURS hours, oldest first. */
  snapshot(now: number): ErrorHour[] {
    const since = Math.floor(now / HOUR_MS) * HOUR_MS - (ERROR_HOURS - 1) * HOUR_MS;
    return [...this.#rows.values()]
      .filter((row) => row.hour >= since)
      .map((row) => ({ ...row }))
      .sort((a, b) => a.hour - b.hour);
  }

  #prune(hour: number): void {
    const since = hour - (ERROR_HOURS - 1) * HOUR_MS;
    for (const [key, row] of this.#rows) if (row.hour < since) this.#rows.delete(key);
  }
}
