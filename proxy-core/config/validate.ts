// Checking a parsed config document (YAML, TOML, or a config sent by the app) and layering it on a
// base: every key validated, every problem reported with its key path, in one ConfigError.

import type { ModelPrice, Pricing } from '../../shared/pricing.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { checkKeys, isInteger, isPlainObject, show, type Report } from './check.js';
import { checkOtlp } from './otlp.js';
import {
  DEFAULT_CONFIG,
  type Attribution,
  type Config,
  type HistoryConfig,
  type InspectorConfig,
  type MetricsConfig,
  type Notify,
} from './config.js';
import { checkAuth, checkTls } from './gateway.js';

const TIMEOUT_KEYS = [
  'header_ms',
  'connect_ms',
  'response_header_ms',
  'stream_idle_ms',
  'tunnel_idle_ms',
  'websocket_idle_ms',
] as const;
/** The top-level keys of a config, as users write them. */
export const CONFIG_KEYS = [
  'host',
  'port',
  'upstreams',
  'connect_ports',
  'timeouts',
  'auth',
  'tls',
  'pricing',
  'notify',
  'attribution',
  'history',
  'inspector',
  'metrics',
  'otlp',
] as const;
const PRICE_KEYS = [
  'input_per_mtok',
  'output_per_mtok',
  'cache_read_per_mtok',
  'cache_write_per_mtok',
] as const;

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
    report([], `expected a mapping of keys (${CONFIG_KEYS.join(', ')})`);
    throw new ConfigError('CONFIG_INVALID', file, issues);
  }

  checkKeys(value, [], CONFIG_KEYS, report);
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
  const tls = value['tls'] === undefined ? base.tls : checkTls(value['tls'], file, report);
  const pricing =
    value['pricing'] === undefined ? base.pricing : checkPricing(value['pricing'], report);
  const notify = value['notify'] === undefined ? base.notify : checkNotify(value['notify'], report);
  const attribution =
    value['attribution'] === undefined
      ? base.attribution
      : checkAttribution(value['attribution'], report);
  const history =
    value['history'] === undefined ? base.history : checkHistory(value['history'], report);
  const inspector =
    value['inspector'] === undefined ? base.inspector : checkInspector(value['inspector'], report);
  const metrics =
    value['metrics'] === undefined ? base.metrics : checkMetrics(value['metrics'], report);
  const otlp = value['otlp'] === undefined ? base.otlp : checkOtlp(value['otlp'], report);
  if (issues.length > 0) throw new ConfigError('CONFIG_INVALID', file, issues);
  return {
    host,
    port,
    upstreams,
    connect_ports: connectPorts,
    timeouts,
    auth,
    tls,
    pricing,
    notify,
    attribution,
    history,
    inspector,
    metrics,
    otlp,
  };
}

const HISTORY_KEYS = ['path', 'retention_days', 'max_mb'] as const;

function checkHistory(value: unknown, report: Report): HistoryConfig {
  const defaults = DEFAULT_CONFIG.history;
  if (!isPlainObject(value)) {
    report(['history'], 'expected a mapping with path, retention_days, max_mb');
    return defaults;
  }
  checkKeys(value, ['history'], HISTORY_KEYS, report);
  const { path } = value;
  let checkedPath = defaults.path;
  if (path !== undefined && path !== null) {
    if (typeof path !== 'string' || path === '') {
      report(['history', 'path'], `${show(path)} is not a file path`);
    } else checkedPath = path;
  }
  return {
    path: checkedPath,
    retention_days: wholeAtLeast(value, 'history', 'retention_days', 1, defaults, report),
    max_mb: wholeAtLeast(value, 'history', 'max_mb', 1, defaults, report),
  };
}

const INSPECTOR_KEYS = ['enabled', 'max_body_kb', 'retention_hours'] as const;

function checkInspector(value: unknown, report: Report): InspectorConfig {
  const defaults = DEFAULT_CONFIG.inspector;
  if (!isPlainObject(value)) {
    report(['inspector'], 'expected a mapping with enabled, max_body_kb, retention_hours');
    return defaults;
  }
  checkKeys(value, ['inspector'], INSPECTOR_KEYS, report);
  const { enabled } = value;
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    report(['inspector', 'enabled'], `${show(enabled)} is not true or false`);
  }
  return {
    enabled: typeof enabled === 'boolean' ? enabled : defaults.enabled,
    max_body_kb: wholeAtLeast(value, 'inspector', 'max_body_kb', 1, defaults, report),
    retention_hours: wholeAtLeast(value, 'inspector', 'retention_hours', 1, defaults, report),
  };
}

const METRICS_KEYS = ['token'] as const;
// RFC 6750 §2.1: the characters a bearer token may be sent with.
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function checkMetrics(value: unknown, report: Report): MetricsConfig {
  if (!isPlainObject(value)) {
    report(['metrics'], 'expected a mapping with token');
    return DEFAULT_CONFIG.metrics;
  }
  checkKeys(value, ['metrics'], METRICS_KEYS, report);
  const { token } = value;
  if (token === undefined || token === null) return DEFAULT_CONFIG.metrics;
  if (typeof token !== 'string' || !BEARER_TOKEN.test(token)) {
    report(
      ['metrics', 'token'],
      'expected a bearer token: letters, digits and - . _ ~ + / (e.g. from openssl rand -hex 32)',
    );
    return DEFAULT_CONFIG.metrics;
  }
  return { token };
}

// A whole number ≥ `min` at `section.key`, or the default (reported) when it is anything else.
function wholeAtLeast<K extends string>(
  value: Readonly<Record<string, unknown>>,
  section: string,
  key: K,
  min: number,
  defaults: Readonly<Record<K, number | string | boolean | null>>,
  report: Report,
): number {
  const given = value[key];
  const fallback = defaults[key];
  const base = typeof fallback === 'number' ? fallback : min;
  if (given === undefined) return base;
  if (!isInteger(given) || given < min) {
    report([section, key], `${show(given)} is not a whole number ≥ ${min}`);
    return base;
  }
  return given;
}

const ATTRIBUTION_KEYS = ['processes'] as const;

function checkAttribution(value: unknown, report: Report): Attribution {
  if (!isPlainObject(value)) {
    report(['attribution'], 'expected a mapping with processes: true or false');
    return DEFAULT_CONFIG.attribution;
  }
  checkKeys(value, ['attribution'], ATTRIBUTION_KEYS, report);
  const processes = value['processes'];
  if (processes === undefined) return DEFAULT_CONFIG.attribution;
  if (typeof processes !== 'boolean') {
    report(['attribution', 'processes'], `${show(processes)} is not true or false`);
    return DEFAULT_CONFIG.attribution;
  }
  return { processes };
}

const NOTIFY_KEYS = ['thresholds'] as const;

function checkNotify(value: unknown, report: Report): Notify {
  if (!isPlainObject(value)) {
    report(['notify'], 'expected a mapping with thresholds: [80, 95]');
    return DEFAULT_CONFIG.notify;
  }
  checkKeys(value, ['notify'], NOTIFY_KEYS, report);
  const given = value['thresholds'];
  if (given === undefined) return DEFAULT_CONFIG.notify;
  if (!Array.isArray(given)) {
    report(['notify', 'thresholds'], 'expected a list of percentages, e.g. [80, 95]');
    return DEFAULT_CONFIG.notify;
  }
  const thresholds: number[] = [];
  given.forEach((item: unknown, index) => {
    if (typeof item !== 'number' || !(item > 0 && item <= 100)) {
      report(
        ['notify', 'thresholds', String(index)],
        `${show(item)} is not a percentage (0 < p ≤ 100)`,
      );
    } else thresholds.push(item);
  });
  return { thresholds };
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
