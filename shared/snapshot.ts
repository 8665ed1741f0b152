// What the worker reports about traffic: the stats snapshot `/_memex/stats` returns and the worker
// sends to the tray app, and the recent-request record inside it; and the check the app runs on
// every snapshot that arrives, field by field.

import type { LimitProvider, LimitWindow, WindowStatus } from './limits.js';
import { SCHEMAS, type SchemaId } from './schemas.js';
import {
  TALLY_KEYS,
  type DayTotals,
  type TokenCounts,
  type UsageOutcome,
  type UsageSnapshot,
  type UsageTally,
} from './usage.js';
import {
  CLIENT_LIMIT,
  PROJECT_LIMIT,
  SESSION_LIMIT,
  USER_LIMIT,
  type ClientRef,
  type ClientStats,
  type ProcessRef,
  type ProjectRef,
  type ProjectStats,
  type SessionStats,
  type UserStats,
  type WhoTally,
} from './who.js';

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
  /**
   * From the request's arrival to the first byte of the response body (or to the head, for a
   * body of none); absent when no response came from upstream.
   */
  readonly ttfbMs?: number;
  /**
   * For streams: from the request's arrival to the first event carrying content (text, tool-call
   * arguments), the time to first token; absent for other responses.
   */
  readonly firstContentMs?: number;
  /** Bytes read from the client after the request head: the request body, on the wire. */
  readonly bytesIn: number;
  /** Bytes written to the client for this request: response head and body, on the wire. */
  readonly bytesOut: number;
  /**
   * What the response said about tokens; absent when memex did not read it (a family it cannot
   * read, an error status, a tunnel, count_tokens).
   */
  readonly usage?: UsageOutcome;
  /** The client program, from the request head (or the CONNECT head, for a tunnel). */
  readonly client?: ClientRef;
  /** The agent's session id, where it sent one. */
  readonly session?: string;
  /** The local process that opened the connection, where the lookup found it. */
  readonly process?: ProcessRef;
  /** The git work tree that process works in. */
  readonly project?: ProjectRef;
  /** The proxy user of the credentials, for a connection from another machine. */
  readonly user?: string;
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

/** Model speed over a span of time, from the responses memex relayed. */
export interface LatencySummary {
  readonly samples: number;
  readonly ttfbMsP50: number | null;
  readonly ttfbMsP95: number | null;
  /** Streams' time to first content event (first token). */
  readonly firstContentMsP50: number | null;
  readonly firstContentMsP95: number | null;
  /**
   * Output tokens per second after the first token (the first byte where no content event was
   * seen), p50 over the streamed responses.
   */
  readonly outputTokensPerSecondP50: number | null;
}

export interface ModelLatency {
  readonly lastHour: LatencySummary;
  /** Since local midnight. */
  readonly today: LatencySummary;
}

/** A limit window as last reported, and when. */
export interface SeenWindow extends LimitWindow {
  /** When memex last read this window, ms since the epoch. */
  readonly seenAt: number;
}

/** One point of a window's use over the day: `[time (epoch ms), usedFraction]`. */
export type UsagePoint = readonly [number, number];

/**
 * One provider account's limits: an upstream host and a short, salted, non-reversible
 * fingerprint of the credential (never the credential), so two keys stay apart.
 */
export interface AccountLimits {
  readonly provider: LimitProvider;
  readonly host: string;
  readonly fingerprint: string;
  readonly windows: readonly SeenWindow[];
  /**
   * Per window id, its used fraction over the last 24 hours, at most one point per 5 minutes
   * (the last reading of each), oldest first.
   */
  readonly history: Readonly<Record<string, readonly UsagePoint[]>>;
  /** The binding window's id, where the provider says which one binds. */
  readonly binding: string | null;
  /** The plan, where the provider says it (Codex: `plus`, `pro`…). */
  readonly plan: string | null;
  /** The last `retry-after` the provider sent this account, in ms. */
  readonly retryAfterMs: number | null;
  /** 429s this account got since the worker started. */
  readonly rateLimited: number;
  readonly seenAt: number;
}

/** Failures of one hour, schema and model (`''`: no model known, e.g. an error body). */
export interface ErrorHour {
  /** Start of the hour, ms since the epoch. */
  readonly hour: number;
  readonly schema: SchemaId;
  readonly model: string;
  /** 429s. */
  readonly rateLimited: number;
  /** 529s (Anthropic's overloaded). */
  readonly overloaded: number;
  /** Other 5xx, memex's own 502/504 included. */
  readonly serverErrors: number;
}

export interface LimitsSnapshot {
  /** Most recently seen first. */
  readonly accounts: readonly AccountLimits[];
  /** The last 24 hours, oldest first. */
  readonly errors: readonly ErrorHour[];
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
  /** Per model (as the responses named it), time to first byte and output speed. */
  readonly latency: Readonly<Record<string, ModelLatency>>;
  /** Rate limits and quotas the providers reported, per account; failures per hour. */
  readonly limits: LimitsSnapshot;
  /** Per client program, most recently seen first (at most CLIENT_LIMIT). */
  readonly clients: readonly ClientStats[];
  /** Per agent session, most recently seen first (at most SESSION_LIMIT). */
  readonly sessions: readonly SessionStats[];
  /** Per git work tree, most recently seen first (at most PROJECT_LIMIT). */
  readonly projects: readonly ProjectStats[];
  /**
   * Per proxy user whose credentials admitted requests, most recently seen first (at most
   * USER_LIMIT); empty where no credentials are asked.
   */
  readonly users: readonly UserStats[];
}

/**
 * `value` if it is a whole StatsSnapshot, else undefined: every field present with its type, each
 * schema counted exactly once, counts finite and non-negative, at most RECENT_LIMIT recent
 * requests, and usage a version-1 UsageSnapshot. Fields the type does not name are let through.
 */
export function parseStatsSnapshot(value: unknown): StatsSnapshot | undefined {
  return isStatsSnapshot(value) ? value : undefined;
}

type Fields = Readonly<Record<string, unknown>>;

const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;

function isStatsSnapshot(value: unknown): value is StatsSnapshot {
  if (!isFields(value)) return false;
  const recent = value['recent'];
  return (
    isSchemaRecord(value['requests'], isCount) &&
    isSchemaRecord(value['schemas'], isSchemaTotals) &&
    isCount(value['active']) &&
    isTunnels(value['tunnels']) &&
    hasCounts(value['websockets'], ['total', 'active']) &&
    isCount(value['uptimeMs']) &&
    Array.isArray(recent) &&
    recent.length <= RECENT_LIMIT &&
    recent.every(isRequestRecord) &&
    isUsageSnapshot(value['usage']) &&
    isFields(value['latency']) &&
    Object.values(value['latency']).every(isModelLatency) &&
    isLimitsSnapshot(value['limits']) &&
    isList(value['clients'], CLIENT_LIMIT, isClientStats) &&
    isList(value['sessions'], SESSION_LIMIT, isSessionStats) &&
    isList(value['projects'], PROJECT_LIMIT, isProjectStats) &&
    isList(value['users'], USER_LIMIT, isUserStats)
  );
}

function isList<V>(
  value: unknown,
  limit: number,
  isEntry: (entry: unknown) => entry is V,
): value is readonly V[] {
  return Array.isArray(value) && value.length <= limit && value.every(isEntry);
}

const TALLY_COUNTS = [
  'requests',
  'errors',
  'bytesIn',
  'bytesOut',
  'input',
  'output',
  'cacheRead',
  'cacheWrite',
  'tunnels',
  'firstSeen',
  'lastSeen',
] as const satisfies readonly (keyof WhoTally)[];

function isWhoTally(value: unknown): value is Fields {
  if (!hasCounts(value, TALLY_COUNTS) || !isCountOrNull(value['cost'])) return false;
  const today = value['today'];
  return hasCounts(today, ['requests', 'tokens']) && isCountOrNull(today['cost']);
}

function isClientStats(value: unknown): value is ClientStats {
  return isWhoTally(value) && isClientRef(value) && isCount(value['sessionsToday']);
}

function isSessionStats(value: unknown): value is SessionStats {
  return (
    isWhoTally(value) &&
    typeof value['id'] === 'string' &&
    typeof value['client'] === 'string' &&
    (value['project'] === null || isProjectRef(value['project'])) &&
    isTextOrNull(value['process'])
  );
}

function isUserStats(value: unknown): value is UserStats {
  return isWhoTally(value) && typeof value['name'] === 'string';
}

function isProjectStats(value: unknown): value is ProjectStats {
  if (!isWhoTally(value) || !isProjectRef(value)) return false;
  const clients = value['clients'];
  return Array.isArray(clients) && clients.every((name: unknown) => typeof name === 'string');
}

function isClientRef(value: unknown): value is ClientRef {
  return isFields(value) && typeof value['name'] === 'string' && isTextOrNull(value['version']);
}

function isProcessRef(value: unknown): value is ProcessRef {
  return (
    isFields(value) &&
    typeof value['pid'] === 'number' &&
    Number.isInteger(value['pid']) &&
    typeof value['name'] === 'string' &&
    isTextOrNull(value['cwd'])
  );
}

function isProjectRef(value: unknown): value is ProjectRef {
  return (
    isFields(value) &&
    typeof value['root'] === 'string' &&
    typeof value['name'] === 'string' &&
    isTextOrNull(value['branch'])
  );
}

const PROVIDERS: ReadonlySet<unknown> = new Set<LimitProvider>([
  'anthropic',
  'anthropic-subscription',
  'openai',
  'codex',
]);
const STATUSES: ReadonlySet<unknown> = new Set<WindowStatus>([
  'allowed',
  'warning',
  'rejected',
  'unknown',
]);

function isLimitsSnapshot(value: unknown): value is LimitsSnapshot {
  if (!isFields(value)) return false;
  const { accounts, errors } = value;
  return (
    Array.isArray(accounts) &&
    accounts.every(isAccountLimits) &&
    Array.isArray(errors) &&
    errors.every(isErrorHour)
  );
}

function isAccountLimits(value: unknown): value is AccountLimits {
  if (!hasCounts(value, ['rateLimited', 'seenAt'])) return false;
  const windows = value['windows'];
  return (
    PROVIDERS.has(value['provider']) &&
    typeof value['host'] === 'string' &&
    typeof value['fingerprint'] === 'string' &&
    Array.isArray(windows) &&
    windows.every(isSeenWindow) &&
    isFields(value['history']) &&
    Object.values(value['history']).every(isUsageHistory) &&
    isTextOrNull(value['binding']) &&
    isTextOrNull(value['plan']) &&
    isCountOrNull(value['retryAfterMs'])
  );
}

function isUsageHistory(value: unknown): value is readonly UsagePoint[] {
  return (
    Array.isArray(value) &&
    value.every(
      (point: unknown) =>
        Array.isArray(point) && point.length === 2 && isCount(point[0]) && isCount(point[1]),
    )
  );
}

function isSeenWindow(value: unknown): value is SeenWindow {
  return (
    hasCounts(value, ['seenAt']) &&
    typeof value['id'] === 'string' &&
    STATUSES.has(value['status']) &&
    isCountOrNull(value['usedFraction']) &&
    isCountOrNull(value['limit']) &&
    isCountOrNull(value['remaining']) &&
    isCountOrNull(value['resetsAt']) &&
    isCountOrNull(value['windowMinutes'])
  );
}

function isErrorHour(value: unknown): value is ErrorHour {
  return (
    hasCounts(value, ['hour', 'rateLimited', 'overloaded', 'serverErrors']) &&
    isSchemaId(value['schema']) &&
    typeof value['model'] === 'string'
  );
}

function isTextOrNull(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

function isModelLatency(value: unknown): value is ModelLatency {
  return isFields(value) && isLatencySummary(value['lastHour']) && isLatencySummary(value['today']);
}

function isLatencySummary(value: unknown): value is LatencySummary {
  return (
    hasCounts(value, ['samples']) &&
    isCountOrNull(value['ttfbMsP50']) &&
    isCountOrNull(value['ttfbMsP95']) &&
    isCountOrNull(value['firstContentMsP50']) &&
    isCountOrNull(value['firstContentMsP95']) &&
    isCountOrNull(value['outputTokensPerSecondP50'])
  );
}

function isCountOrNull(value: unknown): boolean {
  return value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
}

function isSchemaTotals(value: unknown): value is SchemaTotals {
  return hasCounts(value, ['requests', 'errors', 'bytesIn', 'bytesOut']);
}

function isTunnels(value: unknown): value is StatsSnapshot['tunnels'] {
  return (
    hasCounts(value, ['total', 'active', 'failed', 'bytesIn', 'bytesOut']) &&
    isFields(value['byHost']) &&
    Object.values(value['byHost']).every(isTunnelHost)
  );
}

function isTunnelHost(value: unknown): value is TunnelHost {
  return isFields(value) && isSchemaId(value['schema']) && isCount(value['count']);
}

function isRequestRecord(value: unknown): value is RequestRecord {
  if (!hasCounts(value, ['time', 'durationMs', 'bytesIn', 'bytesOut'])) return false;
  const { status, usage } = value;
  return (
    typeof value['method'] === 'string' &&
    typeof value['host'] === 'string' &&
    typeof value['path'] === 'string' &&
    isSchemaId(value['schema']) &&
    typeof status === 'number' &&
    Number.isInteger(status) &&
    status >= 0 &&
    status <= 999 &&
    typeof value['complete'] === 'boolean' &&
    (value['ttfbMs'] === undefined || isCount(value['ttfbMs'])) &&
    (value['firstContentMs'] === undefined || isCount(value['firstContentMs'])) &&
    (usage === undefined || isUsageOutcome(usage)) &&
    (value['client'] === undefined || isClientRef(value['client'])) &&
    (value['session'] === undefined || typeof value['session'] === 'string') &&
    (value['process'] === undefined || isProcessRef(value['process'])) &&
    (value['project'] === undefined || isProjectRef(value['project'])) &&
    (value['user'] === undefined || typeof value['user'] === 'string')
  );
}

function isUsageOutcome(value: unknown): value is UsageOutcome {
  if (!isFields(value) || typeof value['model'] !== 'string') return false;
  switch (value['kind']) {
    case 'counted':
      return isTokenCounts(value['tokens']);
    case 'unknown':
    case 'unparsed':
      return true;
    default:
      return false;
  }
}

function isTokenCounts(value: unknown): value is TokenCounts {
  return hasCounts(value, ['input', 'output', 'cacheRead', 'cacheWrite']);
}

function isUsageTally(value: unknown): value is UsageTally {
  return hasCounts(value, TALLY_KEYS);
}

function isUsageSnapshot(value: unknown): value is UsageSnapshot {
  return (
    isFields(value) &&
    value['version'] === 1 &&
    isFields(value['days']) &&
    Object.entries(value['days']).every(([day, totals]) => DAY_KEY.test(day) && isDayTotals(totals))
  );
}

function isDayTotals(value: unknown): value is DayTotals {
  if (!isFields(value)) return false;
  const { schemas, models } = value;
  return (
    isFields(schemas) &&
    Object.entries(schemas).every(([schema, tally]) => isSchemaId(schema) && isUsageTally(tally)) &&
    isFields(models) &&
    Object.values(models).every(isUsageTally)
  );
}

// Every schema as a key, and no other key: menus sum these records' values.
function isSchemaRecord<V>(
  value: unknown,
  isValue: (entry: unknown) => entry is V,
): value is Record<SchemaId, V> {
  return (
    isFields(value) &&
    Object.keys(value).length === SCHEMAS.length &&
    SCHEMAS.every((schema) => isValue(value[schema]))
  );
}

function isSchemaId(value: unknown): value is SchemaId {
  return SCHEMAS.some((schema) => schema === value);
}

function hasCounts(value: unknown, keys: readonly string[]): value is Fields {
  return isFields(value) && keys.every((key) => isCount(value[key]));
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
