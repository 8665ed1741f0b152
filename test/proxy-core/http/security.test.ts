// Security defaults on real sockets: browsers and rebound Host names refused, TRACE 405, client
// forwarding headers dropped in reverse mode, loops answered 508, no CORS ever. Every refusal
// also checks that nothing reached the upstream.

import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { test, type TestContext } from 'node:test';
import { DEFAULT_CONFIG } from '../../../proxy-core/config/config.js';
import { errorOf, send, sendRaw } from '../../helpers/client.js';
import { startProxy, startUpstream } from '../../helpers/servers.js';

interface CountingUpstream {
  readonly url: string;
  readonly port: number;
  /** Headers of every request that arrived, in order. */
  readonly seen: IncomingHttpHeaders[];
}

async function startCountingUpstream(t: TestContext): Promise<CountingUpstream> {
  const seen: IncomingHttpHeaders[] = [];
  const upstream = await startUpstream(t, (req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  return { url: upstream.url, port: upstream.port, seen };
}

async function setUp(t: TestContext): Promise<{ upstream: CountingUpstream; port: number }> {
  const upstream = await startCountingUpstream(t);
  const { port } = await startProxy(t, {
    upstreams: { anthropic: upstream.url, up: upstream.url },
  });
  return { upstream, port };
}

function assertNoCors(headers: IncomingHttpHeaders): void {
  for (const name of Object.keys(headers)) {
    assert.equal(name.startsWith('access-control-'), false, `memex sent ${name}`);
  }
}

test('a request with a web Origin is 403 BROWSER_REFUSED, with no CORS headers, in every mode', async (t) => {
  const { upstream, port } = await setUp(t);
  const forward = `http://127.0.0.1:${upstream.port}/v1/messages`;
  const cases: [path: string, host: string, headers: Record<string, string>][] = [
    ['/anthropic/v1/messages', `127.0.0.1:${port}`, { origin: 'https://evil.example' }],
    ['/v1/messages', `127.0.0.1:${port}`, { origin: 'null' }],
    ['/_memex/stats', `127.0.0.1:${port}`, { 'sec-fetch-site': 'cross-site' }],
    ['/_memex/health', `localhost:${port}`, { 'sec-fetch-site': 'same-site' }],
    [forward, `127.0.0.1:${upstream.port}`, { origin: 'http://localhost:3000' }],
  ];
  for (const [path, host, headers] of cases) {
    const received = await send(`http://127.0.0.1:${port}`, {
      method: 'POST',
      path,
      headers: { host, 'content-type': 'application/json', ...headers },
    });
    assert.equal(received.status, 403, path);
    assert.equal(received.headers['x-memex-error'], 'BROWSER_REFUSED');
    assert.equal(errorOf(received.body).code, 'BROWSER_REFUSED');
    assertNoCors(received.headers);
  }
  assert.equal(upstream.seen.length, 0);
});

test('a CORS preflight (OPTIONS with Origin) is 403 and never reaches the upstream', async (t) => {
  const { upstream, port } = await setUp(t);
  const received = await send(`http://127.0.0.1:${port}`, {
    method: 'OPTIONS',
    path: '/anthropic/v1/messages',
    headers: {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-api-key, content-type',
      'access-control-request-private-network': 'true',
    },
  });
  assert.equal(received.status, 403);
  assert.equal(received.headers['x-memex-error'], 'BROWSER_REFUSED');
  assertNoCors(received.headers);
  assert.equal(upstream.seen.length, 0);
});

test('a CONNECT carrying Origin is refused before any dial', async (t) => {
  const { upstream, port } = await setUp(t);
  const tunnel = await openTunnelWith(t, port, `127.0.0.1:${upstream.port}`, 'Origin: null\r\n');
  assert.match(tunnel, /^HTTP\/1\.1 403 /);
  assert.match(tunnel, /x-memex-error: BROWSER_REFUSED/);
  assert.equal(upstream.seen.length, 0);
});

test('reverse routes and /_memex/* with a Host other than memex itself are 403 (DNS rebinding)', async (t) => {
  const { upstream, port } = await setUp(t);
  for (const [path, host] of [
    ['/anthropic/v1/messages', `rebind.evil.example:${port}`],
    ['/_memex/stats', `rebind.evil.example:${port}`],
    ['/_memex/health', `127.0.0.1:${port + 1}`],
    ['/up/v1/models', 'api.anthropic.com'],
  ] as const) {
    const raw = await sendRaw(
      port,
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 403 /, `${path} with Host ${host}`);
    assert.match(raw, /x-memex-error: HOST_REFUSED/);
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
    const raw = await sendRaw(
      port,
      `GET /_memex/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 200 /, host);
  }
  assert.equal(upstream.seen.length, 0);
});

test('TRACE is 405 in reverse and forward mode, and an HTTP/1.1 path without Host is 400', async (t) => {
  const { upstream, port } = await setUp(t);
  const trace = await sendRaw(
    port,
    `TRACE /anthropic/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
  );
  assert.match(trace, /^HTTP\/1\.1 405 /);
  assert.match(trace, /x-memex-error: METHOD_NOT_ALLOWED/);
  const traceForward = await sendRaw(
    port,
    `TRACE http://127.0.0.1:${upstream.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${upstream.port}\r\n` +
      'Connection: close\r\n\r\n',
  );
  assert.match(traceForward, /^HTTP\/1\.1 405 /);
  const noHost = await sendRaw(
    port,
    'GET /anthropic/v1/models HTTP/1.1\r\nConnection: close\r\n\r\n',
  );
  assert.match(noHost, /^HTTP\/1\.1 400 /);
  assert.match(noHost, /x-memex-error: BAD_REQUEST/);
  assert.equal(upstream.seen.length, 0);
});

test('reverse mode drops the client’s X-Forwarded-*, Forwarded and Via', async (t) => {
  const { upstream, port } = await setUp(t);
  const received = await send(`http://127.0.0.1:${port}`, {
    method: 'POST',
    path: '/anthropic/v1/messages',
    headers: {
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      forwarded: 'for=6.6.6.6;proto=https',
      via: '1.1 someone',
      'x-api-key': 'sk-ant-kept',
    },
  });
  assert.equal(received.status, 200);
  const headers = upstream.seen[0];
  assert.ok(headers !== undefined);
  for (const name of ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded']) {
    assert.equal(headers[name], undefined, name);
  }
  assert.equal(headers.via, undefined);
  assert.equal(headers['x-api-key'], 'sk-ant-kept');
});

test('forward mode appends memex’s Via entry after the client’s', async (t) => {
  const { upstream, port } = await setUp(t);
  const host = `127.0.0.1:${upstream.port}`;
  const received = await send(`http://127.0.0.1:${port}`, {
    path: `http://${host}/v1/models`,
    headers: { host, via: '1.1 corp-proxy' },
  });
  assert.equal(received.status, 200);
  assert.match(upstream.seen[0]?.via ?? '', /^1\.1 corp-proxy, 1\.1 memex-[0-9a-f]{12}$/);
});

test('requests that would loop back into memex are 508, never recursion', async (t) => {
  const upstream = await startCountingUpstream(t);
  const { proxy, port } = await startProxy(t, { upstreams: { up: upstream.url } });
  // A reverse route configured to point at memex itself.
  await proxy.update({
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    port: 0,
    upstreams: { up: upstream.url, self: `http://127.0.0.1:${port}` },
  });
  const base = `http://127.0.0.1:${port}`;
  for (const target of [
    `http://127.0.0.1:${port}/v1/models`,
    `http://localhost:${port}/_memex/stats`,
    `http://[::1]:${port}/v1/models`,
  ]) {
    const received = await send(base, { path: target, headers: { host: new URL(target).host } });
    assert.equal(received.status, 508, target);
    assert.equal(received.headers['x-memex-error'], 'LOOP_DETECTED');
  }
  const self = await send(base, { path: '/self/v1/models' });
  assert.equal(self.status, 508);

  // A request that has already passed through this memex (its Via token came back).
  const first = await send(base, {
    path: `${upstream.url}/v1/models`,
    headers: { host: `127.0.0.1:${upstream.port}` },
  });
  assert.equal(first.status, 200);
  const via = upstream.seen[0]?.via;
  assert.ok(typeof via === 'string');
  const again = await send(base, {
    path: `${upstream.url}/v1/models`,
    headers: { host: `127.0.0.1:${upstream.port}`, via },
  });
  assert.equal(again.status, 508);

  const tunnel = await openTunnelWith(t, port, `127.0.0.1:${port}`, '');
  assert.match(tunnel, /^HTTP\/1\.1 508 Loop Detected/);
  assert.equal(upstream.seen.length, 1);
});

/** Sends CONNECT with extra header lines; resolves with everything read until the close. */
async function openTunnelWith(
  _t: TestContext,
  port: number,
  authority: string,
  extra: string,
): Promise<string> {
  return sendRaw(port, `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${extra}\r\n`);
}
