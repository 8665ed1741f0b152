// Upstream faults (issue 6): whatever the upstream does — refuse, fail DNS or TLS, stall, reset,
// answer garbage, drop a pooled connection — the client gets a memex 502/504 or a cut
// connection, never a hang, a non-idempotent request is never sent twice, and the proxy serves on.

import assert from 'node:assert/strict';
import { once } from '../helpers/events.js';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { Config } from '../../proxy-core/config/config.js';
import { DEFAULT_CONFIG } from '../../proxy-core/config/config.js';
import { send } from '../helpers/client.js';
import {
  assertServes,
  sendRawBounded,
  startCountingUpstream,
  statusOf,
} from '../helpers/adversarial-upstream.js';
import { closedPort, startProxy } from '../helpers/servers.js';
import { createCertificate } from '../helpers/tls.js';
import { startTcpUpstream } from '../helpers/tunnel.js';

function timeouts(overrides: Partial<Config['timeouts']>): Config['timeouts'] {
  return { ...DEFAULT_CONFIG.timeouts, ...overrides };
}

/** A proxy with `upstreams` plus a healthy `ok` upstream to prove it still serves afterwards. */
async function proxyFor(
  t: TestContext,
  upstreams: Record<string, string>,
  overrides: Partial<Config> = {},
): Promise<number> {
  const healthy = await startCountingUpstream(t);
  const { port } = await startProxy(t, {
    upstreams: { ...upstreams, ok: healthy.url },
    ...overrides,
  });
  return port;
}

/** Opens a raw request to the proxy; resolves when the proxy closes it, with what it read. */
function rawRequest(port: number, path: string, ms = 5_000): Promise<string> {
  return sendRawBounded(
    port,
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    ms,
  );
}

test('a refused upstream is a 502 UPSTREAM_REFUSED', async (t) => {
  const port = await proxyFor(t, { down: `http://127.0.0.1:${await closedPort()}` });
  const text = await rawRequest(port, '/down/v1/messages');
  assert.equal(statusOf(text), 502);
  assert.match(text, /x-memex-error: UPSTREAM_REFUSED/);
  await assertServes(port, 'ok');
});

test('an upstream name that does not resolve is a 502 UPSTREAM_DNS', async (t) => {
  const port = await proxyFor(t, { nowhere: 'http://memex-adversarial.invalid' });
  const text = await rawRequest(port, '/nowhere/v1/messages');
  assert.equal(statusOf(text), 502);
  assert.match(text, /x-memex-error: UPSTREAM_DNS/);
  await assertServes(port, 'ok');
});

test('an https upstream with a self-signed certificate is a 502 UPSTREAM_TLS', async (t) => {
  const certificate = await createCertificate(t);
  let requests = 0;
  const server = createHttpsServer(
    { key: certificate.key, cert: certificate.cert },
    (_req, res) => {
      requests++;
      res.end('should not be reached');
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const tlsPort = (server.address() as AddressInfo).port;
  const port = await proxyFor(t, { selfsigned: `https://127.0.0.1:${tlsPort}` });

  const text = await rawRequest(port, '/selfsigned/v1/messages');

  assert.equal(statusOf(text), 502);
  assert.match(text, /x-memex-error: UPSTREAM_TLS/);
  assert.equal(requests, 0);
  await assertServes(port, 'ok');
});

test('an upstream that stalls before its headers is a 504 after response_header_ms', async (t) => {
  const upstream = await startCountingUpstream(t, (req) => {
    req.resume();
  });
  const port = await proxyFor(
    t,
    { stall: upstream.url },
    { timeouts: timeouts({ response_header_ms: 150 }) },
  );
  const text = await rawRequest(port, '/stall/v1/messages');
  assert.equal(statusOf(text), 504);
  assert.match(text, /x-memex-error: RESPONSE_TIMEOUT/);
  await assertServes(port, 'ok');
});

test('an upstream that stalls mid-body is cut after stream_idle_ms and so is the client', async (t) => {
  const upstream = await startCountingUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
  });
  const port = await proxyFor(
    t,
    { stall: upstream.url },
    { timeouts: timeouts({ stream_idle_ms: 200 }) },
  );
  const started = performance.now();
  const text = await rawRequest(port, '/stall/v1/messages', 5_000);
  assert.equal(statusOf(text), 200);
  assert.match(text, /data: first/);
  // Chunked framing never reached its terminating 0-chunk: the truncation is visible.
  assert.doesNotMatch(text, /\r\n0\r\n\r\n$/);
  assert.ok(performance.now() - started < 4_000);
  await assertServes(port, 'ok');
});

test('an upstream that resets mid-SSE cuts the client without a terminating chunk', async (t) => {
  const upstream = await startCountingUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n', () => {
      setImmediate(() => req.socket.resetAndDestroy());
    });
  });
  const port = await proxyFor(t, { reset: upstream.url });
  const text = await rawRequest(port, '/reset/v1/messages');
  assert.equal(statusOf(text), 200);
  assert.match(text, /data: first/);
  assert.doesNotMatch(text, /\r\n0\r\n\r\n$/);
  await assertServes(port, 'ok');
});

const GARBAGE: readonly { name: string; reply: string }[] = [
  { name: 'garbage bytes instead of a status line', reply: '\u0000\u00ff garbage \r\n\r\n' },
  { name: 'an HTTP/0.9-style bare body', reply: 'hello world' },
  { name: 'a status line with a non-numeric code', reply: 'HTTP/1.1 abc OK\r\n\r\n' },
  {
    name: 'both Content-Length and Transfer-Encoding',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  },
  {
    name: 'two different Content-Length values',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde',
  },
  { name: 'a header with a NUL byte', reply: 'HTTP/1.1 200 OK\r\nX-Bad: a\u0000b\r\n\r\n' },
];

for (const { name, reply } of GARBAGE) {
  test(`an upstream answering ${name} is a 502`, async (t) => {
    const upstream = await startTcpUpstream(t, (socket) => {
      socket.once('data', () => {
        socket.end(reply, 'latin1');
      });
    });
    const port = await proxyFor(t, { garbage: `http://127.0.0.1:${upstream.port}` });
    const text = await rawRequest(port, '/garbage/v1/messages');
    assert.equal(statusOf(text), 502, text.slice(0, 300));
    assert.match(text, /x-memex-error: UPSTREAM_/);
    await assertServes(port, 'ok');
  });
}

test('an upstream that sends less than its Content-Length and closes cuts the client', async (t) => {
  const upstream = await startTcpUpstream(t, (socket) => {
    socket.once('data', () => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
    });
  });
  const port = await proxyFor(t, { short: `http://127.0.0.1:${upstream.port}` });
  const text = await rawRequest(port, '/short/v1/messages');
  assert.equal(statusOf(text), 200);
  assert.match(text, /content-length: 100/i);
  assert.ok(text.endsWith('only this'), 'the client must see the truncation, not padding');
  await assertServes(port, 'ok');
});

// The upstream answers the first request on a connection and keeps it alive; on the second
// request over that same pooled connection it counts the POST and then drops the connection
// without answering (as a vendor closing an idle connection does, racing the request). Any other
// connection is answered normally, so a retry by memex would show up as a second POST.
for (const how of ['reset', 'end'] as const) {
  test(`a pooled upstream connection dropped (${how}) as a POST arrives never sends the POST twice`, async (t) => {
    const posts: number[] = [];
    let connections = 0;
    const upstream = await startTcpUpstream(t, (socket: Socket) => {
      const index = connections++;
      let seen = 0;
      socket.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        if (!/^(GET|POST) /.test(text)) return;
        seen++;
        if (text.startsWith('POST ')) posts.push(index);
        if (index === 0 && seen === 2) {
          if (how === 'reset') socket.resetAndDestroy();
          else socket.end();
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=60\r\n\r\nok');
      });
    });
    const port = await proxyFor(t, { pooled: `http://127.0.0.1:${upstream.port}` });

    const first = await send(`http://127.0.0.1:${port}/pooled/v1/models`);
    assert.equal(first.status, 200);
    const second = await send(
      `http://127.0.0.1:${port}/pooled/v1/messages`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      '{"n":1}',
    );

    assert.deepEqual(posts, [0], 'the POST must arrive once, on the pooled connection');
    assert.ok(second.status === 200 || second.status === 502, `status ${second.status}`);
    if (second.status === 502) assert.equal(second.headers['x-memex-error'], 'UPSTREAM_RESET');
    await assertServes(port, 'ok');
  });
}

test('an upstream that accepts and never reads is cut by connect or header timeout, not hung', async (t) => {
  // A listener whose accept queue is never drained still completes TCP handshakes; the request
  // then waits for headers and must end in a 504.
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => undefined);
    t.after(() => socket.destroy());
  });
  t.after(() => {
    server.close();
  });
  const port = await proxyFor(
    t,
    { silent: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    { timeouts: timeouts({ response_header_ms: 150, connect_ms: 150 }) },
  );
  const text = await rawRequest(port, '/silent/v1/messages');
  assert.equal(statusOf(text), 504);
  await assertServes(port, 'ok');
  // A raw connect proves the proxy's own listener is unaffected.
  const probe = connect(port, '127.0.0.1');
  await once(probe, 'connect');
  probe.destroy();
});
