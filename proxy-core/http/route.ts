// Routing: a pure decision from the request line to where a request goes. One function, no I/O,
// so every case is a row in a table test.

import { detectSchema, type SchemaId } from './schema.js';

/** Where a request goes. */
export type Route =
  | {
      readonly kind: 'forward';
      /** `http://host:port` or `https://host:port` from an absolute-form request. */
      readonly origin: string;
      /** Path and query to send upstream. */
      readonly path: string;
      readonly schema: SchemaId;
    }
  | {
      readonly kind: 'reverse';
      /** Configured upstream name. */
      readonly upstream: string;
      /** Path and query to send upstream, below the upstream's own base path. */
      readonly path: string;
      readonly schema: SchemaId;
    }
  | { readonly kind: 'internal'; readonly endpoint: 'stats' | 'health' }
  | {
      readonly kind: 'reject';
      readonly code: 'BAD_REQUEST' | 'NO_ROUTE';
      readonly message: string;
      /** The path, if the request had one, for stats. */
      readonly path: string;
    };

// An unprefixed request goes to the upstream serving its detected schema.
const SCHEMA_UPSTREAM: Readonly<Record<SchemaId, string | undefined>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  'openai-responses': 'openai',
  gemini: 'gemini',
  ollama: 'ollama',
  unknown: undefined,
};

const INTERNAL_PREFIX = '/_memex/';

/**
 * Routes a request by its request-target (RFC 9112 §3.2): absolute-form → forward; origin-form →
 * memex's own endpoints, a `/<upstream>/…` reverse route, or the detected schema's upstream.
 */
export function route(url: string, upstreams: ReadonlySet<string>): Route {
  if (url.charCodeAt(0) === 47 /* / */) return routeOriginForm(url, upstreams);
  if (/^https?:\/\//i.test(url)) return routeAbsoluteForm(url);
  return {
    kind: 'reject',
    code: 'BAD_REQUEST',
    message: `request target "${truncate(url)}" is neither absolute-form (http://host/path) nor a path`,
    path: '',
  };
}

function routeAbsoluteForm(url: string): Route {
  // An http(s) URI with an empty host must be rejected (RFC 9110 §4.2.1); WHATWG URL would
  // instead take the first path segment as the host (`http:///x` → `http://x/`).
  if (/^https?:\/\/[/\\]/i.test(url)) {
    return { kind: 'reject', code: 'BAD_REQUEST', message: 'request URL has no host', path: '' };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {
      kind: 'reject',
      code: 'BAD_REQUEST',
      message: `request target "${truncate(url)}" is not a valid URL`,
      path: '',
    };
  }
  return {
    kind: 'forward',
    origin: parsed.origin,
    path: parsed.pathname + parsed.search,
    schema: detectSchema(parsed.pathname),
  };
}

function routeOriginForm(url: string, upstreams: ReadonlySet<string>): Route {
  const queryAt = url.indexOf('?');
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);

  if (pathname.startsWith(INTERNAL_PREFIX)) {
    const endpoint = pathname.slice(INTERNAL_PREFIX.length);
    if (endpoint === 'stats' || endpoint === 'health') return { kind: 'internal', endpoint };
    return noRoute(pathname, upstreams);
  }

  const slash = pathname.indexOf('/', 1);
  const first = slash === -1 ? pathname.slice(1) : pathname.slice(1, slash);
  if (upstreams.has(first)) {
    const rest = url.slice(1 + first.length);
    const path = rest === '' || rest.charCodeAt(0) === 63 /* ? */ ? '/' + rest : rest;
    const restPathname = slash === -1 ? '/' : pathname.slice(slash);
    return { kind: 'reverse', upstream: first, path, schema: detectSchema(restPathname) };
  }

  const schema = detectSchema(pathname);
  const upstream = SCHEMA_UPSTREAM[schema];
  if (upstream !== undefined && upstreams.has(upstream)) {
    return { kind: 'reverse', upstream, path: url, schema };
  }
  return noRoute(pathname, upstreams);
}

function noRoute(pathname: string, upstreams: ReadonlySet<string>): Route {
  const served = [...upstreams].map((name) => `/${name}/…`);
  for (const [path, upstream] of UNPREFIXED_EXAMPLES) {
    if (upstreams.has(upstream)) served.push(path);
  }
  served.push('/_memex/stats', '/_memex/health');
  return {
    kind: 'reject',
    code: 'NO_ROUTE',
    message:
      `no route for ${truncate(pathname)}: memex serves ${served.join(', ')}; as a forward ` +
      'proxy it takes absolute URLs (HTTP_PROXY) and CONNECT (HTTPS_PROXY)',
    path: pathname,
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
