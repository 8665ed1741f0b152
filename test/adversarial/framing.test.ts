// Framing and smuggling (issue 6): a request whose framing is ambiguous or malformed is answered
// 400 (431 for oversized headers) and its connection closed, and not one byte of it reaches the
// upstream — proven by an upstream that counts every connection and request it sees.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  assertServes,
  sendRawBounded,
  startCountingUpstream,
  statusOf,
  type CountingUpstream,
} from '../helpers/adversarial-upstream.js';
import { startProxy } from '../helpers/servers.js';

async function setup(t: TestContext): Promise<{ upstream: CountingUpstream; port: number }> {
  const upstream = await startCountingUpstream(t);
  const { port } = await startProxy(t, { upstreams: { anthropic: upstream.url } });
  return { upstream, port };
}

// `$HOST` is replaced by the proxy's own `127.0.0.1:PORT` (the gate refuses other Host names).
const POST = 'POST /anthropic/v1/messages HTTP/1.1\r\nHost: $HOST\r\n';

function withHost(bytes: string, port: number): string {
  return bytes.replaceAll('$HOST', `127.0.0.1:${port}`);
}

// Each request is sent alone on a fresh connection; every one must be rejected before routing.
// `dials`: the error is in the body, found after the head was complete; the proxy may already
// have dialed the upstream (it streams bodies), but must not have sent it a byte.
const REJECTED: readonly { name: string; bytes: string; status?: number; dials?: true }[] = [
  {
    name: 'Content-Length together with Transfer-Encoding: chunked',
    bytes: `${POST}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  },
  {
    name: 'two different Content-Length values',
    bytes: `${POST}Content-Length: 2\r\nContent-Length: 12\r\n\r\n{}`,
  },
  {
    name: 'a Content-Length list with different values',
    bytes: `${POST}Content-Length: 2, 12\r\n\r\n{}`,
  },
  {
    name: 'a negative Content-Length',
    bytes: `${POST}Content-Length: -1\r\n\r\n{}`,
  },
  {
    name: 'a Transfer-Encoding whose last coding is not chunked',
    bytes: `${POST}Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
  },
  {
    name: 'an unknown Transfer-Encoding',
    bytes: `${POST}Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
    dials: true,
  },
  {
    name: 'a chunk size that is not hexadecimal',
    bytes: `${POST}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    dials: true,
  },
  {
    name: 'a chunk size that overflows 64 bits',
    bytes: `${POST}Transfer-Encoding: chunked\r\n\r\n1ffffffffffffffff0\r\n{}\r\n0\r\n\r\n`,
    dials: true,
  },
  {
    name: 'an obs-fold header continuation line',
    bytes: `${POST}X-Folded: one\r\n two\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'a bare CR inside a header value',
    bytes: `${POST}X-Bad: a\rb\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'a bare LF ending a header line',
    bytes: `${POST}X-Bad: a\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'a NUL byte inside a header value',
    bytes: `${POST}X-Bad: a\u0000b\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'whitespace between a header name and its colon',
    bytes: `${POST}Content-Length : 0\r\n\r\n`,
  },
  {
    name: 'a missing Host on HTTP/1.1',
    bytes: 'POST /anthropic/v1/messages HTTP/1.1\r\nContent-Length: 0\r\n\r\n',
  },
  {
    name: 'two Host fields',
    bytes: `${POST}Host: $HOST\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'two Host fields with different values in forward mode',
    bytes:
      'GET http://127.0.0.1:1/v1/models HTTP/1.1\r\nHost: 127.0.0.1:1\r\nHost: evil.example\r\n\r\n',
  },
  {
    name: 'request headers larger than the limit',
    bytes: `${POST}X-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`,
    status: 431,
  },
];

for (const { name, bytes, status = 400, dials } of REJECTED) {
  test(`${name} is answered ${status}, the connection closed, and nothing sent upstream`, async (t) => {
    const { upstream, port } = await setup(t);

    const text = await sendRawBounded(port, withHost(bytes, port));

    assert.equal(statusOf(text), status, text.slice(0, 300));
    assert.deepEqual(upstream.requests, []);
    assert.equal(upstream.bytesRead(), 0);
    if (dials !== true) assert.equal(upstream.connections(), 0);
    await assertServes(port, 'anthropic');
  });
}

test('a request smuggled inside a Content-Length body reaches the upstream only as body bytes', async (t) => {
  const bodies: string[] = [];
  const upstream = await startCountingUpstream(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('latin1'));
      res.end('ok');
    });
  });
  const { port } = await startProxy(t, { upstreams: { anthropic: upstream.url } });
  const smuggled = `GET /anthropic/admin HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;

  const text = await sendRawBounded(
    port,
    withHost(`${POST}Content-Length: ${smuggled.length}\r\nConnection: close\r\n\r\n`, port) +
      smuggled,
  );

  assert.equal(statusOf(text), 200);
  assert.deepEqual(upstream.requests, ['POST /v1/messages']);
  assert.deepEqual(bodies, [smuggled]);
  await assertServes(port, 'anthropic');
  assert.deepEqual(upstream.requests, ['POST /v1/messages', 'GET /v1/models']);
});

test('a chunked body carrying a request after its last chunk never reaches the upstream as a request', async (t) => {
  const upstream = await startCountingUpstream(t);
  const { port } = await startProxy(t, { upstreams: { anthropic: upstream.url } });
  // The bytes after the terminating 0-chunk are a second, pipelined request to the proxy: it is
  // answered by the proxy as its own request, never spliced into the first one's upstream bytes.
  const text = await sendRawBounded(
    port,
    withHost(
      `${POST}Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n` +
        'GET /_memex/health HTTP/1.1\r\nHost: $HOST\r\nConnection: close\r\n\r\n',
      port,
    ),
  );

  assert.equal(text.match(/HTTP\/1\.1 200 /g)?.length, 2, text);
  assert.deepEqual(upstream.requests, ['POST /v1/messages']);
});
