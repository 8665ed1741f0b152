// Traffic counters, kept off the hot path: a request is recorded once, when it ends, as a handful
// of integer updates and one slot in a fixed ring; snapshots are built only when asked for.

import {
  RECENT_LIMIT,
  type RequestRecord,
  type SchemaTotals,
  type StatsSnapshot,
  type TunnelHost,
} from '../shared/snapshot.js';
import { SCHEMAS, type SchemaId } from './http/schema.js';
import type { LimitsReading } from '../shared/limits.js';
import { AccountLimitsBook } from './observe/accounts.js';
import { ErrorBook } from './observe/errors.js';
import { LatencyBook, tokensPerSecond } from './observe/latency.js';
import { MetricsBook } from './observe/metrics.js';
import type { CountSink } from './observe/otlp.js';
import { WhoBook, type TunnelSeen } from './observe/who.js';
import type { Pricing } from '../shared/pricing.js';
import { dayKey, UsageTotals } from './usage/totals.js';

// Hosts beyond this many are counted under one key, so a scan of many hosts cannot grow memory.
const TUNNEL_HOST_LIMIT = 500;
const OTHER_HOSTS = '(other)';
// Days of token totals a snapshot carries: today, and yesterday for a view open across midnight.
const USAGE_DAYS = 2;

export interface Stats {
  requestStarted(): void;
  /**
   * A finished exchange, counted now; `originPending`: its connection's origin is still being
   * looked up, and {@link requestAttributed} follows with it.
   */
  requestEnded(record: RequestRecord, originPending?: boolean): void;
  /** `record`, counted earlier, with its origin now known: listed and attributed as `attributed`. */
  requestAttributed(record: RequestRecord, attributed: RequestRecord): void;
  /** A model response carried inside a WebSocket: counted as a request of its own. */
  responseCarried(record: RequestRecord): void;
  webSocketOpened(): void;
  webSocketClosed(): void;
  /** What a response head said about limits, for the account `host` + `fingerprint`. */
  limitsRead(host: string, fingerprint: string, reading: LimitsReading, status: number): void;
  /** A tunnel to `host` opened, admitted as proxy `user` (null: no credentials asked). */
  tunnelOpened(host: string, schema: SchemaId, user?: string | null): void;
  tunnelClosed(bytesIn: number, bytesOut: number): void;
  /** A closed tunnel's client and origin, once known: counted for them. */
  tunnelAttributed(tunnel: TunnelSeen): void;
  tunnelFailed(): void;
  /** Adds persisted token totals (untrusted JSON, validated), so today survives a restart. */
  seedUsage(snapshot: unknown): void;
  /** The rates costs are counted at from now on (config `pricing:`). */
  setPricing(pricing: Pricing): void;
  /** Increases whenever anything changes, so a reader can skip unchanged snapshots. */
  readonly version: number;
  /** Where every exchange and tunnel counted is also handed (the OTLP push), or null. */
  setSink(sink: CountSink | null): void;
  /** The counters /_memex/metrics exposes, fed here with every exchange and tunnel counted. */
  readonly metrics: MetricsBook;
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
  const websockets = { total: 0, active: 0 };
  const byHost = new Map<string, TunnelHost>();
  let version = 0;
  const usage = new UsageTotals();
  const latency = new LatencyBook();
  const accounts = new AccountLimitsBook();
  const errors = new ErrorBook();
  const who = new WhoBook();
  const metrics = new MetricsBook();
  let sink: CountSink | null = null;
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

  const count = (record: RequestRecord, originPending = false): void => {
    const totals = schemas[record.schema];
    totals.requests++;
    if (!record.complete || record.status >= 400) totals.errors++;
    totals.bytesIn += record.bytesIn;
    totals.bytesOut += record.bytesOut;
    const outcome = record.usage;
    const time = now();
    if (record.status >= 429) errors.add(time, record.schema, outcome?.model ?? '', record.status);
    if (!originPending) who.request(record, time, dayOf(time));
    if (outcome !== undefined) {
      usage.add(record.schema, outcome, dayOf(time));
      if (record.ttfbMs !== undefined && outcome.model !== '') {
        const output = outcome.kind === 'counted' ? outcome.tokens.output : 0;
        const first = record.firstContentMs ?? null;
        const rate = tokensPerSecond(output, record.durationMs, first ?? record.ttfbMs);
        latency.add(outcome.model, time, record.ttfbMs, first, rate);
      }
    }
    metrics.request(record);
    sink?.request(record);
    ring[ringNext] = record;
    ringNext = (ringNext + 1) % RECENT_LIMIT;
    version++;
  };

  return {
    requestStarted() {
      active++;
      version++;
    },
    requestEnded(record, originPending) {
      active--;
      count(record, originPending);
    },
    requestAttributed(record, attributed) {
      const slot = ring.indexOf(record);
      if (slot !== -1) ring[slot] = attributed;
      const time = now();
      who.request(attributed, time, dayOf(time));
      version++;
    },
    responseCarried(record) {
      count(record);
    },
    limitsRead(host, fingerprint, reading, status) {
      accounts.seen(host, fingerprint, reading, status, now());
      version++;
    },
    webSocketOpened() {
      websockets.total++;
      websockets.active++;
      version++;
    },
    webSocketClosed() {
      websockets.active--;
      version++;
    },
    seedUsage(snapshot) {
      usage.merge(snapshot);
      usage.prune(new Date(now()), USAGE_DAYS);
      version++;
    },
    tunnelOpened(host, schema, user) {
      tunnels.total++;
      tunnels.active++;
      metrics.tunnel(host, user ?? null);
      sink?.tunnel(host, user ?? null);
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
    tunnelAttributed(tunnel) {
      const time = now();
      who.tunnel(tunnel, time, dayOf(time));
      version++;
    },
    setPricing(pricing) {
      who.setPricing(pricing);
      metrics.setPricing(pricing);
    },
    tunnelFailed() {
      tunnels.failed++;
      version++;
    },
    setSink(next) {
      sink = next;
    },
    get version() {
      return version;
    },
    metrics,
    snapshot() {
      const time = now();
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
        websockets: { ...websockets },
        uptimeMs: time - startedAt,
        recent,
        usage: usage.snapshot(),
        latency: latency.snapshot(time, startOfDay(time)),
        limits: { accounts: accounts.snapshot(time), errors: errors.snapshot(time) },
        ...who.snapshot({ key: dayOf(time), start: startOfDay(time) }),
      };
    },
  };
}

function startOfDay(time: number): number {
  const date = new Date(time);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}
