// Traffic counters, kept off the hot path: a request is recorded once, when it ends, as a handful
// of integer updates and one slot in a fixed ring; snapshots are built only when asked for.

import { SCHEMAS, type SchemaId } from './http/schema.js';
import type { UsageOutcome } from './usage/outcome.js';
import { dayKey, UsageTotals, type UsageSnapshot } from './usage/totals.js';

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
  readonly uptimeMs: number;
  /** The last requests, newest first. */
  readonly recent: RequestRecord[];
  /**
   * Token totals per local day (today and yesterday; the tray app keeps older days), per schema
   * and per model, including any totals the worker was started with.
   */
  readonly usage: UsageSnapshot;
}

/** The ring's size: how many recent requests a snapshot carries. */
export const RECENT_LIMIT = 200;
// Hosts beyond this many are counted under one key, so a scan of many hosts cannot grow memory.
const TUNNEL_HOST_LIMIT = 500;
const OTHER_HOSTS = '(other)';
// Days of token totals a snapshot carries: today, and yesterday for a view open across midnight.
const USAGE_DAYS = 2;

export interface Stats {
  requestStarted(): void;
  requestEnded(record: RequestRecord): void;
  tunnelOpened(host: string, schema: SchemaId): void;
  tunnelClosed(bytesIn: number, bytesOut: number): void;
  tunnelFailed(): void;
  /** Adds persisted token totals (untrusted JSON, validated), so today survives a restart. */
  seedUsage(snapshot: unknown): void;
  /** Increases whenever anything changes, so a reader can skip unchanged snapshots. */
  readonly version: number;
  snapshot(): StatsSnapshot;
}

/** Creates an empty set of counters; `now` is injectable for tests. */
export function createStats(now: () => number = Date.now): Stats {
  const startedAt = now();
  const schemas = Object.fromEntries(
    SCHEMAS.map((id) => [id, { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 }]),
  ) as Record<SchemaId, SchemaTotals>;
  const ring: (RequestRecord | undefined)[] = new Array<RequestRecord | undefined>(RECENT_LIMIT);
  let ringNext = 0;
  let active = 0;
  const tunnels = { total: 0, active: 0, failed: 0, bytesIn: 0, bytesOut: 0 };
  const byHost = new Map<string, TunnelHost>();
  let version = 0;
  const usage = new UsageTotals();
  // The day key is computed once per day, not once per request.
  let today = '';
  let tomorrowAt = 0;
  const dayOf = (time: number): string => {
    if (time >= tomorrowAt) {
      const date = new Date(time);
      today = dayKey(date);
      tomorrowAt = new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime();
      usage.prune(date, USAGE_DAYS);
    }
    return today;
  };

  return {
    requestStarted() {
      active++;
      version++;
    },
    requestEnded(record) {
      active--;
      const totals = schemas[record.schema];
      totals.requests++;
      if (!record.complete || record.status >= 400) totals.errors++;
      totals.bytesIn += record.bytesIn;
      totals.bytesOut += record.bytesOut;
      if (record.usage !== undefined) usage.add(record.schema, record.usage, dayOf(now()));
      ring[ringNext] = record;
      ringNext = (ringNext + 1) % RECENT_LIMIT;
      version++;
    },
    seedUsage(snapshot) {
      usage.merge(snapshot);
      usage.prune(new Date(now()), USAGE_DAYS);
      version++;
    },
    tunnelOpened(host, schema) {
      tunnels.total++;
      tunnels.active++;
      const key = byHost.has(host) || byHost.size < TUNNEL_HOST_LIMIT ? host : OTHER_HOSTS;
      // '(other)' gathers hosts of every schema, so it cannot take the first one's.
      const label = key === host ? schema : 'unknown';
      const entry = byHost.get(key);
      if (entry === undefined) byHost.set(key, { schema: label, count: 1 });
      else entry.count++;
      version++;
    },
    tunnelClosed(bytesIn, bytesOut) {
      tunnels.active--;
      tunnels.bytesIn += bytesIn;
      tunnels.bytesOut += bytesOut;
      version++;
    },
    tunnelFailed() {
      tunnels.failed++;
      version++;
    },
    get version() {
      return version;
    },
    snapshot() {
      const recent: RequestRecord[] = [];
      for (let i = 1; i <= RECENT_LIMIT; i++) {
        const record = ring[(ringNext - i + RECENT_LIMIT) % RECENT_LIMIT];
        if (record === undefined) break;
        recent.push(record);
      }
      const requests = {} as Record<SchemaId, number>;
      const copies = {} as Record<SchemaId, SchemaTotals>;
      for (const id of SCHEMAS) {
        requests[id] = schemas[id].requests;
        copies[id] = { ...schemas[id] };
      }
      const hosts: Record<string, TunnelHost> = {};
      for (const [host, entry] of byHost) hosts[host] = { ...entry };
      return {
        requests,
        schemas: copies,
        active,
        tunnels: { ...tunnels, byHost: hosts },
        uptimeMs: now() - startedAt,
        recent,
        usage: usage.snapshot(),
      };
    },
  };
}
