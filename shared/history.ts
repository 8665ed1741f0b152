// History as every process sees it: which stored requests a view asks for, the rows and sums it
// gets back, and one request's inspector capture. Types only; the store is proxy-core/history/.

import type { SchemaId } from './schemas.js';
import type { UsageOutcome } from './usage.js';

/**
 * A class of outcome. The classes overlap on purpose: a 200 stream cut short is both `2xx` and
 * `error`.
 */
export type StatusClass = '2xx' | '4xx' | '5xx' | 'error';

export const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '4xx', '5xx', 'error'];

export interface HistoryFilter {
  /** From this time on (ms since the epoch, inclusive). */
  readonly since?: number;
  /** Before this time (ms since the epoch, exclusive). */
  readonly until?: number;
  readonly schema?: SchemaId;
  /** The model the response named, exactly (`''` for responses that named none). */
  readonly model?: string;
  readonly status?: StatusClass;
  /** The client program's name, exactly. */
  readonly client?: string;
  /** The project's root directory, exactly. */
  readonly project?: string;
  readonly session?: string;
  /** Part of the path, matched anywhere, ASCII case-insensitively; `%` and `_` are literal. */
  readonly text?: string;
  /** Rows per page: 100 when absent, at most 1000. */
  readonly limit?: number;
  /** The `next` of the previous page: rows older than its last. */
  readonly cursor?: string;
}

/** One page of rows, newest first; `next` fetches the following page, null after the last. */
export interface HistoryPage<Row> {
  readonly rows: readonly Row[];
  readonly next: string | null;
}

export type UsageKind = UsageOutcome['kind'];

/** One request as history returns it; null where the exchange did not say. */
export interface HistoryRow {
  /** The row's id: with `time`, the order of the pages. */
  readonly id: number;
  /** When the request arrived, ms since the epoch. */
  readonly time: number;
  /** The local date of `time`, `YYYY-MM-DD`. */
  readonly day: string;
  readonly method: string;
  readonly host: string;
  /** Never with a query string. */
  readonly path: string;
  readonly schema: SchemaId;
  /** 0 when no response head was sent. */
  readonly status: number;
  readonly complete: boolean;
  readonly durationMs: number;
  readonly ttfbMs: number | null;
  readonly firstContentMs: number | null;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** The model the response named (`''` when it named none); null when usage was not read. */
  readonly model: string | null;
  readonly usageKind: UsageKind | null;
  /** Token counts, TokenCounts' meaning; null unless usageKind is `counted`. */
  readonly input: number | null;
  readonly output: number | null;
  readonly cacheRead: number | null;
  readonly cacheWrite: number | null;
  /** At the rates configured when the row was written; null when unpriced. */
  readonly cost: number | null;
  readonly client: string | null;
  readonly clientVersion: string | null;
  readonly session: string | null;
  readonly projectRoot: string | null;
  readonly projectName: string | null;
  readonly branch: string | null;
  readonly processName: string | null;
  readonly pid: number | null;
  readonly user: string | null;
}

/** The requests of one day or one model. */
export interface TotalsEntry {
  /** The day (`YYYY-MM-DD`) or the model (`''`: none named, or usage not read). */
  readonly key: string;
  readonly requests: number;
  /** Answered with status ≥ 400, or cut short. */
  readonly errors: number;
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /** input + output + cacheRead + cacheWrite. */
  readonly tokens: number;
  /** Null while none of the requests was priced. */
  readonly cost: number | null;
}

/** A filtered view's sums: days oldest first; models by requests, most first. */
export interface HistoryTotals {
  readonly days: readonly TotalsEntry[];
  readonly models: readonly TotalsEntry[];
}

/** One header as sent, its value `[redacted]` when it carries a credential. */
export type CapturedHeader = readonly [name: string, value: string];

/** A body as the inspector kept it: text up to `inspector.max_body_kb`. */
export interface CapturedBody {
  /** The body as UTF-8 text (decompressed); null for a body that is not text. */
  readonly text: string | null;
  /** The body's size on the wire, in bytes. */
  readonly bytes: number;
  /** True when `text` stops at the size limit. */
  readonly truncated: boolean;
}

/** One server-sent event of a streamed response. */
export interface CapturedEvent {
  readonly event: string;
  readonly data: string;
}

/** What the request inspector recorded of one exchange (only while it is on). */
export interface Capture {
  readonly requestHeaders: readonly CapturedHeader[];
  readonly responseHeaders: readonly CapturedHeader[];
  readonly requestBody: CapturedBody | null;
  readonly responseBody: CapturedBody | null;
  /** A streamed (SSE) response's events in order; null for other responses. */
  readonly events: readonly CapturedEvent[] | null;
}

/** One request's detail: its row, and its capture when the inspector recorded one. */
export interface HistoryDetail {
  readonly row: HistoryRow;
  readonly capture: Capture | null;
}

/** The formats history exports to. */
export type ExportFormat = 'csv' | 'json' | 'har';
