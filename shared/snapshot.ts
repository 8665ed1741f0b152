// What the worker reports about traffic: the stats snapshot `/_memex/stats` returns and the worker
// sends to the tray app, and the recent-request record inside it. The app validates a snapshot on
// arrival.

import type { SchemaId } from './schemas.js';
import type { UsageOutcome, UsageSnapshot } from './usage.js';

/** The recent-requests ring's size: how many recent requests a snapshot carries. */
export const RECENT_LIMIT = 200;

/** One finished request, as the recent-requests list shows it. */
export interface RequestRecord {
  /** When the request arrived, ms since the epoch. */
  readonly time: number;
  readonly method: string;
  /** Upstream host the request went to ('' if it was refused before routing). */
  readonly host: string;
  /** Path without the query string: queries can carry keys (`?key=`). */
  readonly path: string;
  readonly schema: SchemaId;
  /** Response status; 0 when no response headers were sent (client gone first). */
  readonly status: number;
  /** False when the response was cut short (upstream reset, timeout, client gone). */
  readonly complete: boolean;
  readonly durationMs: number;
  /** Bytes read from the client after the request head: the request body, on the wire. */
  readonly bytesIn: number;
  /** Bytes written to the client for this request: response head and body, on the wire. */
  readonly bytesOut: number;
  /**
   * What the response said about tokens; absent when memex did not read it (a family it cannot
   * read, an error status, a tunnel, count_tokens).
   */
  readonly usage?: UsageOutcome;
}

export interface SchemaTotals {
  requests: number;
  /** Requests answered with status ≥ 400, or whose response did not complete. */
  errors: number;
  bytesIn: number;
  bytesOut: number;
}

export interface TunnelHost {
  readonly schema: SchemaId;
  count: number;
}

/** What `/_memex/stats` returns and the worker sends to the tray. */
export interface StatsSnapshot {
  /** Requests per schema (every schema present, 0 when none). */
  readonly requests: Record<SchemaId, number>;
  readonly schemas: Record<SchemaId, SchemaTotals>;
  /** Requests in flight. */
  readonly active: number;
  readonly tunnels: {
    readonly total: number;
    readonly active: number;
    readonly failed: number;
    readonly bytesIn: number;
    readonly bytesOut: number;
    readonly byHost: Record<string, TunnelHost>;
  };
  /** WebSockets relayed (handshakes answered 101) and open now. */
  readonly websockets: { readonly total: number; readonly active: number };
  readonly uptimeMs: number;
  /** The last requests, newest first. */
  readonly recent: RequestRecord[];
  /**
   * Token totals per local day (today and yesterday; the tray app keeps older days), per schema
   * and per model, including any totals the worker was started with.
   */
  readonly usage: UsageSnapshot;
}
