// Checking the `otlp:` section: where metrics are pushed, with which headers, how often.

import { checkKeys, isInteger, isPlainObject, show, type Report } from './check.js';
import { DEFAULT_CONFIG, type OtlpConfig } from './config.js';

const OTLP_KEYS = ['endpoint', 'headers', 'interval_ms'] as const;
// Below this a push costs more than it tells; a collector aggregates over 10 s or more anyway.
const MIN_INTERVAL_MS = 1_000;
// RFC 9110 §5.1: a field name is a token.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §5.5: no control characters in a field value but tab.
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** The `otlp:` section, checked; problems are reported and the defaults kept for them. */
export function checkOtlp(value: unknown, report: Report): OtlpConfig {
  const defaults = DEFAULT_CONFIG.otlp;
  if (!isPlainObject(value)) {
    report(['otlp'], 'expected a mapping with endpoint, headers, interval_ms');
    return defaults;
  }
  checkKeys(value, ['otlp'], OTLP_KEYS, report);
  return {
    endpoint: checkEndpoint(value['endpoint'], report),
    headers: checkHeaders(value['headers'], report),
    interval_ms: checkInterval(value['interval_ms'], report),
  };
}

function checkEndpoint(value: unknown, report: Report): string | null {
  if (value === undefined || value === null) return null;
  const url = typeof value === 'string' ? parseUrl(value) : null;
  if (typeof value !== 'string' || url === null) {
    report(['otlp', 'endpoint'], `${show(value)} is not a URL (e.g. http://collector:4318)`);
    return null;
  }
  if (url.username !== '' || url.password !== '') {
    // Not repeated: the message would print the password. Credentials in a URL end up in logs.
    report(['otlp', 'endpoint'], 'carries credentials; send them as a header in otlp.headers');
    return null;
  }
  const usable =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    url.search === '' &&
    url.hash === '';
  if (!usable) {
    report(
      ['otlp', 'endpoint'],
      `${show(value)} is not an http:// or https:// URL without a query (e.g. http://collector:4318)`,
    );
    return null;
  }
  return value;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function checkHeaders(value: unknown, report: Report): Readonly<Record<string, string>> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    report(['otlp', 'headers'], 'expected a mapping of header names to values');
    return {};
  }
  const headers: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) {
      report(['otlp', 'headers', name], 'is not a header name');
    } else if (typeof text !== 'string' || BAD_HEADER_VALUE.test(text)) {
      // The value is a secret: never repeated in a message.
      report(['otlp', 'headers', name], 'expected a text value without line breaks');
    } else headers[name] = text;
  }
  return headers;
}

function checkInterval(value: unknown, report: Report): number {
  const fallback = DEFAULT_CONFIG.otlp.interval_ms;
  if (value === undefined) return fallback;
  if (!isInteger(value) || value < MIN_INTERVAL_MS) {
    report(['otlp', 'interval_ms'], `${show(value)} is not a whole number ≥ ${MIN_INTERVAL_MS}`);
    return fallback;
  }
  return value;
}
