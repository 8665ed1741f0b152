// The checks every value crossing into history code passes (a message from the other thread, a
// row read back from the file): small predicates, each saying what one field must be.

import { SCHEMAS, type SchemaId } from '../../shared/schemas.js';
import { TALLY_KEYS, type DayTotals, type UsageTally } from '../../shared/usage.js';
import type { ClientRef, ProjectRef } from '../../shared/who.js';

export type Fields = Readonly<Record<string, unknown>>;

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A two-element array, such as a `[name, value]` header or an `[id, capture]` entry. */
export function isPair(value: unknown): value is readonly [unknown, unknown] {
  return Array.isArray(value) && value.length === 2;
}

/** A finite number ≥ 0 (durations may be fractional). */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

export function isCountOrNull(value: unknown): value is number | null {
  return value === null || isCount(value);
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function isText(value: unknown): value is string {
  return typeof value === 'string';
}

export function isTextOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

export function isSchemaId(value: unknown): value is SchemaId {
  return SCHEMAS.some((schema) => schema === value);
}

export function isClientRef(value: unknown): value is ClientRef {
  return isFields(value) && isText(value['name']) && isTextOrNull(value['version']);
}

export function isProjectRef(value: unknown): value is ProjectRef {
  return (
    isFields(value) &&
    isText(value['root']) &&
    isText(value['name']) &&
    isTextOrNull(value['branch'])
  );
}

function isUsageTally(value: unknown): value is UsageTally {
  return isFields(value) && TALLY_KEYS.every((key) => isCount(value[key]));
}

export function isDayTotals(value: unknown): value is DayTotals {
  if (!isFields(value)) return false;
  const { schemas, models } = value;
  return (
    isFields(schemas) &&
    Object.entries(schemas).every(([schema, tally]) => isSchemaId(schema) && isUsageTally(tally)) &&
    isFields(models) &&
    Object.values(models).every(isUsageTally)
  );
}

/** A local date key, `YYYY-MM-DD`. */
const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(value: unknown): value is string {
  return typeof value === 'string' && DAY_KEY.test(value);
}
