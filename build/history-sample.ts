// Requests as the history store keeps them, for the screenshot and the dashboard tests: a
// recent-requests record as its history row, the totals historyTotals would answer for rows, and
// records as the fake bridge's whole history.

import type { HistoryRow, HistoryTotals, TotalsEntry } from '../shared/history.js';
import { costOf, type Pricing } from '../shared/pricing.js';
import type { RequestRecord } from '../shared/snapshot.js';
import type { FakeHistory } from './preview.js';
import { dayKey } from '../proxy-core/usage/totals.js';

/** `record` as history stores it, row `id`, costed with `pricing`. */
export function toHistoryRow(record: RequestRecord, id: number, pricing: Pricing = {}): HistoryRow {
  const { usage, client, project, process } = record;
  const tokens = usage?.kind === 'counted' ? usage.tokens : null;
  return {
    id,
    time: record.time,
    day: dayKey(new Date(record.time)),
    method: record.method,
    host: record.host,
    path: record.path,
    schema: record.schema,
    status: record.status,
    complete: record.complete,
    durationMs: record.durationMs,
    ttfbMs: record.ttfbMs ?? null,
    firstContentMs: record.firstContentMs ?? null,
    bytesIn: record.bytesIn,
    bytesOut: record.bytesOut,
    model: usage?.model ?? null,
    usageKind: usage?.kind ?? null,
    input: tokens?.input ?? null,
    output: tokens?.output ?? null,
    cacheRead: tokens?.cacheRead ?? null,
    cacheWrite: tokens?.cacheWrite ?? null,
    cost: tokens === null ? null : (costOf(pricing, usage?.model ?? '', tokens) ?? null),
    client: client?.name ?? null,
    clientVersion: client?.version ?? null,
    session: record.session ?? null,
    projectRoot: project?.root ?? null,
    projectName: project?.name ?? null,
    branch: project?.branch ?? null,
    processName: process?.name ?? null,
    pid: process?.pid ?? null,
    user: record.user ?? null,
  };
}

const EMPTY: TotalsEntry = {
  key: '',
  requests: 0,
  errors: 0,
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheWrite: 0,
  tokens: 0,
  cost: null,
};

/** What historyTotals would answer for `rows`: per day oldest first, per model most used first. */
export function historyTotalsOf(rows: readonly HistoryRow[]): HistoryTotals {
  const sum = (keyOf: (row: HistoryRow) => string): TotalsEntry[] => {
    const entries = new Map<string, TotalsEntry>();
    for (const row of rows) {
      const key = keyOf(row);
      const was = entries.get(key) ?? { ...EMPTY, key };
      const input = row.input ?? 0;
      const output = row.output ?? 0;
      const cacheRead = row.cacheRead ?? 0;
      const cacheWrite = row.cacheWrite ?? 0;
      entries.set(key, {
        key,
        requests: was.requests + 1,
        errors: was.errors + (row.status >= 400 || !row.complete ? 1 : 0),
        input: was.input + input,
        output: was.output + output,
        cacheRead: was.cacheRead + cacheRead,
        cacheWrite: was.cacheWrite + cacheWrite,
        tokens: was.tokens + input + output + cacheRead + cacheWrite,
        cost: row.cost === null ? was.cost : (was.cost ?? 0) + row.cost,
      });
    }
    return [...entries.values()];
  };
  return {
    days: sum((row) => row.day).sort((a, b) => a.key.localeCompare(b.key)),
    models: sum((row) => row.model ?? '').sort((a, b) => b.requests - a.requests),
  };
}

/** `records` (oldest first) as the fake's history: rows newest first, no captures, no export. */
export function fakeHistoryOf(
  records: readonly RequestRecord[],
  pricing: Pricing = {},
): FakeHistory {
  const rows = records.map((record, i) => toHistoryRow(record, i + 1, pricing)).reverse();
  return { rows, totals: historyTotalsOf(rows), captures: {}, exportPath: null, failure: null };
}
