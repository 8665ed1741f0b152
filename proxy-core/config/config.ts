// The one Config type memex runs on, with its defaults. Keys are spelled as users write them in
// memex.yml / memex.toml, so an error's key path is the key the user typed.

import { bareHost } from '../../shared/address.js';
import type { Pricing } from '../../shared/pricing.js';

/**
 * Timeouts, all in milliseconds; every one is an idle timer except `header_ms` and
 * `response_header_ms`.
 */
export interface Timeouts {
  /**
   * Receiving a request's head (request line and headers), from the connection's first byte: a
   * client trickling its headers (slowloris) is answered 408 and cut. Default 30 000 ms.
   */
  readonly header_ms: number;
  /** Dialling an upstream or a CONNECT target. Default 10 000 ms. */
  readonly connect_ms: number;
  /**
   * From the request to the upstream's response headers; 504 after it. Default 600 000 ms (10
   * min), as the official SDKs wait: a long non-streaming completion sends headers only when done.
   */
  readonly response_header_ms: number;
  /** A response or upload silent this long is cut. No total limit. Default 600 000 ms. */
  readonly stream_idle_ms: number;
  /** A CONNECT tunnel silent this long is closed. Default 3 600 000 ms (1 h). */
  readonly tunnel_idle_ms: number;
  /** A WebSocket silent this long (no frame either way) is closed. Default 3 600 000 ms (1 h). */
  readonly websocket_idle_ms: number;
}

/**
 * Proxy credentials a client must send as Basic `Proxy-Authorization`: one user with a password
 * written in the file (`username` and `password`, both or neither), and/or several users with
 * password hashes (`users`). At least one of the two.
 */
export interface Auth {
  readonly username?: string;
  readonly password?: string;
  /**
   * Proxy users by name, each with a password hash (`scrypt$N=16384,r=8,p=1$…`, printed by
   * `memex-proxy hash-password`). An admitted request is attributed to its user.
   */
  readonly users?: Readonly<Record<string, string>>;
}

/**
 * A TLS listener: clients connect with `https://` (to the proxy itself, as with
 * `HTTPS_PROXY=https://…`). Paths of PEM files; a relative path is relative to the config file's
 * directory. Read at start and on every reload (SIGHUP), so renewed files behind the same paths
 * are served from then on.
 */
export interface TlsConfig {
  /** The certificate, with its chain after it (certbot's fullchain.pem). */
  readonly cert: string;
  /** Its private key, unencrypted. */
  readonly key: string;
}

/** Desktop notifications of the tray app (the proxy itself ignores them). */
export interface Notify {
  /** Percentages of a limit window's use that notify when crossed. Default [80, 95]. */
  readonly thresholds: readonly number[];
}

/** Who is calling: how requests are attributed beyond their head. */
export interface Attribution {
  /**
   * Look up the local process (and its git project) that opened each client connection.
   * Default true.
   */
  readonly processes: boolean;
}

/** The local history of requests (proxy-core/history/). */
export interface HistoryConfig {
  /**
   * The SQLite file; null: no history (memex-proxy's default; the tray app keeps
   * userData/history.db). `--history FILE` sets it.
   */
  readonly path: string | null;
  /** Days kept, today included. Default 90. */
  readonly retention_days: number;
  /** The file's size cap in MB; the oldest days are deleted past it. Default 500. */
  readonly max_mb: number;
}

/** The request inspector: headers and bodies kept with the history (off by default). */
export interface InspectorConfig {
  readonly enabled: boolean;
  /** Each body is kept up to this many KB. Default 256. */
  readonly max_body_kb: number;
  /** Captures are deleted after this many hours. Default 24. */
  readonly retention_hours: number;
}

/** `/_memex/metrics`, the Prometheus endpoint. */
export interface MetricsConfig {
  /**
   * A bearer token scrapers must send (`Authorization: Bearer <token>`) for /_memex/metrics.
   * When set, a valid token is all a scrape needs, on a listener beyond loopback too (no proxy
   * credentials), and nothing else opens /_memex/metrics; the token opens no other endpoint and
   * no route. Default null: /_memex/metrics is served as /_memex/stats is.
   */
  readonly token: string | null;
}

/** OTLP push: memex's metrics sent to an OpenTelemetry collector (off by default). */
export interface OtlpConfig {
  /**
   * The collector's OTLP/HTTP address (`http://collector:4318`); `/v1/metrics` is added unless
   * the path already ends with it, as OTEL_EXPORTER_OTLP_ENDPOINT is read. Default null: off.
   */
  readonly endpoint: string | null;
  /** Headers sent with every export (a collector's API key): never printed or logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** How often metrics are pushed, in ms. Default 60000. */
  readonly interval_ms: number;
}

/** Everything memex-proxy runs on. */
export interface Config {
  /**
   * Address to listen on. Default `127.0.0.1`: loopback only. Any other address (a LAN address,
   * `0.0.0.0`, `::`) requires `auth`.
   */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  readonly port: number;
  /** Reverse routes: `/<name>/<rest>` goes to `<url>/<rest>`. */
  readonly upstreams: Readonly<Record<string, string>>;
  /**
   * Ports a CONNECT may reach; null allows any on a loopback listener and only 443 on any other.
   * Default null.
   */
  readonly connect_ports: readonly number[] | null;
  readonly timeouts: Timeouts;
  /**
   * Proxy credentials (`auth.username` and `auth.password`, or `auth.users`), checked on every
   * request when set; required when `host` is not a loopback address. Default null (none).
   */
  readonly auth: Auth | null;
  /** Serve TLS (`https://`) instead of plain HTTP. Default null (plain HTTP). */
  readonly tls: TlsConfig | null;
  /**
   * Prices per million tokens by model-name glob (`claude-sonnet-4*: {input_per_mtok: 3, …}`),
   * for the cost columns; memex ships none. Default {} (no costs shown).
   */
  readonly pricing: Pricing;
  readonly notify: Notify;
  readonly attribution: Attribution;
  readonly history: HistoryConfig;
  readonly inspector: InspectorConfig;
  readonly metrics: MetricsConfig;
  readonly otlp: OtlpConfig;
}

// One route per API the four coding agents talk to: Claude Code, Codex and the SDKs on the API
// hosts, Gemini CLI on Google's, Codex on a ChatGPT plan on chatgpt.com's backend.
export const DEFAULT_UPSTREAMS: Readonly<Record<string, string>> = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com',
  gemini: 'https://generativelanguage.googleapis.com',
  chatgpt: 'https://chatgpt.com',
};

export const DEFAULT_CONFIG: Config = {
  host: '127.0.0.1',
  port: 8080,
  upstreams: DEFAULT_UPSTREAMS,
  connect_ports: null,
  timeouts: {
    header_ms: 30_000,
    connect_ms: 10_000,
    response_header_ms: 600_000,
    stream_idle_ms: 600_000,
    tunnel_idle_ms: 3_600_000,
    websocket_idle_ms: 3_600_000,
  },
  auth: null,
  tls: null,
  pricing: {},
  notify: { thresholds: [80, 95] },
  attribution: { processes: true },
  history: { path: null, retention_days: 90, max_mb: 500 },
  inspector: { enabled: false, max_body_kb: 256, retention_hours: 24 },
  metrics: { token: null },
  otlp: { endpoint: null, headers: {}, interval_ms: 60_000 },
};

/**
 * True when `host` (a configured listen address) reaches this machine only: `localhost`, 127/8
 * or `::1`. Everything else, `0.0.0.0` and `::` included, counts as exposed.
 */
export function isLoopbackHost(host: string): boolean {
  const lower = bareHost(host).toLowerCase();
  if (lower === 'localhost' || lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  if (lower.startsWith('::ffff:')) return isLoopbackHost(lower.slice(7));
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(lower);
}

/**
 * Why `config` must not be served, or null: a listener other than loopback needs `auth`, since
 * anyone who can reach it could otherwise use memex (and the API keys passing through it).
 */
export function exposureProblem(config: Config): string | null {
  if (isLoopbackHost(config.host) || config.auth !== null) return null;
  return (
    `refusing to listen on ${config.host}: it is not a loopback address, so anyone on the ` +
    'network could use this proxy; set auth.users (or auth.username and auth.password) in the ' +
    'config file (clients then send Proxy-Authorization), or listen on 127.0.0.1'
  );
}

/** The formats a config file may be written in. */
export type ConfigFormat = 'yaml' | 'toml';
