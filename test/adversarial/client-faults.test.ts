// Client faults (issue 6): a client that aborts an upload or a stream, stops reading, goes
// silent mid-head or speaks HTTP/1.0 never leaks a socket, a file descriptor or unbounded
// memory in the proxy, and the proxy serves on.

import assert from 'node:assert/strict';
import { once } from '../helpers/events.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { DEFAULT_CONFIG } from '../../proxy-core/config/config.js';
import {
  assertHealthy,
  assertServes,
  fdCount,
  NO_LOOKUPS_CONFIG,
  settlesTo,
  startCountingUpstream,
} from '../helpers/adversarial-upstream.js';
import { withGuard } from '../helpers/process-spawn.js';
import { startProxyProcess } from '../helpers/proxy-process.js';
import { startProxy } from '../helpers/servers.js';

function postHead(port: number): string {
  return `POST /up/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
}

/** Answers assertServes's probe (`GET /v1/models`) with 200; true when `req` was the probe. */
function isProbe(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.url !== '/v1/models') return false;
  req.resume();
  res.end('ok');
  return true;
}

/** Resolves when `req` closes; true when its body ended completely first. */
function requestOutcome(req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    req.resume();
    req.once('close', () => {
      resolve(req.complete);
    });
  });
}

test('a client that aborts mid-upload aborts the upstream request', async (t) => {
  let outcome!: Promise<boolean>;
  let arrived!: () => void;
  const started = new Promise<void>((resolve) => (arrived = resolve));
  const upstream = await startCountingUpstream(t, (req, res) => {
    if (isProbe(req, res)) return;
    outcome = requestOutcome(req);
    req.once('data', () => {
      arrived();
    });
  });
  const { port } = await startProxy(t, { upstreams: { up: upstream.url } });
  const client = connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  client.write(`${postHead(port)}Content-Length: 1000000\r\n\r\n${'x'.repeat(1000)}`);
  await withGuard(started, 'the first body bytes at the upstream');

  client.destroy();

  assert.equal(await withGuard(outcome, 'the upstream request to close'), false);
  assert.deepEqual(upstream.requests, ['POST /v1/messages']);
  await assertServes(port, 'up');
});

test('a chunked upload that turns malformed mid-body aborts the upstream request', async (t) => {
  let outcome!: Promise<boolean>;
  let arrived!: () => void;
  const started = new Promise<void>((resolve) => (arrived = resolve));
  const upstream = await startCountingUpstream(t, (req, res) => {
    if (isProbe(req, res)) return;
    outcome = requestOutcome(req);
    req.once('data', () => {
      arrived();
    });
  });
  const { port } = await startProxy(t, { upstreams: { up: upstream.url } });
  const client = connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  let text = '';
  client.setEncoding('latin1');
  client.on('data', (chunk: string) => (text += chunk));
  const closed = once(client, 'close');
  client.write(`${postHead(port)}Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n`);
  await withGuard(started, 'the first chunk at the upstream');

  client.write('zz\r\nnot a chunk\r\n');

  await withGuard(closed, 'the proxy to close the client connection');
  assert.match(text, /^HTTP\/1\.1 400 /);
  assert.equal(await withGuard(outcome, 'the upstream request to close'), false);
  assert.equal(upstream.requests.length, 1);
  await assertServes(port, 'up');
});

test('a client that goes silent halfway through its request head is cut after stream_idle_ms', async (t) => {
  const upstream = await startCountingUpstream(t);
  const { port } = await startProxy(t, {
    upstreams: { up: upstream.url },
    timeouts: { ...DEFAULT_CONFIG.timeouts, stream_idle_ms: 200 },
  });
  const client = connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  client.write(`POST /up/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Half: `);

  await withGuard(once(client, 'close'), 'the proxy to cut the silent client', 5_000);
  assert.equal(upstream.connections(), 0);
  await assertServes(port, 'up');
});

test('a slowloris client trickling its head byte by byte gets 408 within header_ms and is cut', async (t) => {
  const upstream = await startCountingUpstream(t);
  const { port } = await startProxy(t, {
    upstreams: { up: upstream.url },
    // The idle timer alone never fires here: every byte resets it. The head timer does.
    timeouts: { ...DEFAULT_CONFIG.timeouts, header_ms: 300, stream_idle_ms: 600_000 },
  });
  const client = connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  const received: Buffer[] = [];
  client.on('data', (chunk: Buffer) => received.push(chunk));
  const head = Buffer.from(`${postHead(port)}X-Slow: ${'a'.repeat(4_000)}\r\n\r\n`);
  let sent = 0;
  // One byte every 20 ms: each write is activity, so only a limit on the whole head can stop it.
  const trickle = setInterval(() => {
    if (sent < head.length && client.writable) client.write(head.subarray(sent, ++sent));
  }, 20);
  t.after(() => {
    clearInterval(trickle);
  });
  const started = Date.now();
  await withGuard(once(client, 'close'), 'the proxy to cut the slowloris client', 5_000);
  clearInterval(trickle);
  const elapsed = Date.now() - started;
  assert.ok(sent < head.length, `the whole head (${head.length} bytes) was sent`);
  assert.ok(elapsed < 3_000, `cut after ${elapsed} ms`);
  assert.match(Buffer.concat(received).toString('latin1'), /^HTTP\/1\.1 408 /);
  assert.equal(upstream.connections(), 0);
  await assertServes(port, 'up');
});

test('an HTTP/1.0 client gets an SSE stream unchunked and the connection closes at its end', async (t) => {
  let held!: ServerResponse;
  let arrived!: () => void;
  const ready = new Promise<void>((resolve) => (arrived = resolve));
  const upstream = await startCountingUpstream(t, (req, res) => {
    if (isProbe(req, res)) return;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    held = res;
    arrived();
  });
  const { port } = await startProxy(t, { upstreams: { up: upstream.url } });

  const client = connect(port, '127.0.0.1');
  let text = '';
  client.setEncoding('latin1');
  client.on('data', (chunk: string) => (text += chunk));
  const closed = once(client, 'close');
  client.write(`GET /up/v1/messages HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await withGuard(ready, 'the request at the upstream');
  held.write('data: one\n\n');
  held.write('data: two\n\n');
  held.end('data: three\n\n');
  await withGuard(closed, 'the proxy to close the HTTP/1.0 connection');

  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(text, /transfer-encoding/i);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  assert.equal(body, 'data: one\n\ndata: two\n\ndata: three\n\n');
  await assertServes(port, 'up');
});

/** An upstream that opens an SSE stream per request and holds it until the client goes away. */
async function startSseUpstream(t: TestContext): Promise<{ url: string; closed: () => number }> {
  let closed = 0;
  const upstream = await startCountingUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    res.once('close', () => closed++);
  });
  return { url: upstream.url, closed: () => closed };
}

/** Opens an SSE request through the proxy and aborts it once the first event arrives. */
function abortAfterFirstEvent(port: number, reset: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.once('close', () => {
      resolve();
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('data: first')) return;
      if (!text.startsWith('HTTP/1.1 200 ')) reject(new Error(text.slice(0, 200)));
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    });
    socket.write(`GET /sse/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  });
}

test('1,000 clients aborting mid-SSE leave the proxy process serving with its fds at baseline', async (t) => {
  const upstream = await startSseUpstream(t);
  const proxy = await startProxyProcess(t, [
    '--config',
    NO_LOOKUPS_CONFIG,
    '--upstream',
    `sse=${upstream.url}`,
  ]);
  const baseline = await fdCount(proxy.pid);

  const total = 1_000;
  const concurrency = 25;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      await abortAfterFirstEvent(proxy.port, index % 2 === 0);
    }
  };
  await withGuard(
    Promise.all(Array.from({ length: concurrency }, lane)),
    `${total} aborted streams`,
    30_000,
  );

  assert.equal(await settlesTo(() => total - upstream.closed(), 0), 0);
  const fds = await settlesTo(() => fdCount(proxy.pid), baseline);
  assert.ok(fds <= baseline, `proxy has ${fds} fds open, ${baseline} at start`);
  await assertHealthy(proxy.port);
});

test('a client that stops reading stalls the upstream and keeps the proxy memory bounded', async (t) => {
  const total = 200 * 1024 * 1024;
  const block = Buffer.alloc(256 * 1024, 0x61);
  let written = 0;
  let upstreamClosed!: Promise<unknown>;
  const upstream = await startCountingUpstream(t, (req, res) => {
    req.resume();
    upstreamClosed = once(res, 'close');
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const push = (): void => {
      while (written < total && !res.destroyed) {
        written += block.length;
        if (!res.write(block)) {
          res.once('drain', push);
          return;
        }
      }
      res.end();
    };
    push();
  });
  const proxy = await startProxyProcess(t, ['--upstream', `big=${upstream.url}`]);
  const client: Socket = connect(proxy.port, '127.0.0.1');
  client.on('error', () => undefined);
  client.write(`GET /big/v1/blob HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n\r\n`);
  await once(client, 'data');
  client.pause();

  // Wait until the upstream's writes have stalled: no progress for 300 ms (at most 10 s).
  let last = -1;
  const deadline = performance.now() + 10_000;
  while (written !== last && performance.now() < deadline) {
    last = written;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  assert.equal(written, last, 'the upstream never stalled');
  assert.ok(written < 64 * 1024 * 1024, `${written} bytes buffered past a paused client`);
  const grown = (await proxy.peakRss()) - proxy.startRss;
  assert.ok(grown < 96 * 1024 * 1024, `proxy peak RSS grew ${grown} bytes`);
  client.destroy();
  await withGuard(upstreamClosed, 'the upstream response to close after the client left');
  await assertHealthy(proxy.port);
});

/** Writes `parts` one per tick, waits for the first response bytes, then ends or resets. */
function sendThenHangUp(port: number, parts: readonly string[], reset: boolean): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => {
      if (reset) socket.resetAndDestroy();
      else socket.end();
      resolve(chunk.toString('latin1'));
    });
    let index = 0;
    const writeNext = (): void => {
      const part = parts[index++];
      if (part === undefined || socket.destroyed) return;
      socket.write(part);
      setImmediate(writeNext);
    };
    writeNext();
  });
}

// Found by `npm run fuzz`: a CONNECT refused after the proxy stopped reading its socket (here a
// failed dial, with early data in a second write) leaked the socket once the client hung up.
test('refused CONNECTs whose clients hang up release their sockets', async (t) => {
  const proxy = await startProxyProcess(t, [
    '--config',
    NO_LOOKUPS_CONFIG,
    '--connect-ports',
    '443',
  ]);
  const baseline = await fdCount(proxy.pid);
  const requests: readonly (readonly string[])[] = [
    ['CONNECT not-an-authority HTTP/1.1\r\nHost: x\r\n\r\n', 'early'],
    ['CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n', 'early'],
    ['CONNECT .0.0.1:443 HTTP/1.1\r\nHost: .0.0.1:443\r\n\r\nGET', ' / HTTP/1.1\r\n\r\n'],
  ];

  for (let i = 0; i < 60; i++) {
    const text = await sendThenHangUp(proxy.port, requests[i % 3] ?? [], i % 2 === 0);
    assert.match(text, /^HTTP\/1\.1 (400|403|502) /);
  }

  const fds = await settlesTo(() => fdCount(proxy.pid), baseline);
  assert.ok(fds <= baseline, `proxy has ${fds} fds open, ${baseline} at start`);
  await assertHealthy(proxy.port);
});
