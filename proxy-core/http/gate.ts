// The gate every request passes before memex acts on it (admission.ts): refuses browsers,
// DNS-rebound Host names, TRACE and requests that loop back into memex. Pure: a few header
// lookups, no I/O.

import type { ProxyErrorCode } from '../errors.js';

/** Why a request is refused by the gate. */
export interface Refusal {
  readonly code: ProxyErrorCode;
  readonly message: string;
}

/** What the gate needs to know about the listener, compiled once per config. */
export interface GateContext {
  /** The port memex listens on. */
  readonly port: number;
  /** True when the listener is loopback only (then Host is checked, see `isLocalHostHeader`). */
  readonly loopback: boolean;
  /** The configured listen host, also accepted in Host (e.g. `127.0.0.2`). */
  readonly listenHost: string;
  /** The Via token memex adds to requests it forwards (`memex-<id>`), lowercase. */
  readonly viaToken: string;
}

/** The headers the gate reads, as Node parses them (lowercase names). */
export interface GateRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly httpVersion: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The header list as received; Node's `headers` keeps only the first of repeated Host fields. */
  readonly rawHeaders?: readonly string[];
}

/**
 * Checks one request (CONNECT included); null lets it through.
 *
 * - A web `Origin` (any value, `null` too) or `Sec-Fetch-Site: cross-site | same-site` means a
 *   web page sent it: 403, so no page can reach memex or, through it, a vendor with a local key.
 *   Node SDKs, curl and undici send neither.
 * - On a loopback listener, an origin-form request (reverse routes, `/_memex/*`) must name
 *   memex itself in Host: a page on a rebinding domain sends its own name (DNS rebinding).
 *   Absolute-form and CONNECT are exempt: there Host names the target.
 * - TRACE echoes the request, credentials included (RFC 9110 §9.3.8): 405.
 * - A request that carries memex's own Via token has been through this memex already: 508.
 * - Host missing (HTTP/1.1 origin-form) or repeated (any request but CONNECT): 400.
 */
export function checkRequest(req: GateRequest, context: GateContext): Refusal | null {
  const headers = req.headers;
  if (headers['origin'] !== undefined) {
    return { code: 'BROWSER_REFUSED', message: BROWSER_MESSAGE };
  }
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string') {
    const lower = site.trim().toLowerCase();
    if (lower === 'cross-site' || lower === 'same-site') {
      return { code: 'BROWSER_REFUSED', message: BROWSER_MESSAGE };
    }
  }
  if (req.method === 'TRACE') {
    return { code: 'METHOD_NOT_ALLOWED', message: 'memex does not answer TRACE' };
  }
  const via = headers['via'];
  if (via !== undefined && hasViaToken(via, context.viaToken)) {
    return {
      code: 'LOOP_DETECTED',
      message: 'this request has already passed through this memex (Via); refusing to loop',
    };
  }
  if (req.method === 'CONNECT') return null;
  // RFC 9112 §3.2: more than one Host is a 400. Node keeps the first and drops the rest, so a
  // front end and the upstream could disagree on the host.
  if (req.rawHeaders !== undefined && hasRepeatedHost(req.rawHeaders)) {
    return { code: 'BAD_REQUEST', message: 'the request has more than one Host header field' };
  }
  const url = req.url ?? '';
  if (url.charCodeAt(0) !== 47 /* / */) return null;
  const host = headers['host'];
  if (typeof host !== 'string' || host === '') {
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400.
    if (req.httpVersion === '1.0') return null;
    return { code: 'BAD_REQUEST', message: 'HTTP/1.1 request has no Host header' };
  }
  if (context.loopback && !isLocalHostHeader(host, context.port, context.listenHost)) {
    return {
      code: 'HOST_REFUSED',
      message:
        'Host must name this proxy (localhost, 127.0.0.1 or [::1] with its port); ' +
        'other names are refused to defeat DNS rebinding',
    };
  }
  return null;
}

const BROWSER_MESSAGE =
  'memex refuses requests from web pages (Origin or Sec-Fetch-Site header): a page must not ' +
  'reach local API traffic; call the API from a program instead';

/**
 * True when a Host header value is `localhost`, `127.0.0.1`, `[::1]` or `listenHost`, with
 * `port` (80 when it has none).
 */
export function isLocalHostHeader(host: string, port: number, listenHost = ''): boolean {
  const lower = host.toLowerCase();
  let name = lower;
  let given = 80;
  const colon = lower.lastIndexOf(':');
  if (colon !== -1 && colon > lower.lastIndexOf(']')) {
    const digits = lower.slice(colon + 1);
    if (!/^\d{1,5}$/.test(digits)) return false;
    name = lower.slice(0, colon);
    given = Number(digits);
  }
  if (given !== port) return false;
  if (name === 'localhost' || name === '127.0.0.1' || name === '[::1]') return true;
  const own = listenHost.toLowerCase();
  return own !== '' && (name === own || name === `[${own}]`);
}

/** True when a Via value lists `token` as a received-by entry (`1.1 memex-abc`). */
export function hasViaToken(via: string | readonly string[], token: string): boolean {
  const joined = typeof via === 'string' ? via : via.join(',');
  for (const entry of joined.split(',')) {
    const parts = entry.trim().split(/\s+/);
    if (parts[1]?.toLowerCase() === token) return true;
  }
  return false;
}

function hasRepeatedHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name?.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
