// How the History view writes a stored request: its tokens and cost cells, and every field of
// the row as the request detail lists them. Pure.

import type { HistoryRow } from '../shared/history.js';
import { formatCost, formatTokens } from '../shared/usage-text.js';
import {
  SCHEMA_LABELS,
  formatBytes,
  formatCount,
  formatDateTime,
  formatDuration,
  toDisplayPath,
} from './format.js';

/** The tokens cell: `35.9k → 925` (prompt, cache included → output), like Recent requests. */
export function formatRowTokens(row: HistoryRow): string {
  if (row.usageKind === null) return '—';
  if (row.input === null || row.output === null) return 'unknown';
  const prompt = row.input + (row.cacheRead ?? 0) + (row.cacheWrite ?? 0);
  return `${formatTokens(prompt)} → ${formatTokens(row.output)}`;
}

/** The cost cell: `0.42`, or `—` when unpriced. */
export function formatRowCost(row: HistoryRow): string {
  return row.cost === null ? '—' : formatCost(row.cost);
}

/** A model as history names it: null when usage was not read, '' when the response named none. */
export function formatModel(model: string | null): string {
  if (model === null) return 'not read';
  return model === '' ? 'none named' : model;
}

const USAGE: Readonly<Record<NonNullable<HistoryRow['usageKind']>, string>> = {
  counted: 'counted',
  unknown: 'the response carried no token counts',
  unparsed: 'the response could not be read',
};

/** Every field of `row`, labelled, in the order the detail lists them. */
export function rowFields(row: HistoryRow): readonly (readonly [string, string])[] {
  const some = <T>(value: T | null, write: (value: T) => string): string =>
    value === null ? '—' : write(value);
  const ms = (value: number | null): string =>
    some(value, (known) => `${formatDuration(known)} (${formatCount(known)} ms)`);
  const bytes = (value: number): string => `${formatBytes(value)} (${formatCount(value)} B)`;
  return [
    ['Id', String(row.id)],
    ['Time', `${formatDateTime(row.time)} (${new Date(row.time).toISOString()})`],
    ['Day', row.day],
    ['Method', row.method],
    ['Host', row.host === '' ? '— (refused before routing)' : row.host],
    ['Path', toDisplayPath(row.path)],
    ['Schema', SCHEMA_LABELS[row.schema]],
    ['Status', row.status === 0 ? 'none: no response head was sent' : String(row.status)],
    ['Complete', row.complete ? 'yes' : 'no: cut short'],
    ['Duration', ms(row.durationMs)],
    ['Time to first byte', ms(row.ttfbMs)],
    ['Time to first content', ms(row.firstContentMs)],
    ['Request body', bytes(row.bytesIn)],
    ['Response', bytes(row.bytesOut)],
    ['Model', formatModel(row.model)],
    ['Usage', some(row.usageKind, (kind) => USAGE[kind])],
    ['Input tokens', some(row.input, formatCount)],
    ['Output tokens', some(row.output, formatCount)],
    ['Cache read tokens', some(row.cacheRead, formatCount)],
    ['Cache write tokens', some(row.cacheWrite, formatCount)],
    ['Cost', some(row.cost, formatCost)],
    ['Client', some(row.client, (name) => `${name} ${row.clientVersion ?? ''}`.trim())],
    ['Session', some(row.session, (id) => id)],
    ['Project', some(row.projectRoot, (root) => projectText(row, root))],
    [
      'Process',
      some(row.processName, (name) => `${name}${row.pid === null ? '' : ` (pid ${row.pid})`}`),
    ],
    ['User', some(row.user, (user) => user)],
  ];
}

function projectText(row: HistoryRow, root: string): string {
  const name = row.projectName ?? root;
  return `${row.branch === null ? name : `${name} · ${row.branch}`} (${root})`;
}
