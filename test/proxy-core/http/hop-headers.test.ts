// Hop-by-hop headers (RFC 9110 §7.6.1) stop at memex in both directions; end-to-end headers, API
// keys included, pass unchanged. Both ends are raw sockets, so no HTTP library adds or removes a
// header on the test's behalf: what the upstream reads is exactly what memex wrote, and so is
// what the client reads.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { sendRaw } from '../../helpers/client.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startTcpUpstream } from '../../helpers/tunnel.js';

interface RawMessage {
  readonly startLine: string;
  /** Header fields in wire order, names lowercased. */
  readonly fields: readonly (readonly [string, string])[];
  readonly body: string;
}

function parseMessage(text: string): RawMessage {
  const end = text.indexOf('\r\n\r\n');
  assert.notEqual(end, -1, `no end of head in ${JSON.stringify(text)}`);
  const [startLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const fields = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { startLine, fields, body: text.slice(end + 4) };
}

function valuesOf(message: RawMessage, name: string): string[] {
  return message.fields.filter(([field]) => field === name).map(([, value]) => value);
}

/**
 * A raw upstream: reads one request (head plus Content-Length body), resolves `request` with it,
 * and answers with `response` verbatim, then closes.
 */
async function startRawUpstream(
  t: TestContext,
  response: string,
): Promise<{ port: number; request: Promise<RawMessage> }> {
  let resolveRequest!: (message: RawMessage) => void;
  const request = new Promise<RawMessage>((resolve) => (resolveRequest = resolve));
  const upstream = await startTcpUpstream(t, (socket: Socket) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const message = parseMessage(text);
      const length = Number(valuesOf(message, 'content-length')[0] ?? 0);
      if (message.body.length < length) return;
      resolveRequest(message);
      socket.end(response);
    });
  });
  return { port: upstream.port, request };
}

const HOP_BY_HOP_RESPONSE =
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/plain\r\n' +
  'Connection: close, X-Up-Named\r\n' +
  'X-Up-Named: up-secret\r\n' +
  'Keep-Alive: timeout=5, max=100\r\n' +
  'Proxy-Authenticate: Basic realm="upstream"\r\n' +
  'Proxy-Connection: keep-alive\r\n' +
  'Trailer: X-Checksum\r\n' +
  'Upgrade: h2c\r\n' +
  'TE: trailers\r\n' +
  'x-api-key: sk-up-456\r\n' +
  'Authorization: Bearer up-token\r\n' +
  'anthropic-version: 2023-06-01\r\n' +
  'X-Custom-Up: Mixed  Case ; value=1\r\n' +
  'Content-Length: 2\r\n' +
  '\r\n' +
  'ok';

const MODES = ['reverse', 'forward'] as const;

for (const mode of MODES) {
  test(`${mode} mode strips hop-by-hop request headers and passes API keys and custom headers unchanged`, async (t) => {
    const upstream = await startRawUpstream(t, HOP_BY_HOP_RESPONSE);
    const proxy = await startObservedProxy(t, {
      upstreams: { up: `http://127.0.0.1:${upstream.port}` },
    });
    const target =
      mode === 'reverse'
        ? '/up/v1/messages?beta=true'
        : `http://127.0.0.1:${upstream.port}/v1/messages?beta=true`;

    await sendRaw(
      proxy.port,
      `POST ${target} HTTP/1.1\r\n` +
        `Host: 127.0.0.1:${mode === 'reverse' ? proxy.port : upstream.port}\r\n` +
        'Connection: close, X-Conn-Named, x-other-named\r\n' +
        'X-Conn-Named: named-secret\r\n' +
        'X-Other-Named: other-secret\r\n' +
        'Proxy-Connection: keep-alive\r\n' +
        'Keep-Alive: timeout=5\r\n' +
        'Proxy-Authorization: Basic dXNlcjpwYXNz\r\n' +
        'TE: trailers\r\n' +
        'Trailer: X-Checksum\r\n' +
        'Upgrade: websocket\r\n' +
        'x-api-key: sk-ant-api03-ABC\r\n' +
        'Authorization: Bearer sk-proj-XYZ\r\n' +
        'anthropic-version: 2023-06-01\r\n' +
        'anthropic-beta: tools-2024-05-16,prompt-caching-2024-07-31\r\n' +
        'X-Custom: Some  Value ; q=1\r\n' +
        'Content-Type: application/json\r\n' +
        'Content-Length: 5\r\n' +
        '\r\n' +
        'hello',
    );
    const request = await upstream.request;

    assert.equal(request.startLine, 'POST /v1/messages?beta=true HTTP/1.1');
    assert.equal(request.body, 'hello');
    for (const name of [
      'x-conn-named',
      'x-other-named',
      'proxy-connection',
      'keep-alive',
      'proxy-authorization',
      'te',
      'trailer',
      'upgrade',
    ]) {
      assert.deepEqual(valuesOf(request, name), [], `${name} reached the upstream`);
    }
    // memex's own hop to the upstream may say keep-alive; nothing of the client's Connection.
    for (const value of valuesOf(request, 'connection')) assert.equal(value, 'keep-alive');
    assert.deepEqual(valuesOf(request, 'x-api-key'), ['sk-ant-api03-ABC']);
    assert.deepEqual(valuesOf(request, 'authorization'), ['Bearer sk-proj-XYZ']);
    assert.deepEqual(valuesOf(request, 'anthropic-version'), ['2023-06-01']);
    assert.deepEqual(valuesOf(request, 'anthropic-beta'), [
      'tools-2024-05-16,prompt-caching-2024-07-31',
    ]);
    assert.deepEqual(valuesOf(request, 'x-custom'), ['Some  Value ; q=1']);
    assert.deepEqual(valuesOf(request, 'content-type'), ['application/json']);
    assert.deepEqual(valuesOf(request, 'content-length'), ['5']);
  });

  test(`${mode} mode strips hop-by-hop response headers and passes the others unchanged`, async (t) => {
    const upstream = await startRawUpstream(t, HOP_BY_HOP_RESPONSE);
    const proxy = await startObservedProxy(t, {
      upstreams: { up: `http://127.0.0.1:${upstream.port}` },
    });
    const target =
      mode === 'reverse' ? '/up/v1/messages' : `http://127.0.0.1:${upstream.port}/v1/messages`;

    const response = parseMessage(
      await sendRaw(
        proxy.port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${mode === 'reverse' ? proxy.port : upstream.port}\r\n` +
          'Connection: close\r\n\r\n',
      ),
    );

    assert.equal(response.startLine, 'HTTP/1.1 200 OK');
    assert.equal(response.body, 'ok');
    for (const name of [
      'x-up-named',
      'keep-alive',
      'proxy-authenticate',
      'proxy-connection',
      'trailer',
      'upgrade',
      'te',
    ]) {
      assert.deepEqual(valuesOf(response, name), [], `${name} reached the client`);
    }
    // The client asked for close on its own hop; the upstream's Connection tokens stay behind.
    assert.deepEqual(valuesOf(response, 'connection'), ['close']);
    assert.deepEqual(valuesOf(response, 'x-api-key'), ['sk-up-456']);
    assert.deepEqual(valuesOf(response, 'authorization'), ['Bearer up-token']);
    assert.deepEqual(valuesOf(response, 'anthropic-version'), ['2023-06-01']);
    assert.deepEqual(valuesOf(response, 'x-custom-up'), ['Mixed  Case ; value=1']);
    assert.deepEqual(valuesOf(response, 'content-type'), ['text/plain']);
    assert.deepEqual(valuesOf(response, 'content-length'), ['2']);
  });
}

// A WebSocket upgrade is relayed as an upgrade (websocket.test.ts, issue 14); any other protocol
// (h2c) is not spoken through memex: a plain request.
test('a request asking to upgrade to h2c is relayed as a plain request without Upgrade', async (t) => {
  const upstream = await startRawUpstream(
    t,
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
  );
  const proxy = await startObservedProxy(t, {
    upstreams: { up: `http://127.0.0.1:${upstream.port}` },
  });

  const response = parseMessage(
    await sendRaw(
      proxy.port,
      'GET /up/v1/models HTTP/1.1\r\n' +
        `Host: 127.0.0.1:${proxy.port}\r\n` +
        'Connection: Upgrade, HTTP2-Settings, close\r\n' +
        'Upgrade: h2c\r\n' +
        'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n' +
        '\r\n',
    ),
  );
  const request = await upstream.request;

  assert.equal(response.startLine, 'HTTP/1.1 200 OK');
  assert.equal(response.body, 'ok');
  assert.deepEqual(valuesOf(request, 'upgrade'), []);
  assert.deepEqual(valuesOf(request, 'http2-settings'), []);
  for (const value of valuesOf(request, 'connection')) assert.equal(value, 'keep-alive');
});
