// Routing: a pure decision from the request line to where a request goes, carrying everything the
// later stages need (the resolved target, the path to send, the schema, the path stats show), so
// nothing downstream parses the URL again. No I/O: every case is a row in a table test.

import { bareHost, defaultPort } from '../../shared/address.js';
import type { SchemaId } from '../../shared/schemas.js';
import { detectSchema } from './schema.js';

/** An origin to dial, resolved once (per upstream at config time, per URL in forward mode). */
export interface Origin {
  readonly secure: boolean;
  /** Name or address to dial (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** Host header value: the URL's host, default port omitted (RFC 9112 §3.2.2). */
  readonly host: string;
}

/** A configured reverse route: `/<name>/…` goes to `<url>/…`. */
export interface Upstream extends Origin {
  readonly name: string;
  /** The upstream URL's own path, without a trailing slash ('' for the root). */
  readonly basePath: string;
  /** True when the upstream is this memex itself: every request to it is a loop (508). */
  readonly self: boolean;
}

/** The reverse routes of one config, compiled once. */
export interface RouteTable {
  readonly upstreams: ReadonlyMap<string, Upstream>;
}

/** Where a request goes. Every kind carries `pathname`: the client's path, no query, for stats. */
export type Route =
  | {
      readonly kind: 'forward';
      /** The absolute-form URL's origin. */
      readonly target: Origin;
      /** Path and query to send upstream. */
      readonly path: string;
      readonly pathname: string;
      readonly schema: SchemaId;
    }
  | {
      readonly kind: 'reverse';
      readonly upstream: Upstream;
      /** Path and query to send upstream, below the upstream's own base path. */
      readonly path: string;
      readonly pathname: string;
      readonly schema: SchemaId;
    }
  | {
      readonly kind: 'internal';
      readonly endpoint: 'stats' | 'health' | 'history' | 'metrics';
      readonly pathname: string;
      /** The query string without its `?` (the history endpoint's filters). */
      readonly query: string;
    }
  | {
      readonly kind: 'reject';
      readonly code: 'BAD_REQUEST' | 'NO_ROUTE' | 'LOOP_DETECTED';
      readonly message: string;
      /** '' when the request had no path. */
      readonly pathname: string;
    };

/** Where a CONNECT goes: `host:port`, parsed once. */
export type ConnectRoute =
  | { readonly kind: 'tunnel'; readonly target: Authority }
  | { readonly kind: 'reject'; readonly code: 'BAD_REQUEST'; readonly message: string };

/** A CONNECT authority (RFC 9110 §9.3.6): host (IPv6 without brackets) and port. */
export interface Authority {
  readonly host: string;
  readonly port: number;
}

/** The origin of an http(s) URL. */
export function toOrigin(url: URL): Origin {
  const secure = url.protocol === 'https:';
  return {
    secure,
    hostname: bareHost(url.hostname),
    port: Number(url.port) || defaultPort(secure),
    host: url.host,
  };
}

/**
 * Compiles configured upstreams (name → URL, already validated). `isSelf` says whether an origin
 * is this memex's own listener.
 */
export function toRouteTable(
  upstreams: Readonly<Record<string, string>>,
  isSelf: (origin: Origin) => boolean,
): RouteTable {
  const compiled = new Map<string, Upstream>();
  for (const [name, text] of Object.entries(upstreams)) {
    const url = new URL(text);
    const origin = toOrigin(url);
    compiled.set(name, {
      ...origin,
      name,
      basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, ''),
      self: isSelf(origin),
    });
  }
  return { upstreams: compiled };
}

// An unprefixed request goes to the upstream serving its detected schema.
const SCHEMA_UPSTREAM: Readonly<Record<SchemaId, string | undefined>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  'openai-responses': 'openai',
  'openai-realtime': 'openai',
  gemini: 'gemini',
  'gemini-live': 'gemini',
  ollama: 'ollama',
  unknown: undefined,
};

const INTERNAL_PREFIX = '/_memex/';

/**
 * Routes a request by its request-target (RFC 9112 §3.2): absolute-form → forward; origin-form →
 * memex's own endpoints, a `/<upstream>/…` reverse route, or the detected schema's upstream.
 */
export function route(url: string, table: RouteTable): Route {
  if (url.charCodeAt(0) === 47 /* / */) return routeOriginForm(url, table);
  if (/^https?:\/\//i.test(url)) return routeAbsoluteForm(url);
  return {
    kind: 'reject',
    code: 'BAD_REQUEST',
    message: `request target "${truncate(url)}" is neither absolute-form (http://host/path) nor a path`,
    pathname: '',
  };
}

/** Routes a CONNECT by its authority-form target (`host:port`, `[v6]:port`). */
export function routeConnect(authority: string): ConnectRoute {
  const target = parseAuthority(authority);
  if (target !== null) return { kind: 'tunnel', target };
  return {
    kind: 'reject',
    code: 'BAD_REQUEST',
    message: `CONNECT target "${authority.slice(0, 200)}" is not host:port`,
  };
}

/** Parses a CONNECT authority; null when malformed. */
export function parseAuthority(authority: string): Authority | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/.exec(authority);
  if (match === null) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  const host = match[1] ?? match[2];
  return host === undefined ? null : { host, port };
}

function routeAbsoluteForm(url: string): Route {
  // An http(s) URI with an empty host must be rejected (RFC 9110 §4.2.1); WHATWG URL would
  // instead take the first path segment as the host (`http:///x` → `http://x/`).
  if (/^https?:\/\/[/\\]/i.test(url)) {
    return {
      kind: 'reject',
      code: 'BAD_REQUEST',
      message: 'request URL has no host',
      pathname: '',
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {
      kind: 'reject',
      code: 'BAD_REQUEST',
      message: `request target "${truncate(url)}" is not a valid URL`,
      pathname: '',
    };
  }
  return {
    kind: 'forward',
    target: toOrigin(parsed),
    path: parsed.pathname + parsed.search,
    pathname: parsed.pathname,
    schema: detectSchema(parsed.pathname),
  };
}

function routeOriginForm(url: string, table: RouteTable): Route {
  const queryAt = url.indexOf('?');
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);

  if (pathname.startsWith(INTERNAL_PREFIX)) {
    const endpoint = pathname.slice(INTERNAL_PREFIX.length);
    if (
      endpoint === 'stats' ||
      endpoint === 'health' ||
      endpoint === 'history' ||
      endpoint === 'metrics'
    ) {
      return {
        kind: 'internal',
        endpoint,
        pathname,
        query: queryAt === -1 ? '' : url.slice(queryAt + 1),
      };
    }
    return noRoute(pathname, table);
  }

  const slash = pathname.indexOf('/', 1);
  const first = slash === -1 ? pathname.slice(1) : pathname.slice(1, slash);
  const named = table.upstreams.get(first);
  if (named !== undefined) {
    const rest = url.slice(1 + first.length);
    const path = rest === '' || rest.charCodeAt(0) === 63 /* ? */ ? '/' + rest : rest;
    const restPathname = slash === -1 ? '/' : pathname.slice(slash);
    return reverse(named, path, pathname, detectSchema(restPathname));
  }

  const schema = detectSchema(pathname);
  const name = SCHEMA_UPSTREAM[schema];
  const upstream = name === undefined ? undefined : table.upstreams.get(name);
  if (upstream !== undefined) return reverse(upstream, url, pathname, schema);
  return noRoute(pathname, table);
}

function reverse(upstream: Upstream, path: string, pathname: string, schema: SchemaId): Route {
  if (upstream.self) {
    return {
      kind: 'reject',
      code: 'LOOP_DETECTED',
      message: `upstream ${upstream.name} is this memex itself`,
      pathname,
    };
  }
  return { kind: 'reverse', upstream, path, pathname, schema };
}

function noRoute(pathname: string, table: RouteTable): Route {
  const served = [...table.upstreams.keys()].map((name) => `/${name}/…`);
  for (const [path, upstream] of UNPREFIXED_EXAMPLES) {
    if (table.upstreams.has(upstream)) served.push(path);
  }
  served.push('/_memex/stats', '/_memex/health', '/_memex/history', '/_memex/metrics');
  return {
    kind: 'reject',
    code: 'NO_ROUTE',
    message:
      `no route for ${truncate(pathname)}: memex serves ${served.join(', ')}; as a forward ` +
      'proxy it takes absolute URLs (HTTP_PROXY) and CONNECT (HTTPS_PROXY)',
    pathname,
  };
}

// Unprefixed paths named in the 404 message, with the upstream each needs.
const UNPREFIXED_EXAMPLES: readonly (readonly [string, string])[] = [
  ['/v1/messages', 'anthropic'],
  ['/v1/chat/completions', 'openai'],
  ['/v1/responses', 'openai'],
  ['/v1beta/models/…:generateContent', 'gemini'],
  ['/api/chat', 'ollama'],
];

// Echoed targets lose their query (it can carry a key, `?key=`) and are cut to a readable length.
function truncate(text: string): string {
  const queryAt = text.indexOf('?');
  const bare = queryAt === -1 ? text : text.slice(0, queryAt);
  return bare.length > 200 ? bare.slice(0, 200) + '…' : bare;
}
