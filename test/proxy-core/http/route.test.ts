import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  route as routeWith,
  routeConnect,
  toRouteTable,
  type Route as Decision,
} from '../../../proxy-core/http/route.js';
import { detectSchema } from '../../../proxy-core/http/schema.js';
import type { SchemaId } from '../../../shared/schemas.js';

const DEFAULT_NAMES: ReadonlySet<string> = new Set(['anthropic', 'openai']);

/** A decision as these tables spell it: the upstream by name, the forward target as an origin. */
type Route =
  | { kind: 'forward'; origin: string; path: string; schema: SchemaId }
  | { kind: 'reverse'; upstream: string; path: string; schema: SchemaId }
  | { kind: 'internal'; endpoint: 'stats' | 'health' | 'history' | 'metrics'; query: string }
  | {
      kind: 'reject';
      code: 'BAD_REQUEST' | 'NO_ROUTE' | 'LOOP_DETECTED';
      message: string;
      path: string;
    };

/** Routes `url` with upstreams of these names (each at an https URL of its own). */
function route(url: string, names: ReadonlySet<string>): Route {
  const table = toRouteTable(
    Object.fromEntries([...names].map((name) => [name, `https://${name}.example`])),
    () => false,
  );
  const decision: Decision = routeWith(url, table);
  switch (decision.kind) {
    case 'forward': {
      const { target } = decision;
      const origin = `${target.secure ? 'https' : 'http'}://${target.host}`;
      return { kind: 'forward', origin, path: decision.path, schema: decision.schema };
    }
    case 'reverse':
      return {
        kind: 'reverse',
        upstream: decision.upstream.name,
        path: decision.path,
        schema: decision.schema,
      };
    case 'internal':
      return { kind: 'internal', endpoint: decision.endpoint, query: decision.query };
    case 'reject':
      return {
        kind: 'reject',
        code: decision.code,
        message: decision.message,
        path: decision.pathname,
      };
  }
}

type RouteCase = readonly [url: string, want: Route];

/** A reject without its message, so tables can compare kind, code and path exactly. */
type Outcome =
  Exclude<Route, { kind: 'reject' }> | Omit<Extract<Route, { kind: 'reject' }>, 'message'>;

function outcomeOf(result: Route): Outcome {
  if (result.kind !== 'reject') return result;
  return { kind: result.kind, code: result.code, path: result.path };
}

function routeAll(
  urls: readonly string[],
  upstreams: ReadonlySet<string> = DEFAULT_NAMES,
): [string, Outcome][] {
  return urls.map((url) => [url, outcomeOf(route(url, upstreams))]);
}

function assertRoutes(cases: readonly RouteCase[], upstreams = DEFAULT_NAMES): void {
  assert.deepEqual(
    cases.map(([url]) => [url, route(url, upstreams)]),
    cases.map(([url, want]) => [url, want]),
  );
}

function noRoute(path: string): Outcome {
  return { kind: 'reject', code: 'NO_ROUTE', path };
}

function badRequest(): Outcome {
  return { kind: 'reject', code: 'BAD_REQUEST', path: '' };
}

test('forwards absolute-form http and https URLs to their origin, keeping path and query', () => {
  assertRoutes([
    [
      'http://example.com/v1/messages?beta=true',
      {
        kind: 'forward',
        origin: 'http://example.com',
        path: '/v1/messages?beta=true',
        schema: 'anthropic',
      },
    ],
    [
      'https://api.openai.com/v1/chat/completions',
      {
        kind: 'forward',
        origin: 'https://api.openai.com',
        path: '/v1/chat/completions',
        schema: 'openai',
      },
    ],
    [
      'https://api.openai.com:8443/v1/responses?stream=true',
      {
        kind: 'forward',
        origin: 'https://api.openai.com:8443',
        path: '/v1/responses?stream=true',
        schema: 'openai-responses',
      },
    ],
    [
      'http://127.0.0.1:11434/api/chat',
      { kind: 'forward', origin: 'http://127.0.0.1:11434', path: '/api/chat', schema: 'ollama' },
    ],
    [
      'https://api.anthropic.com:443/v1/messages',
      {
        kind: 'forward',
        origin: 'https://api.anthropic.com',
        path: '/v1/messages',
        schema: 'anthropic',
      },
    ],
    [
      'HTTP://Example.COM',
      { kind: 'forward', origin: 'http://example.com', path: '/', schema: 'unknown' },
    ],
    [
      'http://[::1]:8080/x?a=b',
      { kind: 'forward', origin: 'http://[::1]:8080', path: '/x?a=b', schema: 'unknown' },
    ],
    [
      'http://user:secret@example.com/v1/messages',
      {
        kind: 'forward',
        origin: 'http://example.com',
        path: '/v1/messages',
        schema: 'anthropic',
      },
    ],
  ]);
});

test('forwards absolute-form URLs as they are, even when their path looks like a memex route', () => {
  assertRoutes([
    [
      'http://example.com/anthropic/v1/messages',
      {
        kind: 'forward',
        origin: 'http://example.com',
        path: '/anthropic/v1/messages',
        schema: 'anthropic',
      },
    ],
    [
      'http://example.com/_memex/stats',
      { kind: 'forward', origin: 'http://example.com', path: '/_memex/stats', schema: 'unknown' },
    ],
  ]);
});

test('rejects absolute-form URLs that do not parse as BAD_REQUEST', () => {
  const urls = ['http://', 'http://[bad', 'http://a b/', 'https://:443/x', 'http://user@/x'];
  assert.deepEqual(
    routeAll(urls),
    urls.map((url) => [url, badRequest()]),
  );
  assert.deepEqual(route('http://[bad', DEFAULT_NAMES), {
    kind: 'reject',
    code: 'BAD_REQUEST',
    message: 'request target "http://[bad" is not a valid URL',
    path: '',
  });
});

test('rejects absolute-form URLs with an empty host instead of taking the path as the host', () => {
  const urls = ['http:///x', 'http:////example.com/x', 'HTTPS:///v1/messages', 'http://\\evil/x'];
  assert.deepEqual(
    urls.map((url) => [url, route(url, DEFAULT_NAMES)]),
    urls.map((url) => [
      url,
      { kind: 'reject', code: 'BAD_REQUEST', message: 'request URL has no host', path: '' },
    ]),
  );
});

test('rejects request targets that are neither a path nor an http(s) URL as BAD_REQUEST', () => {
  const urls = ['*', 'example.com:443', 'ftp://example.com/x', 'v1/messages', ''];
  assert.deepEqual(
    routeAll(urls),
    urls.map((url) => [url, badRequest()]),
  );
  assert.deepEqual(route('*', DEFAULT_NAMES), {
    kind: 'reject',
    code: 'BAD_REQUEST',
    message: 'request target "*" is neither absolute-form (http://host/path) nor a path',
    path: '',
  });
});

test('answers /_memex/stats, /_memex/health, /_memex/history and /_memex/metrics itself, with or without a query', () => {
  assertRoutes([
    ['/_memex/stats', { kind: 'internal', endpoint: 'stats', query: '' }],
    ['/_memex/health', { kind: 'internal', endpoint: 'health', query: '' }],
    ['/_memex/metrics', { kind: 'internal', endpoint: 'metrics', query: '' }],
    ['/_memex/stats?pretty=1', { kind: 'internal', endpoint: 'stats', query: 'pretty=1' }],
    [
      '/_memex/history?since=1&format=csv',
      { kind: 'internal', endpoint: 'history', query: 'since=1&format=csv' },
    ],
  ]);
});

test('rejects any other /_memex path as NO_ROUTE', () => {
  const urls = [
    '/_memex/x',
    '/_memex/',
    '/_memex/stats/',
    '/_memex/Stats',
    '/_memex',
    '/_memex/x?y',
  ];
  assert.deepEqual(routeAll(urls), [
    ['/_memex/x', noRoute('/_memex/x')],
    ['/_memex/', noRoute('/_memex/')],
    ['/_memex/stats/', noRoute('/_memex/stats/')],
    ['/_memex/Stats', noRoute('/_memex/Stats')],
    ['/_memex', noRoute('/_memex')],
    ['/_memex/x?y', noRoute('/_memex/x')],
  ]);
});

test('reverse-routes /<upstream>/<rest> to that upstream with the prefix removed', () => {
  assertRoutes([
    [
      '/anthropic/v1/messages',
      { kind: 'reverse', upstream: 'anthropic', path: '/v1/messages', schema: 'anthropic' },
    ],
    [
      '/anthropic/v1/messages?beta=true',
      {
        kind: 'reverse',
        upstream: 'anthropic',
        path: '/v1/messages?beta=true',
        schema: 'anthropic',
      },
    ],
    [
      '/openai/v1/chat/completions',
      { kind: 'reverse', upstream: 'openai', path: '/v1/chat/completions', schema: 'openai' },
    ],
    [
      '/openai/v1/responses',
      { kind: 'reverse', upstream: 'openai', path: '/v1/responses', schema: 'openai-responses' },
    ],
    [
      '/openai/v1/models',
      { kind: 'reverse', upstream: 'openai', path: '/v1/models', schema: 'unknown' },
    ],
  ]);
});

test('turns a bare upstream prefix into the upstream root, keeping any query', () => {
  assertRoutes([
    ['/anthropic', { kind: 'reverse', upstream: 'anthropic', path: '/', schema: 'unknown' }],
    ['/anthropic/', { kind: 'reverse', upstream: 'anthropic', path: '/', schema: 'unknown' }],
    [
      '/anthropic?x=1',
      { kind: 'reverse', upstream: 'anthropic', path: '/?x=1', schema: 'unknown' },
    ],
    [
      '/anthropic/?x=1',
      { kind: 'reverse', upstream: 'anthropic', path: '/?x=1', schema: 'unknown' },
    ],
  ]);
});

test('lets the prefix choose the upstream even when the path speaks another schema', () => {
  assertRoutes([
    [
      '/openai/v1/messages',
      { kind: 'reverse', upstream: 'openai', path: '/v1/messages', schema: 'anthropic' },
    ],
    [
      '/anthropic/../openai/v1/chat/completions',
      {
        kind: 'reverse',
        upstream: 'anthropic',
        path: '/../openai/v1/chat/completions',
        schema: 'openai',
      },
    ],
  ]);
});

test('sends unprefixed API paths, query included, to the upstream of their schema', () => {
  assertRoutes([
    [
      '/v1/messages',
      { kind: 'reverse', upstream: 'anthropic', path: '/v1/messages', schema: 'anthropic' },
    ],
    [
      '/v1/messages/count_tokens?beta=true',
      {
        kind: 'reverse',
        upstream: 'anthropic',
        path: '/v1/messages/count_tokens?beta=true',
        schema: 'anthropic',
      },
    ],
    [
      '/v1/chat/completions',
      { kind: 'reverse', upstream: 'openai', path: '/v1/chat/completions', schema: 'openai' },
    ],
    [
      '/v1/responses',
      { kind: 'reverse', upstream: 'openai', path: '/v1/responses', schema: 'openai-responses' },
    ],
  ]);
});

test('sends unprefixed Gemini and Ollama paths to upstreams of those names when configured', () => {
  const names = new Set(['anthropic', 'openai', 'gemini', 'ollama']);
  assertRoutes(
    [
      [
        '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
        {
          kind: 'reverse',
          upstream: 'gemini',
          path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
          schema: 'gemini',
        },
      ],
      ['/api/chat', { kind: 'reverse', upstream: 'ollama', path: '/api/chat', schema: 'ollama' }],
    ],
    names,
  );
  assert.deepEqual(routeAll(['/v1beta/models/m:generateContent', '/api/generate']), [
    ['/v1beta/models/m:generateContent', noRoute('/v1beta/models/m:generateContent')],
    ['/api/generate', noRoute('/api/generate')],
  ]);
});

test('routes only to upstream names in the given set', () => {
  const names = new Set(['claude']);
  assert.deepEqual(
    routeAll(['/claude/v1/messages', '/anthropic/v1/messages', '/v1/messages', '/openai/x'], names),
    [
      [
        '/claude/v1/messages',
        { kind: 'reverse', upstream: 'claude', path: '/v1/messages', schema: 'anthropic' },
      ],
      ['/anthropic/v1/messages', noRoute('/anthropic/v1/messages')],
      ['/v1/messages', noRoute('/v1/messages')],
      ['/openai/x', noRoute('/openai/x')],
    ],
  );
  assert.deepEqual(routeAll(['/v1/messages', '/anthropic/v1/messages', '/x'], new Set()), [
    ['/v1/messages', noRoute('/v1/messages')],
    ['/anthropic/v1/messages', noRoute('/anthropic/v1/messages')],
    ['/x', noRoute('/x')],
  ]);
});

test('answers an unknown path with NO_ROUTE whose message lists the configured routes', () => {
  assert.deepEqual(route('/v1/models', DEFAULT_NAMES), {
    kind: 'reject',
    code: 'NO_ROUTE',
    message:
      'no route for /v1/models: memex serves /anthropic/…, /openai/…, /v1/messages, ' +
      '/v1/chat/completions, /v1/responses, /_memex/stats, /_memex/health, /_memex/history, ' +
      '/_memex/metrics; as a forward proxy ' +
      'it takes absolute URLs (HTTP_PROXY) and CONNECT (HTTPS_PROXY)',
    path: '/v1/models',
  });
  const other = route('/nope', new Set(['local-llm', 'anthropic']));
  assert.ok(other.kind === 'reject');
  assert.match(
    other.message,
    /^no route for \/nope: memex serves \/local-llm\/…, \/anthropic\/…, \/v1\/messages, \/_memex\/stats, /,
  );
  const none = route('/nope', new Set());
  assert.ok(none.kind === 'reject');
  assert.match(
    none.message,
    /^no route for \/nope: memex serves \/_memex\/stats, \/_memex\/health, \/_memex\/history, \/_memex\/metrics; /,
  );
});

test('keeps the query out of a BAD_REQUEST message that echoes the target', () => {
  const result = route('http://[bad?key=secret-key', DEFAULT_NAMES);
  assert.ok(result.kind === 'reject');
  assert.equal(result.message.includes('secret-key'), false);
});

test('keeps the query, which may carry a key, out of a NO_ROUTE path and message', () => {
  const result = route('/nope?key=secret-key', DEFAULT_NAMES);
  assert.ok(result.kind === 'reject');
  assert.equal(result.path, '/nope');
  assert.equal(result.message.includes('secret-key'), false);
});

test('truncates a long path in the NO_ROUTE message to 200 characters', () => {
  const long = '/' + 'a'.repeat(299);
  const result = route(long, DEFAULT_NAMES);
  assert.ok(result.kind === 'reject');
  assert.equal(result.path, long);
  assert.ok(result.message.startsWith(`no route for ${long.slice(0, 200)}…: memex serves `));
});

test('does not let look-alike prefixes reach an upstream unless the path is an API path', () => {
  const urls = [
    '/anthropic@evil/x',
    '//evil/x',
    '/anthropicX/v1/messages',
    '/anthropicX/x',
    '/anthropic@evil/v1/messages',
    '//evil.example/v1/messages',
    '/anthropic.evil/x',
    '/ANTHROPIC/x',
    '/%61nthropic/x',
  ];
  assert.deepEqual(routeAll(urls), [
    ['/anthropic@evil/x', noRoute('/anthropic@evil/x')],
    ['//evil/x', noRoute('//evil/x')],
    [
      '/anthropicX/v1/messages',
      {
        kind: 'reverse',
        upstream: 'anthropic',
        path: '/anthropicX/v1/messages',
        schema: 'anthropic',
      },
    ],
    ['/anthropicX/x', noRoute('/anthropicX/x')],
    [
      '/anthropic@evil/v1/messages',
      {
        kind: 'reverse',
        upstream: 'anthropic',
        path: '/anthropic@evil/v1/messages',
        schema: 'anthropic',
      },
    ],
    [
      '//evil.example/v1/messages',
      {
        kind: 'reverse',
        upstream: 'anthropic',
        path: '//evil.example/v1/messages',
        schema: 'anthropic',
      },
    ],
    ['/anthropic.evil/x', noRoute('/anthropic.evil/x')],
    ['/ANTHROPIC/x', noRoute('/ANTHROPIC/x')],
    ['/%61nthropic/x', noRoute('/%61nthropic/x')],
  ]);
  // The invariant behind the table: a look-alike reaches the anthropic upstream only as an
  // unprefixed Anthropic API path, sent on whole, never with a prefix stripped.
  for (const url of urls) {
    const result = route(url, DEFAULT_NAMES);
    if (result.kind === 'reverse') {
      assert.equal(detectSchema(url), 'anthropic', url);
      assert.equal(result.path, url, url);
    }
  }
});

test('a reverse decision carries its upstream resolved from the config, basePath included', () => {
  const table = toRouteTable(
    { anthropic: 'https://api.anthropic.com', local: 'http://[::1]:11434/ollama/' },
    () => false,
  );
  const decision = routeWith('/local/api/chat?x=1', table);
  assert.ok(decision.kind === 'reverse');
  assert.equal(decision.upstream, table.upstreams.get('local'));
  assert.deepEqual(decision.upstream, {
    secure: false,
    hostname: '::1',
    port: 11434,
    host: '[::1]:11434',
    name: 'local',
    basePath: '/ollama',
    self: false,
  });
  assert.equal(decision.path, '/api/chat?x=1');
  assert.equal(decision.pathname, '/local/api/chat');
  const unprefixed = routeWith('/v1/messages', table);
  assert.ok(unprefixed.kind === 'reverse');
  assert.deepEqual(
    [unprefixed.upstream.hostname, unprefixed.upstream.port, unprefixed.upstream.secure],
    ['api.anthropic.com', 443, true],
  );
});

test('an upstream that is memex itself is a LOOP_DETECTED decision, by prefix and by schema', () => {
  const table = toRouteTable({ anthropic: 'http://127.0.0.1:8080' }, (origin) => {
    return origin.hostname === '127.0.0.1' && origin.port === 8080;
  });
  for (const url of ['/anthropic/v1/messages', '/v1/messages?beta=true']) {
    const decision = routeWith(url, table);
    assert.ok(decision.kind === 'reject', url);
    assert.equal(decision.code, 'LOOP_DETECTED');
    assert.equal(decision.message, 'upstream anthropic is this memex itself');
  }
});

test('a CONNECT authority is parsed once into host and port, or rejected', () => {
  assert.deepEqual(routeConnect('api.anthropic.com:443'), {
    kind: 'tunnel',
    target: { host: 'api.anthropic.com', port: 443 },
  });
  assert.deepEqual(routeConnect('[::1]:8443'), {
    kind: 'tunnel',
    target: { host: '::1', port: 8443 },
  });
  for (const bad of ['api.anthropic.com', 'host:0', 'host:70000', 'a b:443', '']) {
    assert.equal(routeConnect(bad).kind, 'reject', bad);
  }
});
