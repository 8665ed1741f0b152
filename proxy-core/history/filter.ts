// Which stored requests a view asks for: the filter type, its parser (filters arrive by message)
// and the pure translation to a WHERE clause with bound parameters, keyset cursor included.

import type { SQLInputValue } from 'node:sqlite';
import { dayKey } from '../usage/totals.js';
import { isCount, isFields, isSchemaId, isText } from './fields.js';
import type { HistoryFilter, StatusClass } from '../../shared/history.js';

export type { HistoryFilter, HistoryPage, StatusClass } from '../../shared/history.js';

const STATUS_SQL: Readonly<Record<StatusClass, string>> = {
  '2xx': 'status BETWEEN 200 AND 299',
  '4xx': 'status BETWEEN 400 AND 499',
  '5xx': 'status BETWEEN 500 AND 599',
  // No response head (status 0), or a response cut short.
  error: '(status = 0 OR complete = 0)',
};

/** Rows per page when the filter names no limit, and the most a page holds. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

const STATUS_CLASSES: ReadonlySet<unknown> = new Set<StatusClass>(['2xx', '4xx', '5xx', 'error']);

/** A filter from a message, or undefined when a field has the wrong type or the cursor is bad. */
export function parseHistoryFilter(value: unknown): HistoryFilter | undefined {
  if (!isFields(value)) return undefined;
  const { since, until, schema, model, status, client, project, session, text, limit, cursor } =
    value;
  if (
    !isOptional(since, isCount) ||
    !isOptional(until, isCount) ||
    !isOptional(schema, isSchemaId) ||
    !isOptional(model, isText) ||
    !isOptional(status, isStatusClass) ||
    !isOptional(client, isText) ||
    !isOptional(project, isText) ||
    !isOptional(session, isText) ||
    !isOptional(text, isText) ||
    !isOptional(limit, isCount) ||
    !isOptional(cursor, isText) ||
    (cursor !== undefined && parseCursor(cursor) === undefined)
  ) {
    return undefined;
  }
  return {
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(schema === undefined ? {} : { schema }),
    ...(model === undefined ? {} : { model }),
    ...(status === undefined ? {} : { status }),
    ...(client === undefined ? {} : { client }),
    ...(project === undefined ? {} : { project }),
    ...(session === undefined ? {} : { session }),
    ...(text === undefined ? {} : { text }),
    ...(limit === undefined ? {} : { limit }),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

function isOptional<T>(value: unknown, is: (value: unknown) => value is T): value is T | undefined {
  return value === undefined || is(value);
}

function isStatusClass(value: unknown): value is StatusClass {
  return STATUS_CLASSES.has(value);
}

/** The page size a filter asks for, clamped to 1…MAX_LIMIT. */
export function limitOf(filter: HistoryFilter): number {
  const limit = Math.floor(filter.limit ?? DEFAULT_LIMIT);
  return Math.min(Math.max(limit, 1), MAX_LIMIT);
}

/** The cursor that continues after a row. */
export function toCursor(time: number, id: number): string {
  return `${time}.${id}`;
}

/** A cursor's row position, or undefined for a cursor this code did not make. */
export function parseCursor(cursor: string): { time: number; id: number } | undefined {
  const match = /^(\d{1,16})\.(\d{1,16})$/.exec(cursor);
  if (match === null) return undefined;
  const time = Number(match[1]);
  const id = Number(match[2]);
  return Number.isSafeInteger(time) && Number.isSafeInteger(id) ? { time, id } : undefined;
}

/** `text` with LIKE's wildcards and the escape character itself escaped (ESCAPE '\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * The WHERE clause (`1` when nothing is asked) and its parameters. With `paging`, the cursor
 * adds the keyset condition: rows before (time, id) in the newest-first order, written so the
 * time index bounds the scan.
 */
export function toWhere(
  filter: HistoryFilter,
  paging = true,
): { sql: string; params: SQLInputValue[] } {
  const terms: string[] = [];
  const params: SQLInputValue[] = [];
  const add = (sql: string, ...values: SQLInputValue[]): void => {
    terms.push(sql);
    params.push(...values);
  };
  if (filter.since !== undefined) add('time >= ?', filter.since);
  if (filter.until !== undefined) add('time < ?', filter.until);
  if (filter.schema !== undefined) add('schema = ?', filter.schema);
  if (filter.model !== undefined) add('model = ?', filter.model);
  if (filter.status !== undefined) add(STATUS_SQL[filter.status]);
  if (filter.client !== undefined) add('client = ?', filter.client);
  if (filter.project !== undefined) add('project_root = ?', filter.project);
  if (filter.session !== undefined) add('session = ?', filter.session);
  if (filter.text !== undefined && filter.text !== '') {
    add("path LIKE ? ESCAPE '\\'", `%${escapeLike(filter.text)}%`);
  }
  if (paging && filter.cursor !== undefined) {
    const at = parseCursor(filter.cursor);
    // A cursor this code did not make matches nothing, rather than restarting a pager's walk.
    if (at === undefined) add('0');
    else add('time <= ? AND (time < ? OR id < ?)', at.time, at.time, at.id);
  }
  return { sql: terms.length === 0 ? '1' : terms.join(' AND '), params };
}

/**
 * Conditions on `day` that the filter's time range implies (a row's day is its time's local
 * date), so a scan of the day-ordered indexes stops at the range's first and last days.
 */
export function toDayBounds(filter: HistoryFilter): { sql: string; params: SQLInputValue[] } {
  const terms: string[] = [];
  const params: SQLInputValue[] = [];
  if (filter.since !== undefined) {
    terms.push('day >= ?');
    params.push(dayKey(new Date(filter.since)));
  }
  if (filter.until !== undefined) {
    terms.push('day <= ?');
    params.push(dayKey(new Date(filter.until)));
  }
  return { sql: terms.length === 0 ? '1' : terms.join(' AND '), params };
}

/** Whether every condition of the filter is on a column the day-and-model index carries. */
export function isCoveredBySums(filter: HistoryFilter): boolean {
  return (
    filter.client === undefined &&
    filter.project === undefined &&
    filter.session === undefined &&
    (filter.text === undefined || filter.text === '')
  );
}
