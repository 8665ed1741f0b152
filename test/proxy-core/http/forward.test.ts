// Forward mode: absolute-form requests, as HTTP_PROXY clients send them, relayed to the origin in
// the URL with method, target, body and headers intact, and counted under the detected schema.

import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { send } from '../../helpers/client.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream } from '../../helpers/servers.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Resolves with what the upstream received, once its body has fully arrived. */
function capture(req: IncomingMessage): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', reject);
    req.on('end', () => {
      resolve({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
    });
  });
}

test('forward mode relays method, path, query, body and Host to the upstream unchanged', async (t) => {
  let seen!: Promise<Seen>;
  const upstream = await startUpstream(t, (req, res) => {
    seen = capture(req);
    void seen.then(() => res.end('{}'));
  });
  const proxy = await startObservedProxy(t);
  const host = `127.0.0.1:${upstream.port}`;
  const body = JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'hé' }] });

  const received = await send(
    proxy.url,
    {
      method: 'POST',
      path: `http://${host}/v1/messages?beta=true&q=a%20b`,
      headers: { host, 'content-type': 'application/json' },
    },
    body,
  );

  assert.equal(received.status, 200);
  const request = await seen;
  assert.equal(request.method, 'POST');
  assert.equal(request.url, '/v1/messages?beta=true&q=a%20b');
  assert.equal(request.headers.host, host);
  assert.equal(request.headers['content-type'], 'application/json');
  assert.equal(request.body.toString('utf8'), body);
});

test('forward mode returns the upstream status, headers and body to the client', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(201, 'Created Here', [
      'Content-Type',
      'application/json',
      'X-Request-Id',
      'req_123',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ]);
    res.end('{"id":"msg_1"}');
  });
  const proxy = await startObservedProxy(t);
  const host = `127.0.0.1:${upstream.port}`;

  const received = await send(
    proxy.url,
    { method: 'POST', path: `http://${host}/v1/messages`, headers: { host } },
    '{}',
  );

  assert.equal(received.status, 201);
  assert.equal(received.headers['content-type'], 'application/json');
  assert.equal(received.headers['x-request-id'], 'req_123');
  assert.deepEqual(received.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(received.headers['x-memex-error'], undefined);
  assert.equal(received.body.toString('utf8'), '{"id":"msg_1"}');
});

test('forward mode passes an upstream error response through as it is, untagged', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
    res.end('{"type":"error","error":{"type":"rate_limit_error"}}');
  });
  const proxy = await startObservedProxy(t);
  const host = `127.0.0.1:${upstream.port}`;

  const recorded = proxy.nextRecord();
  const received = await send(
    proxy.url,
    { method: 'POST', path: `http://${host}/v1/messages`, headers: { host } },
    '{}',
  );

  assert.equal(received.status, 429);
  assert.equal(received.headers['retry-after'], '7');
  assert.equal(received.headers['x-memex-error'], undefined);
  assert.equal(
    received.body.toString('utf8'),
    '{"type":"error","error":{"type":"rate_limit_error"}}',
  );
  const record = await recorded;
  assert.equal(record.status, 429);
  assert.equal(proxy.proxy.stats.snapshot().schemas.anthropic.errors, 1);
});

test('forward mode sends the Host of the absolute URL, ignoring a different Host header (RFC 9112 §3.2.2)', async (t) => {
  let seen!: Promise<Seen>;
  const upstream = await startUpstream(t, (req, res) => {
    seen = capture(req);
    void seen.then(() => res.end());
  });
  const proxy = await startObservedProxy(t);

  const received = await send(proxy.url, {
    path: `http://127.0.0.1:${upstream.port}/v1/models`,
    headers: { host: 'elsewhere.example' },
  });

  assert.equal(received.status, 200);
  assert.equal((await seen).headers.host, `127.0.0.1:${upstream.port}`);
});

const METHODS: readonly {
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
  readonly schema: 'anthropic' | 'openai' | 'unknown';
}[] = [
  { method: 'POST', path: '/v1/messages', body: '{"stream":true}', schema: 'anthropic' },
  { method: 'POST', path: '/v1/chat/completions?x=1', body: '{"n":1}', schema: 'openai' },
  { method: 'GET', path: '/status?verbose=1', body: undefined, schema: 'unknown' },
  { method: 'PUT', path: '/files/a.txt', body: 'replaced', schema: 'unknown' },
  { method: 'PATCH', path: '/things/1', body: '{"a":2}', schema: 'unknown' },
  { method: 'DELETE', path: '/v1/messages/batches/b1', body: undefined, schema: 'anthropic' },
];

for (const row of METHODS) {
  test(`forward mode relays ${row.method} ${row.path} and counts it as ${row.schema}`, async (t) => {
    let seen!: Promise<Seen>;
    const upstream = await startUpstream(t, (req, res) => {
      seen = capture(req);
      void seen.then(() => res.end(`answer to ${req.method ?? ''}`));
    });
    const proxy = await startObservedProxy(t);
    const host = `127.0.0.1:${upstream.port}`;

    const recorded = proxy.nextRecord();
    const received = await send(
      proxy.url,
      { method: row.method, path: `http://${host}${row.path}`, headers: { host } },
      row.body,
    );

    assert.equal(received.status, 200);
    assert.equal(received.body.toString('utf8'), `answer to ${row.method}`);
    const request = await seen;
    assert.equal(request.method, row.method);
    assert.equal(request.url, row.path);
    assert.equal(request.body.toString('utf8'), row.body ?? '');

    const record = await recorded;
    assert.equal(record.schema, row.schema);
    assert.equal(record.method, row.method);
    assert.equal(record.host, host);
    assert.equal(record.path, row.path.split('?')[0]);
    assert.equal(record.status, 200);
    assert.equal(record.complete, true);
    const snapshot = proxy.proxy.stats.snapshot();
    assert.equal(snapshot.requests[row.schema], 1);
    const total = Object.values(snapshot.requests).reduce((sum, n) => sum + n, 0);
    assert.equal(total, 1);
    assert.equal(snapshot.active, 0);
  });
}
