// Export: a stored request as a JSON row (the dashboard's download), and rows as CSV text per
// RFC 4180, guarded against formula injection. Pure.

import type { HistoryRow } from './row.js';

/** A request as exported: HistoryRow with its time as ISO 8601 (UTC). */
export type ExportRow = Omit<HistoryRow, 'time'> & { readonly time: string };

/** The export's columns, in order: the CSV header and the JSON row's keys. */
export const EXPORT_COLUMNS = [
  'id',
  'time',
  'day',
  'method',
  'host',
  'path',
  'schema',
  'status',
  'complete',
  'durationMs',
  'ttfbMs',
  'firstContentMs',
  'bytesIn',
  'bytesOut',
  'model',
  'usageKind',
  'input',
  'output',
  'cacheRead',
  'cacheWrite',
  'cost',
  'client',
  'clientVersion',
  'session',
  'projectRoot',
  'projectName',
  'branch',
  'processName',
  'pid',
  'user',
] as const satisfies readonly (keyof ExportRow)[];

/** The export form of one row. */
export function toExportRow(row: HistoryRow): ExportRow {
  return { ...row, time: new Date(row.time).toISOString() };
}

// A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV Injection);
// tab and carriage return start one in some of them too.
const FORMULA_START = /^[=+\-@\t\r]/;
// RFC 4180 §2: a field with a comma, a double quote or a line break is quoted.
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: null is empty; text that could start a formula gets a leading `'`. */
export function toCsvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/**
 * Rows as CSV: a header (unless `header` is false: a later page of one export), then one line per
 * row, each line ended by CRLF (RFC 4180 §2).
 */
export function toCsv(rows: readonly HistoryRow[], header = true): string {
  const lines = header ? [EXPORT_COLUMNS.join(',')] : [];
  for (const row of rows) {
    const exported = toExportRow(row);
    lines.push(EXPORT_COLUMNS.map((column) => toCsvField(exported[column])).join(','));
  }
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}
