// The dashboard's history calls, answered from the worker's history (the worker owns the file):
// each answer parsed, as anything crossing a process boundary; and exports written to a file the
// user picks: CSV page by page (a year of requests is never held whole), JSON and HAR as one
// document.

import { writeFile } from 'node:fs/promises';
import type { HistoryCall } from '../proxy-core/entry/protocol.js';
import { toCsv, toExportRow } from '../proxy-core/history/csv.js';
import {
  parseCaptureMap,
  parseDetail,
  parsePage,
  parseTotals,
} from '../proxy-core/history/protocol.js';
import { MAX_CAPTURES_PER_CALL } from '../proxy-core/history/history.js';
import { toHar } from '../shared/har.js';
import type {
  Capture,
  ExportFormat,
  HistoryDetail,
  HistoryFilter,
  HistoryPage,
  HistoryRow,
  HistoryTotals,
} from '../shared/history.js';

/** Rows read per call while exporting. */
const EXPORT_PAGE = 1_000;

export interface HistoryServiceOptions {
  /** Sends a call to the running worker's history (Supervisor.history). */
  readonly call: (call: HistoryCall) => Promise<unknown>;
  /** Asks the user where to save an export; null when they cancel (Electron's save dialog). */
  readonly chooseFile: (format: ExportFormat) => Promise<string | null>;
  /** The app's version, for the HAR log's creator. */
  readonly version: string;
}

export interface HistoryService {
  query(filter: HistoryFilter): Promise<HistoryPage<HistoryRow>>;
  totals(filter: HistoryFilter): Promise<HistoryTotals>;
  /** One request with its inspector capture; null when it is gone. */
  detail(id: number): Promise<HistoryDetail | null>;
  clear(): Promise<void>;
  /** Writes every row `filter` matches as `format`; the file's path, or null when cancelled. */
  export(filter: HistoryFilter, format: ExportFormat): Promise<string | null>;
}

export function createHistoryService(options: HistoryServiceOptions): HistoryService {
  const parsed = async <T>(call: HistoryCall, parse: (value: unknown) => T | undefined) => {
    const value = parse(await options.call(call));
    if (value === undefined) throw new Error('history: the proxy sent a malformed answer');
    return value;
  };
  const query = (filter: HistoryFilter): Promise<HistoryPage<HistoryRow>> =>
    parsed({ method: 'query', filter }, parsePage);
  return {
    query,
    totals: (filter) => parsed({ method: 'totals', filter }, parseTotals),
    async detail(id) {
      const value = parseDetail(await options.call({ method: 'detail', id }));
      if (value === undefined) throw new Error('history: the proxy sent a malformed answer');
      return value;
    },
    async clear() {
      await options.call({ method: 'clear' });
    },
    async export(filter, format) {
      const file = await options.chooseFile(format);
      if (file === null) return null;
      const rows: HistoryRow[] = [];
      let cursor: string | undefined;
      let first = true;
      for (;;) {
        const page = await query({
          ...filter,
          limit: EXPORT_PAGE,
          ...(cursor === undefined ? {} : { cursor }),
        });
        if (format === 'csv') {
          await writeFile(file, toCsv(page.rows, first), { flag: first ? 'w' : 'a' });
          first = false;
        } else rows.push(...page.rows);
        if (page.next === null) break;
        cursor = page.next;
      }
      if (format !== 'csv') await writeFile(file, await documentOf(format, rows, options));
      return file;
    },
  };
}

async function documentOf(
  format: Exclude<ExportFormat, 'csv'>,
  rows: readonly HistoryRow[],
  options: HistoryServiceOptions,
): Promise<string> {
  if (format === 'json') return `${JSON.stringify(rows.map(toExportRow), null, 2)}\n`;
  const captures = await capturesOf(rows, options);
  const har = toHar(rows, captures, { name: 'memex', version: options.version });
  return `${JSON.stringify(har, null, 2)}\n`;
}

// What the inspector captured of `rows`, asked for a bounded number of rows at a time.
async function capturesOf(
  rows: readonly HistoryRow[],
  options: HistoryServiceOptions,
): Promise<ReadonlyMap<number, Capture>> {
  const captures = new Map<number, Capture>();
  for (let at = 0; at < rows.length; at += MAX_CAPTURES_PER_CALL) {
    const ids = rows.slice(at, at + MAX_CAPTURES_PER_CALL).map((row) => row.id);
    const answer = parseCaptureMap(await options.call({ method: 'captures', ids }));
    if (answer === undefined) throw new Error('history: the proxy sent malformed captures');
    for (const [id, capture] of answer) captures.set(id, capture);
  }
  return captures;
}
