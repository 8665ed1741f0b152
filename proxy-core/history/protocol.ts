// Messages between the proxy's thread and the history writer thread, and the parser each side
// runs on what arrives: the writer parses calls and batches, the proxy side parses replies.

import type { Capture, HistoryDetail } from '../../shared/history.js';
import type { ModelPrice, Pricing } from '../../shared/pricing.js';
import type { DayTotals, UsageSnapshot } from '../../shared/usage.js';
import { parseCapture } from './capture.js';
import { MAX_CAPTURES_PER_CALL } from './detail.js';
import { isCount, isDay, isDayTotals, isFields, isInteger, isPair, isText } from './fields.js';
import { parseHistoryFilter, type HistoryFilter, type HistoryPage } from './filter.js';
import { parseUsageSnapshot, type ImportResult } from './import.js';
import { parseHistoryRow, type HistoryRow } from './row.js';
import type { StoreStats } from './store.js';
import type { HistoryTotals, TotalsEntry } from './sums.js';

/** What the writer thread is started with (its workerData). */
export interface ThreadOptions {
  readonly file: string;
  readonly retentionDays?: number;
  readonly maxMb?: number;
  readonly captureRetentionHours?: number;
  readonly busyTimeoutMs?: number;
  readonly pricing?: Pricing;
}

/** A request the proxy side waits on; each has its own reply. */
export type Call =
  | { readonly method: 'query' | 'count' | 'totals'; readonly filter: HistoryFilter }
  | { readonly method: 'dayTotals'; readonly sinceDay: string }
  | { readonly method: 'importUsage'; readonly snapshot: UsageSnapshot }
  | { readonly method: 'setPricing'; readonly pricing: Pricing }
  | { readonly method: 'detail'; readonly id: number }
  | { readonly method: 'captures'; readonly ids: readonly number[] }
  | { readonly method: 'clear' | 'flush' | 'stats' | 'close' };

/**
 * Proxy side → writer. Rows in `write` are parsed one by one (see parseRequestRecord); each of
 * `captures` is `[index in requests, capture]`, parsed with its request.
 */
export type ToThread =
  | {
      readonly type: 'write';
      readonly requests: unknown[];
      readonly tunnels: unknown[];
      readonly captures: unknown[];
    }
  | { readonly type: 'call'; readonly id: number; readonly call: Call };

/** Writer → proxy side. */
export type FromThread =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly message: string }
  | { readonly type: 'problem'; readonly message: string };

/** The writer's counters: the store's, and rows or captures that arrived malformed (never written). */
export interface HistoryStats extends StoreStats {
  readonly malformed: number;
}

const PRICE_KEYS = [
  'input_per_mtok',
  'output_per_mtok',
  'cache_read_per_mtok',
  'cache_write_per_mtok',
] as const;

/** Pricing from a message; a rate that is not a number ≥ 0 fails the whole table. */
export function parsePricing(value: unknown): Pricing | undefined {
  if (!isFields(value)) return undefined;
  const pricing: Record<string, ModelPrice> = {};
  for (const [pattern, price] of Object.entries(value)) {
    if (!isFields(price)) return undefined;
    const parsed: ModelPrice = {};
    for (const key of PRICE_KEYS) {
      const rate = price[key];
      if (rate === undefined) continue;
      if (!isCount(rate)) return undefined;
      parsed[key] = rate;
    }
    pricing[pattern] = parsed;
  }
  return pricing;
}

/** The writer's start options, or undefined. */
export function parseThreadOptions(value: unknown): ThreadOptions | undefined {
  if (!isFields(value) || !isText(value['file'])) return undefined;
  const { file, retentionDays, maxMb, captureRetentionHours, busyTimeoutMs } = value;
  const pricing = value['pricing'] === undefined ? {} : parsePricing(value['pricing']);
  if (
    pricing === undefined ||
    (retentionDays !== undefined && !isCount(retentionDays)) ||
    (maxMb !== undefined && !isCount(maxMb)) ||
    (captureRetentionHours !== undefined && !isCount(captureRetentionHours)) ||
    (busyTimeoutMs !== undefined && !isCount(busyTimeoutMs))
  ) {
    return undefined;
  }
  return {
    file,
    pricing,
    ...(retentionDays === undefined ? {} : { retentionDays }),
    ...(maxMb === undefined ? {} : { maxMb }),
    ...(captureRetentionHours === undefined ? {} : { captureRetentionHours }),
    ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
  };
}

/** A message from the proxy side, or undefined when it is not one. */
export function parseToThread(value: unknown): ToThread | undefined {
  if (!isFields(value)) return undefined;
  if (value['type'] === 'write') {
    const { requests, tunnels } = value;
    const captures = value['captures'] ?? [];
    return Array.isArray(requests) && Array.isArray(tunnels) && Array.isArray(captures)
      ? { type: 'write', requests, tunnels, captures }
      : undefined;
  }
  const id = value['id'];
  if (value['type'] !== 'call' || !isInteger(id)) return undefined;
  const call = parseCall(value['call']);
  return call === undefined ? undefined : { type: 'call', id, call };
}

function parseCall(value: unknown): Call | undefined {
  if (!isFields(value)) return undefined;
  const method = value['method'];
  switch (method) {
    case 'query':
    case 'count':
    case 'totals': {
      const filter = parseHistoryFilter(value['filter']);
      return filter === undefined ? undefined : { method, filter };
    }
    case 'dayTotals': {
      const sinceDay = value['sinceDay'];
      return isDay(sinceDay) ? { method, sinceDay } : undefined;
    }
    case 'importUsage': {
      const snapshot = parseUsageSnapshot(value['snapshot']);
      return snapshot === undefined ? undefined : { method, snapshot };
    }
    case 'setPricing': {
      const pricing = parsePricing(value['pricing']);
      return pricing === undefined ? undefined : { method, pricing };
    }
    case 'detail': {
      const id = value['id'];
      return isInteger(id) ? { method, id } : undefined;
    }
    case 'captures': {
      const ids = value['ids'];
      return Array.isArray(ids) && ids.length <= MAX_CAPTURES_PER_CALL && ids.every(isInteger)
        ? { method, ids }
        : undefined;
    }
    case 'clear':
    case 'flush':
    case 'stats':
    case 'close':
      return { method };
    default:
      return undefined;
  }
}

/** A message from the writer, or undefined. */
export function parseFromThread(value: unknown): FromThread | undefined {
  if (!isFields(value)) return undefined;
  const { type, id, ok, message } = value;
  if (type === 'problem') return isText(message) ? { type, message } : undefined;
  if (type !== 'reply' || !isInteger(id)) return undefined;
  if (ok === true) return { type, id, ok, value: value['value'] };
  return ok === false && isText(message) ? { type, id, ok, message } : undefined;
}

/** A reply's value for `query`, or undefined. */
export function parsePage(value: unknown): HistoryPage<HistoryRow> | undefined {
  if (!isFields(value) || !Array.isArray(value['rows'])) return undefined;
  const next = value['next'];
  if (next !== null && !isText(next)) return undefined;
  const rows: HistoryRow[] = [];
  for (const item of value['rows']) {
    const row = parseHistoryRow(item);
    if (row === undefined) return undefined;
    rows.push(row);
  }
  return { rows, next };
}

export function parseCount(value: unknown): number | undefined {
  return isCount(value) ? value : undefined;
}

function parseTotalsEntry(value: unknown): TotalsEntry | undefined {
  if (!isFields(value) || !isText(value['key'])) return undefined;
  const { key, requests, errors, input, output, cacheRead, cacheWrite, tokens, cost } = value;
  if (
    !isCount(requests) ||
    !isCount(errors) ||
    !isCount(input) ||
    !isCount(output) ||
    !isCount(cacheRead) ||
    !isCount(cacheWrite) ||
    !isCount(tokens) ||
    !(cost === null || isCount(cost))
  ) {
    return undefined;
  }
  return { key, requests, errors, input, output, cacheRead, cacheWrite, tokens, cost };
}

function parseEntries(value: unknown): TotalsEntry[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const entries: TotalsEntry[] = [];
  for (const item of value) {
    const entry = parseTotalsEntry(item);
    if (entry === undefined) return undefined;
    entries.push(entry);
  }
  return entries;
}

export function parseTotals(value: unknown): HistoryTotals | undefined {
  if (!isFields(value)) return undefined;
  const days = parseEntries(value['days']);
  const models = parseEntries(value['models']);
  return days === undefined || models === undefined ? undefined : { days, models };
}

export function parseDayTotalsMap(value: unknown): Record<string, DayTotals> | undefined {
  if (!isFields(value)) return undefined;
  const days: Record<string, DayTotals> = {};
  for (const [day, totals] of Object.entries(value)) {
    if (!isDay(day) || !isDayTotals(totals)) return undefined;
    days[day] = totals;
  }
  return days;
}

export function parseImportResult(value: unknown): ImportResult | undefined {
  if (!isFields(value)) return undefined;
  const { imported, days, skipped } = value;
  return typeof imported === 'boolean' && isCount(days) && isCount(skipped)
    ? { imported, days, skipped }
    : undefined;
}

export function parseStats(value: unknown): HistoryStats | undefined {
  if (!isFields(value)) return undefined;
  const { transactions, requestsWritten, tunnelsWritten, pending, dropped, malformed } = value;
  return isCount(transactions) &&
    isCount(requestsWritten) &&
    isCount(tunnelsWritten) &&
    isCount(pending) &&
    isCount(dropped) &&
    isCount(malformed)
    ? { transactions, requestsWritten, tunnelsWritten, pending, dropped, malformed }
    : undefined;
}

/** A reply's value for `detail`: the detail, null for a request not kept, undefined if neither. */
export function parseDetail(value: unknown): HistoryDetail | null | undefined {
  if (value === null) return null;
  if (!isFields(value)) return undefined;
  const row = parseHistoryRow(value['row']);
  const capture = value['capture'] === null ? null : parseCapture(value['capture']);
  return row === undefined || capture === undefined ? undefined : { row, capture };
}

/** A reply's value for `captures`: `[request id, capture]` pairs, as a map. */
export function parseCaptureMap(value: unknown): Map<number, Capture> | undefined {
  if (!Array.isArray(value)) return undefined;
  const captures = new Map<number, Capture>();
  for (const pair of value) {
    if (!isPair(pair)) return undefined;
    const [id, item] = pair;
    const capture = parseCapture(item);
    if (!isInteger(id) || capture === undefined) return undefined;
    captures.set(id, capture);
  }
  return captures;
}

/** For replies that carry nothing (`clear`, `flush`, `close`, `setPricing`). */
export function parseNothing(value: unknown): null | undefined {
  return value === null ? null : undefined;
}
