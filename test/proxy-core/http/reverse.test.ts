// Reverse routes: `/<name>/<rest>` to a configured upstream with the path and Host rewritten,
// unprefixed /v1/messages and /v1/chat/completions to their schema's upstream, and a JSON 404
// that lists the routes for anything else.

import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import { errorOf, send } from '../../helpers/client.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream, type Upstream } from '../../helpers/servers.js';
import type { TestContext } from 'node:test';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An upstream that records every request it gets and answers `name:<url>`. */
async function startRecordingUpstream(
  t: TestContext,
  name: string,
): Promise<Upstream & { seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = [];
  let connections = 0;
  const upstream = await startUpstream(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.end(`${name}:${req.url ?? ''}`);
    });
  });
  upstream.server.on('connection', () => {
    connections++;
  });
  return { ...upstream, seen, connections: () => connections };
}

test('a reverse route strips its prefix, keeps the query and rewrites Host', async (t) => {
  const upstream = await startRecordingUpstream(t, 'anthropic');
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });

  const received = await send(
    `${proxy.url}/anthropic/v1/messages?beta=true&q=a%20b`,
    { method: 'POST', headers: { 'content-type': 'application/json' } },
    '{"model":"m"}',
  );

  assert.equal(received.status, 200);
  assert.equal(received.body.toString('utf8'), 'anthropic:/v1/messages?beta=true&q=a%20b');
  assert.equal(upstream.seen.length, 1);
  const request = upstream.seen[0];
  assert.ok(request);
  assert.equal(request.method, 'POST');
  assert.equal(request.url, '/v1/messages?beta=true&q=a%20b');
  assert.equal(request.headers.host, `127.0.0.1:${upstream.port}`);
  assert.equal(request.headers['content-type'], 'application/json');
  assert.equal(request.body, '{"model":"m"}');
});

const BASE_PATHS: readonly { base: string; path: string; expected: string }[] = [
  { base: '/base', path: '/v1/chat/completions', expected: '/base/v1/chat/completions' },
  { base: '/base/', path: '/v1/chat/completions', expected: '/base/v1/chat/completions' },
  {
    base: '/openai/v1',
    path: '/chat/completions?x=1',
    expected: '/openai/v1/chat/completions?x=1',
  },
  // As Go's singleJoiningSlash: the bare prefix maps to the upstream's path plus '/'.
  { base: '/base', path: '', expected: '/base/' },
  { base: '/base', path: '?only=query', expected: '/base/?only=query' },
];

for (const row of BASE_PATHS) {
  test(`an upstream with base path ${row.base} receives ${row.expected} for /up${row.path}`, async (t) => {
    const upstream = await startRecordingUpstream(t, 'up');
    const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url + row.base } });

    const received = await send(`${proxy.url}/up${row.path}`);

    assert.equal(received.status, 200);
    const request = upstream.seen[0];
    assert.ok(request);
    assert.equal(request.url, row.expected);
    assert.equal(request.headers.host, `127.0.0.1:${upstream.port}`);
  });
}

test('unprefixed /v1/messages goes to the anthropic upstream and is counted as anthropic', async (t) => {
  const anthropic = await startRecordingUpstream(t, 'anthropic');
  const openai = await startRecordingUpstream(t, 'openai');
  const proxy = await startObservedProxy(t, {
    upstreams: { anthropic: anthropic.url, openai: openai.url },
  });

  const recorded = proxy.nextRecord();
  const received = await send(`${proxy.url}/v1/messages?beta=true`, { method: 'POST' }, '{}');

  assert.equal(received.status, 200);
  assert.equal(received.body.toString('utf8'), 'anthropic:/v1/messages?beta=true');
  assert.equal(anthropic.seen[0]?.headers.host, `127.0.0.1:${anthropic.port}`);
  assert.equal(openai.seen.length, 0);
  const record = await recorded;
  assert.equal(record.schema, 'anthropic');
  assert.equal(record.path, '/v1/messages');
  assert.equal(proxy.proxy.stats.snapshot().requests.anthropic, 1);
});

test('unprefixed /v1/chat/completions goes to the openai upstream and is counted as openai', async (t) => {
  const anthropic = await startRecordingUpstream(t, 'anthropic');
  const openai = await startRecordingUpstream(t, 'openai');
  const proxy = await startObservedProxy(t, {
    upstreams: { anthropic: anthropic.url, openai: openai.url },
  });

  const recorded = proxy.nextRecord();
  const received = await send(`${proxy.url}/v1/chat/completions`, { method: 'POST' }, '{}');

  assert.equal(received.status, 200);
  assert.equal(received.body.toString('utf8'), 'openai:/v1/chat/completions');
  assert.equal(openai.seen[0]?.headers.host, `127.0.0.1:${openai.port}`);
  assert.equal(anthropic.seen.length, 0);
  assert.equal((await recorded).schema, 'openai');
  assert.equal(proxy.proxy.stats.snapshot().requests.openai, 1);
});

test('the prefixed openai route counts /openai/v1/chat/completions as openai', async (t) => {
  const openai = await startRecordingUpstream(t, 'openai');
  const proxy = await startObservedProxy(t, { upstreams: { openai: openai.url } });

  const recorded = proxy.nextRecord();
  const received = await send(`${proxy.url}/openai/v1/chat/completions`, { method: 'POST' }, '{}');

  assert.equal(received.status, 200);
  assert.equal(openai.seen[0]?.url, '/v1/chat/completions');
  const record = await recorded;
  assert.equal(record.schema, 'openai');
  assert.equal(record.host, `127.0.0.1:${openai.port}`);
});

test('an unknown path gets a JSON 404 listing the routes and reaches no upstream', async (t) => {
  const anthropic = await startRecordingUpstream(t, 'anthropic');
  const openai = await startRecordingUpstream(t, 'openai');
  const proxy = await startObservedProxy(t, {
    upstreams: { anthropic: anthropic.url, openai: openai.url },
  });

  const recorded = proxy.nextRecord();
  const received = await send(`${proxy.url}/nowhere/v1/thing?key=secret`, { method: 'POST' }, '{}');

  assert.equal(received.status, 404);
  assert.equal(received.headers['x-memex-error'], 'NO_ROUTE');
  assert.match(String(received.headers['content-type']), /^application\/json/);
  const error = errorOf(received.body);
  assert.equal(error.type, 'proxy_error');
  assert.equal(error.code, 'NO_ROUTE');
  assert.match(error.message, /\/anthropic\//);
  assert.match(error.message, /\/openai\//);
  assert.match(error.message, /\/v1\/messages/);
  assert.match(error.message, /\/v1\/chat\/completions/);
  assert.doesNotMatch(error.message, /secret/);
  const record = await recorded;
  assert.equal(record.status, 404);

  // A request of the test's own, sent after the 404: had the proxy dialled an upstream for the
  // rejected request, that connection would have been accepted first.
  assert.equal((await send(anthropic.url)).status, 200);
  assert.equal((await send(openai.url)).status, 200);
  assert.equal(anthropic.connections(), 1);
  assert.equal(openai.connections(), 1);
  assert.deepEqual(
    [...anthropic.seen, ...openai.seen].map((seen) => seen.url),
    ['/', '/'],
  );
});
