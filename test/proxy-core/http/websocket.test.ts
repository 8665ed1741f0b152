// WebSockets through memex (issue 14): real `ws` clients and servers, reverse and forward mode —
// the handshake passed through, messages byte-exact both ways, permessage-deflate end to end,
// non-101 answers relayed, close codes, idle timeout, paired teardown, the browser gate, and the
// 101 and the responses inside recorded.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { DEFAULT_CONFIG } from '../../../proxy-core/config/config.js';
import { once } from '../../helpers/events.js';
import { withGuard } from '../../helpers/process-spawn.js';
import { startProxyProcess } from '../../helpers/proxy-process.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startTcpUpstream } from '../../helpers/tunnel.js';
import {
  clientFrame,
  closed,
  handshakeRequest,
  nextMessage,
  openWs,
  rawUpgrade,
  readBytes,
  serverFrame,
  startWsUpstream,
} from '../../helpers/websocket.js';

const DEFLATE = { threshold: 0 };

test('the handshake reaches the upstream with its WebSocket headers and the 101 comes back as sent', async (t) => {
  const upstream = await startWsUpstream(t, undefined, {
    perMessageDeflate: DEFLATE,
    handleProtocols: () => 'chat.v2',
  });
  upstream.wss.on('headers', (headers: string[]) => {
    headers.push('X-Upstream-Case: Kept As Sent');
  });
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });

  const { ws, response } = await openWs(
    t,
    `ws://127.0.0.1:${proxy.port}/up/v1/responses?key=secret-query`,
    {
      perMessageDeflate: DEFLATE,
      headers: {
        Authorization: 'Bearer sk-secret-ws',
        'OpenAI-Beta': 'responses_websockets=2026-02-06',
        'Keep-Alive': 'timeout=5',
      },
    },
    ['chat.v2', 'chat.v1'],
  );

  const [sent] = upstream.handshakes;
  assert.ok(sent !== undefined);
  assert.equal(sent.url, '/v1/responses?key=secret-query');
  const header = (name: string): string | undefined => {
    const at = sent.rawHeaders.findIndex(
      (raw, index) => index % 2 === 0 && raw.toLowerCase() === name,
    );
    return at === -1 ? undefined : sent.rawHeaders[at + 1];
  };
  assert.equal(header('host'), `127.0.0.1:${upstream.port}`);
  assert.equal(header('upgrade'), 'websocket');
  assert.equal(header('connection'), 'Upgrade');
  assert.equal(header('sec-websocket-version'), '13');
  assert.match(header('sec-websocket-key') ?? '', /^[A-Za-z0-9+/]{22}==$/);
  assert.equal(header('sec-websocket-protocol'), 'chat.v2,chat.v1');
  assert.equal(header('sec-websocket-extensions'), 'permessage-deflate; client_max_window_bits');
  assert.equal(header('authorization'), 'Bearer sk-secret-ws');
  assert.equal(header('openai-beta'), 'responses_websockets=2026-02-06');
  assert.equal(header('keep-alive'), undefined, 'other hop-by-hop headers are still removed');

  assert.equal(response.statusCode, 101);
  assert.deepEqual(
    response.rawHeaders.filter((_, index) => index % 2 === 0),
    [
      'Upgrade',
      'Connection',
      'Sec-WebSocket-Accept',
      'Sec-WebSocket-Protocol',
      'Sec-WebSocket-Extensions',
      'X-Upstream-Case',
    ],
  );
  assert.equal(response.headers['x-upstream-case'], 'Kept As Sent');
  assert.equal(ws.protocol, 'chat.v2');
  assert.match(ws.extensions, /^permessage-deflate/);

  const record = proxy.nextRecord();
  ws.close(1000);
  const handshake = await record;
  assert.equal(handshake.method, 'GET');
  assert.equal(handshake.status, 101);
  assert.equal(handshake.complete, true);
  assert.equal(handshake.schema, 'openai-responses');
  assert.equal(handshake.path, '/up/v1/responses');
  const stats = JSON.stringify(proxy.proxy.stats.snapshot());
  assert.doesNotMatch(stats, /sk-secret-ws|secret-query/);
});

for (const compressed of [false, true]) {
  test(`text and binary messages cross both ways byte-exact (${compressed ? 'permessage-deflate' : 'uncompressed'})`, async (t) => {
    const upstream = await startWsUpstream(t, undefined, {
      perMessageDeflate: compressed ? DEFLATE : false,
    });
    const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
    const { ws } = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/socket`, {
      perMessageDeflate: compressed ? DEFLATE : false,
    });
    assert.equal(ws.extensions === '', !compressed);

    const text = `héllo ${'x'.repeat(70_000)} ✓`;
    const binary = Buffer.alloc(300_000);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 31) & 0xff;
    ws.send(text);
    const first = await nextMessage(ws);
    assert.equal(first.isBinary, false);
    assert.equal(first.data.toString('utf8'), text);
    ws.send(binary);
    const second = await nextMessage(ws);
    assert.equal(second.isBinary, true);
    assert.ok(second.data.equals(binary));

    const record = proxy.nextRecord();
    ws.close(1000);
    const handshake = await record;
    assert.ok(handshake.bytesIn > 0 && handshake.bytesOut > 0);
    if (!compressed) {
      // Both messages, framed, each way: the wire bytes of the whole connection.
      assert.ok(handshake.bytesOut > text.length + binary.length, String(handshake.bytesOut));
    }
  });
}

test('an upstream answering 426 has its answer relayed as it is, and no WebSocket opens', async (t) => {
  const body = '{"error":{"message":"upgrade not supported here"}}';
  let head = '';
  const upstream = await startTcpUpstream(t, (socket) => {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      head += chunk;
      if (!head.includes('\r\n\r\n')) return;
      socket.end(
        'HTTP/1.1 426 Upgrade Required\r\ncontent-type: application/json\r\n' +
          `content-length: ${body.length}\r\nx-upstream: yes\r\n\r\n${body}`,
      );
    });
  });
  const proxy = await startObservedProxy(t, {
    upstreams: { openai: `http://127.0.0.1:${upstream.port}` },
  });
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/v1/responses`);
  t.after(() => {
    ws.terminate();
  });
  ws.on('error', () => undefined);
  const record = proxy.nextRecord();
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (text += chunk));
  await once(response, 'end');

  assert.equal(response.statusCode, 426);
  assert.equal(response.headers['x-upstream'], 'yes');
  assert.equal(text, body);
  assert.match(head, /^GET \/v1\/responses HTTP\/1\.1\r\n/);
  assert.match(head, /\r\nupgrade: websocket\r\n/i, 'the upgrade was not turned into a GET');
  const entry = await record;
  assert.equal(entry.status, 426);
  assert.equal(entry.schema, 'openai-responses');
  assert.equal(proxy.proxy.stats.snapshot().websockets.total, 0);
});

test('an unreachable upstream answers the handshake with a JSON 502', async (t) => {
  const proxy = await startObservedProxy(t, { upstreams: { up: 'http://127.0.0.1:1' } });
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/up/socket`);
  ws.on('error', () => undefined);
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (text += chunk));
  await once(response, 'end');
  assert.equal(response.statusCode, 502);
  assert.equal(response.headers['x-memex-error'], 'UPSTREAM_REFUSED');
  assert.match(text, /"code":"UPSTREAM_REFUSED"/);
});

test('close codes and reasons are relayed in both directions', async (t) => {
  const upstream = await startWsUpstream(t, () => undefined);
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });

  const first = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/a`);
  const clientSees = closed(first.ws);
  (await upstream.nextSocket()).close(4001, 'server says bye');
  assert.deepEqual(await clientSees, { code: 4001, reason: 'server says bye' });

  const second = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/b`);
  const serverSees = closed(await upstream.nextSocket());
  second.ws.close(4002, 'client says bye');
  assert.deepEqual(await serverSees, { code: 4002, reason: 'client says bye' });
});

test('a WebSocket silent for websocket_idle_ms is closed on both sides', async (t) => {
  const upstream = await startWsUpstream(t, () => undefined);
  const proxy = await startObservedProxy(t, {
    upstreams: { up: upstream.url },
    timeouts: { ...DEFAULT_CONFIG.timeouts, websocket_idle_ms: 300, stream_idle_ms: 60_000 },
  });
  const { ws } = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/idle`);
  const serverSees = closed(await upstream.nextSocket(), 5_000);
  ws.send('one message, then silence');
  const started = performance.now();
  const { code } = await closed(ws, 5_000);
  const elapsed = performance.now() - started;
  assert.equal(code, 1006, 'cut, not closed by a frame memex would have had to make up');
  assert.ok(elapsed >= 250, `closed after ${Math.round(elapsed)} ms, before the idle timeout`);
  assert.equal((await serverSees).code, 1006);
});

test('a client abort and an upstream reset each end the other side within 1 s', async (t) => {
  const upstream = await startWsUpstream(t);
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });

  const aborting = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/abort`);
  aborting.ws.send('ping');
  await nextMessage(aborting.ws);
  const upstreamSide = await upstream.nextSocket();
  const upstreamSees = closed(upstreamSide, 1_000);
  aborting.ws.terminate();
  assert.equal((await upstreamSees).code, 1006);

  const reset = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/reset`);
  reset.ws.send('ping');
  await nextMessage(reset.ws);
  const resetSide = await upstream.nextSocket();
  const record = proxy.nextRecord();
  const clientSees = closed(reset.ws, 1_000);
  resetSide.terminate();
  assert.equal((await clientSees).code, 1006);
  const entry = await record;
  assert.equal(entry.status, 101);
  assert.equal(proxy.proxy.stats.snapshot().websockets.total, 2);
});

test('forward mode: an absolute-form handshake is relayed and frames cross raw and byte-exact', async (t) => {
  const upstream = await startWsUpstream(t);
  const proxy = await startObservedProxy(t);
  const { socket, response, head } = await rawUpgrade(
    t,
    proxy.port,
    `http://127.0.0.1:${upstream.port}/v1/responses`,
    { host: `127.0.0.1:${upstream.port}` },
  );
  assert.equal(response.statusCode, 101);
  assert.equal(response.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.equal(upstream.handshakes[0]?.headers.host, `127.0.0.1:${upstream.port}`);

  const payload = Buffer.from('forward-mode frame ✓');
  socket.write(clientFrame(0x1, payload));
  const echoed = await readBytes(socket, 2 + payload.length, head);
  assert.ok(echoed.equals(serverFrame(0x1, payload)));
});

test('the browser gate refuses a WebSocket from a web page, and a rebinding Host, before any dial', async (t) => {
  const upstream = await startWsUpstream(t);
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
  for (const [headers, status, code] of [
    [{ origin: 'https://evil.example' }, 403, 'BROWSER_REFUSED'],
    [{ origin: 'null' }, 403, 'BROWSER_REFUSED'],
    [{ host: `rebind.example:${proxy.port}` }, 403, 'HOST_REFUSED'],
  ] as const) {
    const answer = await handshakeAnswer(proxy.port, '/up/socket', headers);
    assert.equal(answer.status, status);
    assert.equal(answer.code, code);
  }
  assert.equal(upstream.connections(), 0);
  assert.equal(upstream.handshakes.length, 0);
});

test("memex's own endpoints refuse an upgrade", async (t) => {
  const proxy = await startObservedProxy(t);
  const answer = await handshakeAnswer(proxy.port, '/_memex/stats', {});
  assert.equal(answer.status, 400);
  assert.equal(answer.code, 'BAD_REQUEST');
});

test('shutdown ends open WebSockets after the drain grace', async (t) => {
  const upstream = await startWsUpstream(t);
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
  const { ws } = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/long`);
  const clientSees = closed(ws, 3_000);
  const started = performance.now();
  await withGuard(proxy.proxy.close(300), 'the proxy to close');
  await clientSees;
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 250, `ended after ${Math.round(elapsed)} ms, inside the grace`);
});

test('a client that stops reading stalls the upstream: what memex holds stays bounded', async (t) => {
  const upstream = await startWsUpstream(t, () => undefined);
  const proxy = await startProxyProcess(t, ['--upstream', `up=${upstream.url}`]);
  const { socket } = await rawUpgrade(t, proxy.port, '/up/flood');
  socket.pause();
  const ws = await upstream.nextSocket();
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  // 64 MiB offered to a client that reads nothing: the upstream's own buffer must fill (memex
  // stopped reading it) instead of memex holding it all.
  let offered = 0;
  while (offered < 64 * 1024 * 1024) {
    ws.send(chunk, { binary: true });
    offered += chunk.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const held = ws.bufferedAmount;
  assert.ok(held > 32 * 1024 * 1024, `the upstream still holds only ${held} bytes`);
  const grown = (await proxy.peakRss()) - proxy.startRss;
  assert.ok(
    grown < 48 * 1024 * 1024,
    `memex's peak RSS grew by ${Math.round(grown / 1048576)} MiB`,
  );
});

/** Sends a handshake and reads a non-101 answer: status and x-memex-error. */
function handshakeAnswer(
  port: number,
  path: string,
  headers: Readonly<Record<string, string>>,
): Promise<{ status: number; code: string | undefined }> {
  const answer = new Promise<{ status: number; code: string | undefined }>((resolve, reject) => {
    const req = handshakeRequest(port, path, headers);
    req.once('response', (response) => {
      response.resume();
      const code = response.headers['x-memex-error'];
      resolve({
        status: response.statusCode ?? 0,
        code: typeof code === 'string' ? code : undefined,
      });
    });
    req.once('upgrade', (_response, socket: ReturnType<typeof connect>) => {
      socket.destroy();
      reject(new Error('the handshake was let through'));
    });
    req.once('error', reject);
    req.end();
  });
  return withGuard(answer, `the answer to ${path}`);
}

test("Codex's real handshake (fixtures/clients) opens through the base-URL route, every header intact", async (t) => {
  const heads = JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/clients/request-heads.json', import.meta.url),
      'utf8',
    ),
  ) as Record<string, { path: string; websocket: boolean; headers: Record<string, string> }[]>;
  const codex = heads['codex-cli-0.171.0']?.find((head) => head.websocket);
  assert.ok(codex !== undefined);
  const upstream = await startWsUpstream(t, undefined, { perMessageDeflate: true });
  const proxy = await startObservedProxy(t, { upstreams: { openai: upstream.url } });
  const sent: Record<string, string> = {
    ...codex.headers,
    host: `127.0.0.1:${proxy.port}`,
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    authorization: 'Bearer sk-codex-test',
  };
  const { response } = await rawUpgrade(t, proxy.port, `/openai${codex.path}`, sent);
  assert.equal(response.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.equal(response.headers['sec-websocket-extensions'], 'permessage-deflate');
  const arrived = upstream.handshakes[0];
  assert.ok(arrived !== undefined);
  for (const [name, value] of Object.entries(sent)) {
    const expected = name === 'host' ? `127.0.0.1:${upstream.port}` : value;
    assert.equal(arrived.headers[name], expected, name);
  }
});
