// What /_memex/metrics counts: requests, tokens, cost, 429s, tunnels and durations per bounded
// label set, fed by stats.ts once per finished exchange or opened tunnel (a few map updates,
// nothing per chunk), and turned into metric families only when scraped (metrics-families.ts).

import type { RequestRecord } from '../../shared/snapshot.js';
import type { SchemaId } from '../../shared/schemas.js';
import { PriceCache } from '../../shared/price-cache.js';
import { costAt, type Pricing } from '../../shared/pricing.js';
import type { TokenCounts } from '../../shared/usage.js';

/** Upper bounds of the duration and time-to-first-byte buckets, in seconds. */
export const DURATION_BUCKETS_S: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600,
];

/** Distinct models, clients, tunnel hosts and proxy users that keep their own label value. */
export const MODEL_LABELS = 50;
export const CLIENT_LABELS = 30;
export const HOST_LABELS = 100;
export const USER_LABELS = 100;

/** Where values past a label's bound are counted. */
export const OTHER = 'other';
/** The model of a response that named none, the client of a request without a user agent. */
export const UNKNOWN = 'unknown';

/** A request's outcome as a label: its status class, `error` when no whole response came. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error';

// Model names come from upstream bodies: a local server may name its model by file path.
const MODEL_CHARS = 100;
// A client name past this (an unknown agent's cut user agent) is no product name.
const CLIENT_CHARS = 40;
// Config user names are at most 64 characters (validate.ts); auth.username may be longer.
const USER_CHARS = 64;
// Raw values remembered per label; past it the memo starts over (a hostile upstream's names).
const KNOWN_LIMIT = 512;
const SEPARATOR = '\u0000';
// One token (RFC 9110 §10.1.5's product name, letters first), or words without digits.
const PRODUCT = /^[A-Za-z][\w.+-]*$/;
const WORDS = /^[A-Za-z][A-Za-z.()+-]*(?: [A-Za-z.()+-]+)*$/;

/**
 * Label values given out first come, first kept: the first `limit` distinct values keep their
 * name for the process's life and every later one is counted as `other`. A value never moves
 * between series, so every series only grows and a sum over the label is always the total. (A
 * ranking by use would move a value between its own series and `other` as the ranking changed,
 * which Prometheus reads as counter resets and rate() as spikes.) `unknown` and `other` are no
 * one's values and take no place.
 */
export class LabelValues {
  readonly #kept = new Set<string>();
  // Raw values already turned into labels: a client sends the same model and agent each time, so
  // each is cleaned once. Clearing it changes no answer: what is kept stays kept.
  readonly #known = new Map<string, string>();
  readonly #limit: number;
  readonly #toLabel: (raw: string) => string;

  constructor(limit: number, toLabel: (raw: string) => string) {
    this.#limit = limit;
    this.#toLabel = toLabel;
  }

  /** The label `raw` is counted under. */
  of(raw: string): string {
    const known = this.#known.get(raw);
    if (known !== undefined) return known;
    const label = this.#fold(this.#toLabel(raw));
    if (this.#known.size >= KNOWN_LIMIT) this.#known.clear();
    this.#known.set(raw, label);
    return label;
  }

  #fold(value: string): string {
    if (value === UNKNOWN || value === OTHER || this.#kept.has(value)) return value;
    if (this.#kept.size >= this.#limit) return OTHER;
    this.#kept.add(value);
    return value;
  }
}

/** Counts of observations per bucket (the last one past every bound), with their sum. */
export class HistogramTally {
  readonly counts: number[] = new Array<number>(DURATION_BUCKETS_S.length + 1).fill(0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let index = 0;
    while (index < DURATION_BUCKETS_S.length && seconds > (DURATION_BUCKETS_S[index] ?? 0)) {
      index++;
    }
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * The `user` label: the proxy user whose credentials admitted the request or tunnel. Series of
 * requests no credentials were asked for have no `user` label at all (in PromQL the same as
 * `user=""`), so a memex without users exposes what it did before.
 */
export interface UserLabel {
  readonly user: string | undefined;
}

export interface RequestSeries extends UserLabel {
  readonly schema: SchemaId;
  readonly model: string;
  readonly status: StatusClass;
  readonly client: string;
  count: number;
}

export interface ModelSeries extends UserLabel {
  readonly schema: SchemaId;
  readonly model: string;
  readonly tokens: TokenCounts;
  /** Null while no response of this model was priced. */
  cost: number | null;
}

export interface TunnelSeries extends UserLabel {
  readonly host: string;
  count: number;
}

export interface SchemaSeries {
  rateLimited: number;
  readonly duration: HistogramTally;
  readonly ttfb: HistogramTally;
}

/** The counters behind /_memex/metrics, since the process started. */
export class MetricsBook {
  readonly requests = new Map<string, RequestSeries>();
  readonly models = new Map<string, ModelSeries>();
  readonly schemas = new Map<SchemaId, SchemaSeries>();
  readonly tunnels = new Map<string, TunnelSeries>();
  readonly #modelLabels = new LabelValues(MODEL_LABELS, toModelLabel);
  readonly #clientLabels = new LabelValues(CLIENT_LABELS, toClientLabel);
  readonly #hostLabels = new LabelValues(HOST_LABELS, (host) => host);
  readonly #userLabels = new LabelValues(USER_LABELS, toUserLabel);
  readonly #prices = new PriceCache();

  /** The rates costs are counted at, from now on (config `pricing:`). */
  setPricing(pricing: Pricing): void {
    this.#prices.setPricing(pricing);
  }

  /** Counts one finished exchange (or a response carried in a WebSocket). */
  request(record: RequestRecord): void {
    const { schema } = record;
    const usage = record.usage;
    const model = this.#modelLabels.of(usage?.model ?? '');
    const status = toStatusClass(record);
    const client = this.#clientLabels.of(record.client?.name ?? '');
    const user = this.#userOf(record.user ?? null);
    const userKey = SEPARATOR + (user ?? '');
    const key = schema + SEPARATOR + model + SEPARATOR + status + SEPARATOR + client + userKey;
    const series = this.requests.get(key);
    if (series === undefined) {
      this.requests.set(key, { schema, model, status, client, user, count: 1 });
    } else series.count++;

    let perSchema = this.schemas.get(schema);
    if (perSchema === undefined) {
      perSchema = { rateLimited: 0, duration: new HistogramTally(), ttfb: new HistogramTally() };
      this.schemas.set(schema, perSchema);
    }
    if (record.status === 429) perSchema.rateLimited++;
    // A WebSocket handshake's record lasts as long as its session: no request's duration. The
    // responses carried in the session (method WS) are timed one by one.
    if (record.status !== 101 || record.method === 'WS') {
      perSchema.duration.observe(record.durationMs / 1000);
    }
    if (record.ttfbMs !== undefined) perSchema.ttfb.observe(record.ttfbMs / 1000);

    if (usage?.kind !== 'counted') return;
    const modelKey = schema + SEPARATOR + model + userKey;
    let perModel = this.models.get(modelKey);
    if (perModel === undefined) {
      perModel = {
        schema,
        model,
        user,
        tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        cost: null,
      };
      this.models.set(modelKey, perModel);
    }
    const { tokens } = perModel;
    tokens.input += usage.tokens.input;
    tokens.output += usage.tokens.output;
    tokens.cacheRead += usage.tokens.cacheRead;
    tokens.cacheWrite += usage.tokens.cacheWrite;
    const price = this.#prices.of(usage.model);
    if (price !== null) perModel.cost = (perModel.cost ?? 0) + costAt(price, usage.tokens);
  }

  /** Counts a CONNECT tunnel opened to `host`, admitted as proxy `user` (null: none asked). */
  tunnel(host: string, user: string | null = null): void {
    const label = this.#hostLabels.of(host);
    const userLabel = this.#userOf(user);
    const key = label + SEPARATOR + (userLabel ?? '');
    const series = this.tunnels.get(key);
    if (series === undefined) this.tunnels.set(key, { host: label, user: userLabel, count: 1 });
    else series.count++;
  }

  // No label for no user; a user past the bound is `other`.
  #userOf(user: string | null): string | undefined {
    return user === null ? undefined : this.#userLabels.of(user);
  }
}

/** A request's status class; `error` when it got no status or its response was cut short. */
export function toStatusClass(record: Pick<RequestRecord, 'status' | 'complete'>): StatusClass {
  const { status } = record;
  if (!record.complete || status < 100 || status > 599) return 'error';
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

/**
 * A model name as a label: control characters dropped, a file path (a local server's model
 * file) cut to its last segment so no directory reaches a label, at most 100 characters.
 */
export function toModelLabel(model: string): string {
  const clean = stripControls(model).trim();
  if (clean === '') return UNKNOWN;
  const isPath = /^(?:[/\\~]|[A-Za-z]:[/\\]|\.\.?[/\\])/.test(clean);
  const name = isPath
    ? clean.slice(Math.max(clean.lastIndexOf('/'), clean.lastIndexOf('\\')) + 1)
    : clean;
  if (name === '') return UNKNOWN;
  return name.length > MODEL_CHARS ? name.slice(0, MODEL_CHARS) : name;
}

/**
 * A client name as a label: a known client's name (`Claude Code`, `OpenAI SDK (JS)`), or the
 * product token an unknown user agent starts with (`my-agent` of `my-agent/1.2 (linux)`), so
 * what follows it (a path, a host name, an id) never reaches a label. Known names of several
 * words have no digits; a name of several words with digits (`tool 1.2 pid 4242`) is `other`.
 */
export function toClientLabel(name: string): string {
  if (name === '') return UNKNOWN;
  const slash = name.indexOf('/');
  const product = (slash === -1 ? name : name.slice(0, slash)).trim();
  if (product.length > CLIENT_CHARS) return OTHER;
  return PRODUCT.test(product) || WORDS.test(product) ? product : OTHER;
}

/** A proxy user's name as a label: control characters dropped, at most 64 characters. */
export function toUserLabel(name: string): string {
  const clean = stripControls(name).trim();
  if (clean === '') return UNKNOWN;
  return clean.length > USER_CHARS ? clean.slice(0, USER_CHARS) : clean;
}

function stripControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return text.replace(/[\u0000-\u001f\u007f]/g, '');
}
