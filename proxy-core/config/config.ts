// The one Config type memex runs on, with its defaults. Keys are spelled as users write them in
// memex.yml / memex.toml, so an error's key path is the key the user typed.

import { checkKeys, isInteger, isPlainObject, show, type Report } from './check.js';
import type { ModelPrice, Pricing } from '../../shared/pricing.js';

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
}

/** Proxy credentials a client must send as Basic `Proxy-Authorization`. */
export interface Auth {
  readonly username: string;
  readonly password: string;
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
   * Proxy credentials (`auth.username`, `auth.password`), checked on every request when `host`
   * is not a loopback address; required then. Default null (none).
   */
  readonly auth: Auth | null;
  /**
   * Prices per million tokens by model-name glob (`claude-sonnet-4*: {input_per_mtok: 3, …}`),
   * for the cost columns; memex ships none. Default {} (no costs shown).
   */
  readonly pricing: Pricing;
}

export const DEFAULT_UPSTREAMS: Readonly<Record<string, string>> = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com',
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
  },
  auth: null,
  pricing: {},
};

/**
 * True when `host` (a configured listen address) reaches this machine only: `localhost`, 127/8
 * or `::1`. Everything else, `0.0.0.0` and `::` included, counts as exposed.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
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
    'network could use this proxy; set auth.username and auth.password in the config file ' +
    '(clients then send Proxy-Authorization), or listen on 127.0.0.1'
  );
}

/** The formats a config file may be written in. */
export type ConfigFormat = 'yaml' | 'toml';

export type ConfigErrorCode =
  'CONFIG_INVALID' | 'CONFIG_SYNTAX' | 'CONFIG_NOT_FOUND' | 'CONFIG_UNREADABLE';

/** One problem in a config, located as precisely as the parser allows. */
export interface ConfigIssue {
  /** Dotted key path (`upstreams.openai`); '' for the document itself. */
  readonly keyPath: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * A config that cannot be used. Its message has one line per issue, each
 * `FILE:LINE:COLUMN: KEY.PATH: what is wrong`.
 */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(
    code: ConfigErrorCode,
    file: string,
    issues: readonly ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'), options);
    this.name = 'ConfigError';
    this.code = code;
    this.file = file;
    this.issues = issues;
  }

  /** Key path of the first issue. */
  get keyPath(): string {
    return this.issues[0]?.keyPath ?? '';
  }

  /** Line of the first issue, when known. */
  get line(): number | undefined {
    return this.issues[0]?.line;
  }
}

function formatIssue(file: string, issue: ConfigIssue): string {
  const where =
    issue.line === undefined
      ? file
      : issue.column === undefined
        ? `${file}:${issue.line}`
        : `${file}:${issue.line}:${issue.column}`;
  return issue.keyPath === ''
    ? `${where}: ${issue.message}`
    : `${where}: ${issue.keyPath}: ${issue.message}`;
}

const TIMEOUT_KEYS = [
  'header_ms',
  'connect_ms',
  'response_header_ms',
  'stream_idle_ms',
  'tunnel_idle_ms',
] as const;
const TOP_KEYS = [
  'host',
  'port',
  'upstreams',
  'connect_ports',
  'timeouts',
  'auth',
  'pricing',
] as const;
const PRICE_KEYS = [
  'input_per_mtok',
  'output_per_mtok',
  'cache_read_per_mtok',
  'cache_write_per_mtok',
] as const;
const AUTH_KEYS = ['username', 'password'] as const;

/** Finds where a key path sits in the source text (1-based), when the format can say. */
type Locate = (path: readonly string[]) => { line: number; column: number } | undefined;

/**
 * Checks a parsed config document and layers it on `base` (upstreams are merged by name). Throws
 * a ConfigError listing every problem, each with its key path and, through `locate`, its line.
 */
export function toConfig(
  value: unknown,
  file: string,
  locate: Locate = () => undefined,
  base: Config = DEFAULT_CONFIG,
): Config {
  const issues: ConfigIssue[] = [];
  const report = (path: readonly string[], message: string): void => {
    issues.push({ keyPath: path.join('.'), message, ...locate(path) });
  };
  if (value === null || value === undefined) return base;
  if (!isPlainObject(value)) {
    report([], `expected a mapping of keys (${TOP_KEYS.join(', ')})`);
    throw new ConfigError('CONFIG_INVALID', file, issues);
  }

  checkKeys(value, [], TOP_KEYS, report);
  const host = value['host'] === undefined ? base.host : checkHost(value['host'], report);
  const port = value['port'] === undefined ? base.port : checkPort(value['port'], report);
  const upstreams = { ...base.upstreams };
  if (value['upstreams'] !== undefined) {
    const given = value['upstreams'];
    if (!isPlainObject(given)) report(['upstreams'], 'expected a mapping of name: URL');
    else {
      for (const [name, url] of Object.entries(given)) {
        if (!isUpstreamName(name)) {
          report(['upstreams', name], 'a route name uses only letters, digits, ".", "_" and "-"');
        } else if (typeof url !== 'string' || !isHttpUrl(url)) {
          report(['upstreams', name], `${show(url)} is not an http(s) URL`);
        } else upstreams[name] = url;
      }
    }
  }
  let connectPorts = base.connect_ports;
  if (value['connect_ports'] === null) connectPorts = null;
  else if (value['connect_ports'] !== undefined) {
    const given = value['connect_ports'];
    if (!Array.isArray(given)) report(['connect_ports'], 'expected a list of ports, e.g. [443]');
    else {
      given.forEach((item: unknown, index) => {
        if (!isInteger(item) || item < 1 || item > 65535) {
          report(['connect_ports', String(index)], `${show(item)} is not a port from 1 to 65535`);
        }
      });
      connectPorts = given as number[];
    }
  }
  const timeouts = { ...base.timeouts };
  if (value['timeouts'] !== undefined) {
    const given = value['timeouts'];
    if (!isPlainObject(given)) report(['timeouts'], 'expected a mapping of timeouts in ms');
    else {
      checkKeys(given, ['timeouts'], TIMEOUT_KEYS, report);
      for (const key of TIMEOUT_KEYS) {
        const ms = given[key];
        if (ms === undefined) continue;
        if (!isInteger(ms) || ms <= 0) {
          report(['timeouts', key], `${show(ms)} is not a positive whole number of milliseconds`);
        } else timeouts[key] = ms;
      }
    }
  }
  const auth = value['auth'] === undefined ? base.auth : checkAuth(value['auth'], report);
  const pricing =
    value['pricing'] === undefined ? base.pricing : checkPricing(value['pricing'], report);
  if (issues.length > 0) throw new ConfigError('CONFIG_INVALID', file, issues);
  return { host, port, upstreams, connect_ports: connectPorts, timeouts, auth, pricing };
}

// A file's pricing replaces the base's whole: rates are the user's, never merged with others.
function checkPricing(value: unknown, report: Report): Pricing {
  if (value === null) return {};
  if (!isPlainObject(value)) {
    report(['pricing'], 'expected a mapping of model pattern: {input_per_mtok, output_per_mtok}');
    return {};
  }
  const pricing: Record<string, ModelPrice> = {};
  for (const [pattern, rates] of Object.entries(value)) {
    if (pattern.trim() === '') {
      report(['pricing', pattern], 'a model pattern must not be empty');
      continue;
    }
    if (!isPlainObject(rates)) {
      report(['pricing', pattern], 'expected a mapping of rates per million tokens');
      continue;
    }
    checkKeys(rates, ['pricing', pattern], PRICE_KEYS, report);
    const price: ModelPrice = {};
    for (const key of PRICE_KEYS) {
      const rate = rates[key];
      if (rate === undefined) continue;
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
        report(['pricing', pattern, key], `${show(rate)} is not a price (a number ≥ 0)`);
      } else price[key] = rate;
    }
    pricing[pattern] = price;
  }
  return pricing;
}

// Credentials are never echoed in a message: the file may be shown, the error may be logged.
function checkAuth(value: unknown, report: Report): Auth | null {
  if (value === null) return null;
  if (!isPlainObject(value)) {
    report(['auth'], 'expected a mapping with username and password');
    return null;
  }
  checkKeys(value, ['auth'], AUTH_KEYS, report);
  const { username, password } = value;
  let ok = true;
  if (typeof username !== 'string' || username === '' || username.includes(':')) {
    report(['auth', 'username'], 'expected a non-empty string without ":"');
    ok = false;
  }
  if (typeof password !== 'string' || password === '') {
    report(['auth', 'password'], 'expected a non-empty string');
    ok = false;
  }
  return ok ? { username: username as string, password: password as string } : null;
}

function checkHost(value: unknown, report: Report): string {
  if (typeof value === 'string' && value.trim() !== '' && !/[\s/]/.test(value)) return value;
  report(['host'], `${show(value)} is not a host name or address`);
  return '';
}

function checkPort(value: unknown, report: Report): number {
  if (isInteger(value) && value >= 0 && value <= 65535) return value;
  report(['port'], `${show(value)} is not a port from 0 to 65535`);
  return 0;
}

/** True for a usable route name: letters, digits, `.`, `_`, `-`, not starting with a symbol. */
export function isUpstreamName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name);
}

/** True for an absolute http:// or https:// URL with a host. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
