// 100 MB through memex-proxy, as a separate process, in each mode: the echoed bytes come back
// exactly (sha256 both ways) and the process's peak memory stays far below the body's size,
// which holds only if the proxy streams instead of buffering.

import assert from 'node:assert/strict';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { once } from '../../helpers/events.js';
import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { startProxyProcess, type ProxyProcess } from '../../helpers/proxy-process.js';
import { startUpstream } from '../../helpers/servers.js';
import { openTunnel, startTcpUpstream } from '../../helpers/tunnel.js';

const CHUNK_BYTES = 1024 * 1024;
const CHUNKS = 100;
const TOTAL_BYTES = CHUNK_BYTES * CHUNKS;
// memex-proxy starts at about 70 MB and, streaming, peaks 50–90 MB higher (chunks waiting for
// the GC, about as much whatever the body's size); holding the 100 MB body would pass this bound.
const PEAK_RSS_LIMIT = 200 * 1024 * 1024;

/** A 100 MB stream of fresh random chunks, hashed into `hash` as they are produced. */
function randomBody(hash: Hash): Readable {
  let produced = 0;
  return new Readable({
    read() {
      if (produced === CHUNKS) {
        this.push(null);
        return;
      }
      produced++;
      const chunk = randomBytes(CHUNK_BYTES);
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

/** Hashes a stream to its end; resolves with the digest and the byte count. */
async function digest(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    hash.update(buffer);
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function assertBoundedMemory(proxy: ProxyProcess): Promise<void> {
  const peak = await proxy.peakRss();
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  assert.ok(peak < PEAK_RSS_LIMIT, `proxy peak RSS ${mb(peak)} (${mb(proxy.startRss)} at start)`);
}

/** An HTTP upstream that streams each request body straight back. */
async function startEchoUpstream(t: Parameters<typeof startUpstream>[0]) {
  return startUpstream(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    req.pipe(res);
  });
}

/** POSTs 100 MB to the proxy and hashes the echoed response while it still uploads. */
async function echoThroughHttp(
  proxyPort: number,
  path: string,
  host: string,
): Promise<{ sent: string; received: { sha256: string; bytes: number }; status: number }> {
  const sentHash = createHash('sha256');
  const req = request({
    host: '127.0.0.1',
    port: proxyPort,
    method: 'POST',
    path,
    agent: false,
    headers: {
      host,
      'content-type': 'application/octet-stream',
      'content-length': TOTAL_BYTES,
    },
  });
  const response = once(req, 'response') as Promise<[IncomingMessage]>;
  const uploaded = pipeline(randomBody(sentHash), req);
  const [res] = await response;
  const received = digest(res);
  await uploaded;
  return { sent: sentHash.digest('hex'), received: await received, status: res.statusCode ?? 0 };
}

test('100 MB echoed through forward mode comes back byte-exact with bounded proxy memory', async (t) => {
  const upstream = await startEchoUpstream(t);
  const proxy = await startProxyProcess(t);
  const host = `127.0.0.1:${upstream.port}`;

  const result = await echoThroughHttp(proxy.port, `http://${host}/upload`, host);

  assert.equal(result.status, 200);
  assert.equal(result.received.bytes, TOTAL_BYTES);
  assert.equal(result.received.sha256, result.sent);
  await assertBoundedMemory(proxy);
});

test('100 MB echoed through a reverse route comes back byte-exact with bounded proxy memory', async (t) => {
  const upstream = await startEchoUpstream(t);
  const proxy = await startProxyProcess(t, ['--upstream', `echo=${upstream.url}/base`]);

  const result = await echoThroughHttp(proxy.port, '/echo/upload', `127.0.0.1:${proxy.port}`);

  assert.equal(result.status, 200);
  assert.equal(result.received.bytes, TOTAL_BYTES);
  assert.equal(result.received.sha256, result.sent);
  await assertBoundedMemory(proxy);
});

test('100 MB echoed through a CONNECT tunnel comes back byte-exact with bounded proxy memory', async (t) => {
  const upstream = await startTcpUpstream(t, (socket) => {
    socket.pipe(socket);
  });
  const proxy = await startProxyProcess(t);

  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${upstream.port}`);
  assert.equal(tunnel.status, 200);
  const sentHash = createHash('sha256');
  const received = digest(tunnel.socket);
  await pipeline(randomBody(sentHash), tunnel.socket, { end: true });
  const result = await received;

  assert.equal(result.bytes, TOTAL_BYTES);
  assert.equal(result.sha256, sentHash.digest('hex'));
  await assertBoundedMemory(proxy);
});
