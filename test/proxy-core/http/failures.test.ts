// Failures on the data path: before the response headers they become a JSON error tagged
// x-memex-error; after them the client connection is cut, never filled with an error body. The
// proxy keeps serving after each one and counts it.

import assert from 'node:assert/strict';
import { once } from '../../helpers/events.js';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { errorOf, send } from '../../helpers/client.js';
import { startObservedProxy, type ObservedProxy } from '../../helpers/proxy-stats.js';
import { closedPort, startUpstream } from '../../helpers/servers.js';

/** Asserts the proxy still relays a request to a healthy upstream. */
async function assertStillServes(t: TestContext, proxy: ObservedProxy): Promise<void> {
  const healthy = await startUpstream(t, (req, res) => {
    req.resume();
    res.end('still here');
  });
  const host = `127.0.0.1:${healthy.port}`;
  const received = await send(proxy.url, { path: `http://${host}/v1/models`, headers: { host } });
  assert.equal(received.status, 200);
  assert.equal(received.body.toString('utf8'), 'still here');
}

function assertMemexError(
  received: { status: number; headers: Record<string, unknown>; body: Buffer },
  status: number,
  code: string,
): string {
  assert.equal(received.status, status);
  assert.equal(received.headers['x-memex-error'], code);
  assert.match(String(received.headers['content-type']), /^application\/json/);
  const parsed = JSON.parse(received.body.toString('utf8')) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(parsed), ['error']);
  assert.deepEqual(Object.keys(parsed.error).sort(), ['code', 'message', 'type']);
  const error = errorOf(received.body);
  assert.equal(error.type, 'proxy_error');
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  assert.notEqual(error.message, '');
  return error.message;
}

test('a refused upstream gets a 502 UPSTREAM_REFUSED JSON error, counted, and the proxy serves on', async (t) => {
  const port = await closedPort();
  const proxy = await startObservedProxy(t, {
    upstreams: { anthropic: `http://127.0.0.1:${port}` },
  });

  const recorded = proxy.nextRecord();
  const received = await send(`${proxy.url}/anthropic/v1/messages`, { method: 'POST' }, '{}');

  const message = assertMemexError(received, 502, 'UPSTREAM_REFUSED');
  assert.match(message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.match(message, /ECONNREFUSED/);
  const record = await recorded;
  assert.equal(record.status, 502);
  assert.equal(record.schema, 'anthropic');
  const snapshot = proxy.proxy.stats.snapshot();
  assert.equal(snapshot.requests.anthropic, 1);
  assert.equal(snapshot.schemas.anthropic.errors, 1);
  await assertStillServes(t, proxy);
});

test('an upstream whose name does not resolve gets a 502 UPSTREAM_DNS JSON error', async (t) => {
  const proxy = await startObservedProxy(t);

  const recorded = proxy.nextRecord();
  const received = await send(proxy.url, {
    method: 'POST',
    path: 'http://does-not-exist.invalid/v1/chat/completions',
    headers: { host: 'does-not-exist.invalid' },
  });

  const message = assertMemexError(received, 502, 'UPSTREAM_DNS');
  assert.match(message, /does-not-exist\.invalid/);
  const record = await recorded;
  assert.equal(record.status, 502);
  assert.equal(record.schema, 'openai');
  assert.equal(proxy.proxy.stats.snapshot().schemas.openai.errors, 1);
  await assertStillServes(t, proxy);
});

test('an upstream silent past response_header_ms gets a 504 RESPONSE_TIMEOUT and is hung up on', async (t) => {
  let held!: ServerResponse;
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    held = res;
  });
  const proxy = await startObservedProxy(t, {
    upstreams: { anthropic: upstream.url },
    timeouts: {
      header_ms: 30_000,
      connect_ms: 10_000,
      response_header_ms: 200,
      stream_idle_ms: 600_000,
      tunnel_idle_ms: 3_600_000,
      websocket_idle_ms: 3_600_000,
    },
  });

  const recorded = proxy.nextRecord();
  const started = performance.now();
  const received = await send(`${proxy.url}/anthropic/v1/messages`, { method: 'POST' }, '{}');
  const elapsed = performance.now() - started;

  const message = assertMemexError(received, 504, 'RESPONSE_TIMEOUT');
  assert.match(message, /200 ms/);
  assert.ok(elapsed >= 190, `answered after ${elapsed} ms, before the timeout`);
  if (!held.destroyed) await once(held, 'close');
  assert.equal(held.writableFinished, false);
  const record = await recorded;
  assert.equal(record.status, 504);
  assert.equal(proxy.proxy.stats.snapshot().schemas.anthropic.errors, 1);
  await assertStillServes(t, proxy);
});

test('an upstream that closes the connection before responding gets a 502 UPSTREAM_RESET', async (t) => {
  const upstream = await startUpstream(t, (req) => {
    req.socket.destroy();
  });
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });

  const recorded = proxy.nextRecord();
  const received = await send(`${proxy.url}/anthropic/v1/messages`, { method: 'POST' }, '{}');

  assertMemexError(received, 502, 'UPSTREAM_RESET');
  assert.equal((await recorded).status, 502);
  await assertStillServes(t, proxy);
});

test('an upstream that resets mid-SSE cuts the client connection after the chunk it sent', async (t) => {
  let reset!: () => void;
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: message_start\ndata: {}\n\n');
    reset = () => req.socket.destroy();
  });
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });

  const recorded = proxy.nextRecord();
  const req = request(`${proxy.url}/anthropic/v1/messages`, { method: 'POST', agent: false });
  req.end('{}');
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-memex-error'], undefined);
  const [first] = (await once(res, 'data')) as [Buffer];
  assert.equal(first.toString(), 'event: message_start\ndata: {}\n\n');

  const rest: Buffer[] = [];
  res.on('data', (chunk: Buffer) => rest.push(chunk));
  let ended = false;
  res.on('end', () => (ended = true));
  const failed = once(res, 'error');
  reset();
  const [err] = (await failed) as [Error & { code?: string }];

  assert.equal(err.code, 'ECONNRESET');
  assert.equal(ended, false);
  assert.equal(res.complete, false);
  assert.equal(Buffer.concat(rest).toString(), '', 'bytes arrived after the reset');
  const record = await recorded;
  assert.equal(record.status, 200);
  assert.equal(record.complete, false);
  assert.equal(proxy.proxy.stats.snapshot().schemas.anthropic.errors, 1);
  await assertStillServes(t, proxy);
});

test('a client that disconnects mid-stream closes the request to the upstream', async (t) => {
  let resolveUpstream!: (exchange: { req: IncomingMessage; res: ServerResponse }) => void;
  const upstreamExchange = new Promise<{ req: IncomingMessage; res: ServerResponse }>(
    (resolve) => (resolveUpstream = resolve),
  );
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: ping\ndata: {}\n\n');
    resolveUpstream({ req, res });
  });
  const proxy = await startObservedProxy(t, { upstreams: { openai: upstream.url } });

  const recorded = proxy.nextRecord();
  const req = request(`${proxy.url}/openai/v1/chat/completions`, {
    method: 'POST',
    agent: false,
  });
  req.on('error', ignore);
  req.end('{"stream":true}');
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.on('error', ignore);
  await once(res, 'data');
  const { req: upstreamReq, res: upstreamRes } = await upstreamExchange;
  // Since Node 16 an IncomingMessage emits 'close' as soon as its body has been read, so the
  // upstream's signal of a gone peer is its response closing unfinished, and its socket closing.
  const upstreamClosed = Promise.all([
    once(upstreamRes, 'close'),
    once(upstreamReq.socket, 'close'),
  ]);

  req.destroy();
  await upstreamClosed;

  assert.equal(upstreamRes.writableFinished, false);
  assert.equal(upstreamReq.socket.destroyed, true);
  const record = await recorded;
  assert.equal(record.schema, 'openai');
  assert.equal(record.complete, false);
  assert.equal(proxy.proxy.stats.snapshot().active, 0);
  await assertStillServes(t, proxy);
});

test('a client that disconnects before the response headers closes the request to the upstream', async (t) => {
  let resolveUpstream!: (req: IncomingMessage) => void;
  const upstreamReq = new Promise<IncomingMessage>((resolve) => (resolveUpstream = resolve));
  const upstream = await startUpstream(t, (req) => {
    req.resume();
    resolveUpstream(req);
  });
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });

  const recorded = proxy.nextRecord();
  const req = request(`${proxy.url}/anthropic/v1/messages`, { method: 'POST', agent: false });
  req.on('error', ignore);
  req.end('{}');
  const seen = await upstreamReq;
  const upstreamClosed = once(seen.socket, 'close');

  req.destroy();
  await upstreamClosed;

  const record = await recorded;
  assert.equal(record.status, 0);
  assert.equal(record.complete, false);
  await assertStillServes(t, proxy);
});

function ignore(): void {
  return;
}
