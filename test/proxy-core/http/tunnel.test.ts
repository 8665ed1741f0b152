// CONNECT tunnels: a real TLS session through the tunnel, early data, the port allow-list, dial
// and request-form failures, paired teardown, and the tunnel counters.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from '../../helpers/events.js';
import { connect as connectTcp, type Socket } from 'node:net';
import { test } from 'node:test';
import { connect as connectTls, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { errorOf, sendRaw } from '../../helpers/client.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { createCertificate } from '../../helpers/tls.js';
import { openTunnel, readBytes, startTcpUpstream } from '../../helpers/tunnel.js';

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

/** Reads a socket to its end. */
async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // openTunnel leaves the socket paused, and a 'data' listener does not undo an explicit pause.
  socket.resume();
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

/** Splits a raw HTTP response into status, lowercase headers and body. */
function parseResponse(text: string): {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
} {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: Buffer.from(text.slice(end + 4), 'latin1'),
  };
}

test('a TLS session through a CONNECT tunnel carries bytes exactly both ways', async (t) => {
  const { key, cert } = await createCertificate(t);
  const upload = randomBytes(200_000);
  const download = randomBytes(300_000);
  let resolveReceived!: (bytes: Buffer) => void;
  const received = new Promise<Buffer>((resolve) => (resolveReceived = resolve));
  const accepted: TLSSocket[] = [];
  const server = createTlsServer({ key, cert }, (socket: TLSSocket) => {
    accepted.push(socket);
    socket.on('error', ignore);
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < upload.length) return;
      resolveReceived(Buffer.concat(chunks));
      socket.end(download);
    });
  });
  t.after(() => {
    server.close();
    for (const socket of accepted) socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const proxy = await startObservedProxy(t);

  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${port}`);
  assert.equal(tunnel.head, ESTABLISHED);
  const tls = connectTls({ socket: tunnel.socket, ca: cert, servername: 'localhost' });
  t.after(() => tls.destroy());
  await once(tls, 'secureConnect');
  assert.equal(tls.authorized, true);
  const downloaded = readAll(tls);
  tls.write(upload);

  assert.ok((await received).equals(upload), 'the upstream received other bytes');
  const bytes = await downloaded;
  assert.equal(bytes.length, download.length);
  assert.ok(bytes.equals(download), 'the client received other bytes');
  const tunnels = proxy.proxy.stats.snapshot().tunnels;
  assert.equal(tunnels.total, 1);
  assert.deepEqual(tunnels.byHost, { '127.0.0.1': { schema: 'unknown', count: 1 } });
});

test('bytes sent in the same write as the CONNECT head reach the upstream first', async (t) => {
  const early = Buffer.from('\x16\x03\x01early hello\x00\xff', 'latin1');
  const later = Buffer.from('and what came after');
  let resolveUpstream!: (socket: Socket) => void;
  const upstreamSocket = new Promise<Socket>((resolve) => (resolveUpstream = resolve));
  const upstream = await startTcpUpstream(t, resolveUpstream);
  const proxy = await startObservedProxy(t);

  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${upstream.port}`, early);
  assert.equal(tunnel.head, ESTABLISHED);
  const socket = await upstreamSocket;
  const first = await readBytes(socket, early.length);
  assert.ok(first.equals(early), `upstream read ${JSON.stringify(first.toString('latin1'))}`);
  tunnel.socket.write(later);
  assert.ok((await readBytes(socket, later.length)).equals(later));

  socket.write('pong');
  assert.equal((await readBytes(tunnel.socket, 4)).toString(), 'pong');
});

test('CONNECT to a port outside connect_ports gets 403 CONNECT_PORT_FORBIDDEN and dials nothing', async (t) => {
  const upstream = await startTcpUpstream(t);
  const proxy = await startObservedProxy(t, { connect_ports: [443] });

  const failed = once(proxy.events, 'tunnelFailed');
  const response = parseResponse(
    await sendRaw(
      proxy.port,
      `CONNECT 127.0.0.1:${upstream.port} HTTP/1.1\r\nHost: 127.0.0.1:${upstream.port}\r\n\r\n`,
    ),
  );
  await failed;

  assert.equal(response.status, 403);
  assert.equal(response.headers['x-memex-error'], 'CONNECT_PORT_FORBIDDEN');
  assert.equal(response.headers['content-type'], 'application/json');
  const error = errorOf(response.body);
  assert.equal(error.type, 'proxy_error');
  assert.equal(error.code, 'CONNECT_PORT_FORBIDDEN');
  assert.match(error.message, /443/);
  // A connection of the test's own, made after the 403: had the proxy dialled, its connection
  // would have been accepted before this one.
  const sentinel = connectTcp(upstream.port, '127.0.0.1');
  t.after(() => sentinel.destroy());
  await once(upstream.server, 'connection');
  assert.equal(upstream.sockets.length, 1);
  assert.equal(upstream.sockets[0]?.remotePort, sentinel.localPort);
  const tunnels = proxy.proxy.stats.snapshot().tunnels;
  assert.equal(tunnels.total, 0);
  assert.equal(tunnels.failed, 1);
});

test('CONNECT to a port in connect_ports is allowed', async (t) => {
  const upstream = await startTcpUpstream(t);
  const proxy = await startObservedProxy(t, { connect_ports: [443, upstream.port] });

  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${upstream.port}`);

  assert.equal(tunnel.status, 200);
});

test('CONNECT to a refused port gets 502 UPSTREAM_REFUSED and counts a failed tunnel', async (t) => {
  const upstream = await startTcpUpstream(t);
  const port = upstream.port;
  const closed = once(upstream.server, 'close');
  upstream.server.close();
  await closed;
  const proxy = await startObservedProxy(t);

  const failed = once(proxy.events, 'tunnelFailed');
  const response = parseResponse(
    await sendRaw(
      proxy.port,
      `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    ),
  );
  await failed;

  assert.equal(response.status, 502);
  assert.equal(response.headers['x-memex-error'], 'UPSTREAM_REFUSED');
  const error = errorOf(response.body);
  assert.equal(error.code, 'UPSTREAM_REFUSED');
  assert.match(error.message, /ECONNREFUSED/);
  const tunnels = proxy.proxy.stats.snapshot().tunnels;
  assert.equal(tunnels.total, 0);
  assert.equal(tunnels.failed, 1);
});

test('CONNECT to a name that does not resolve gets 502 UPSTREAM_DNS', async (t) => {
  const proxy = await startObservedProxy(t);

  const response = parseResponse(
    await sendRaw(
      proxy.port,
      'CONNECT does-not-exist.invalid:443 HTTP/1.1\r\nHost: does-not-exist.invalid:443\r\n\r\n',
    ),
  );

  assert.equal(response.status, 502);
  assert.equal(response.headers['x-memex-error'], 'UPSTREAM_DNS');
});

const MALFORMED = ['no-port.example', '127.0.0.1:99999', '127.0.0.1:0', ':443', 'host:port'];

for (const authority of MALFORMED) {
  test(`CONNECT ${authority} is answered 400 BAD_REQUEST`, async (t) => {
    const proxy = await startObservedProxy(t);

    const response = parseResponse(
      await sendRaw(proxy.port, `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`),
    );

    assert.equal(response.status, 400);
    assert.equal(response.headers['x-memex-error'], 'BAD_REQUEST');
    assert.equal(errorOf(response.body).code, 'BAD_REQUEST');
    assert.equal(proxy.proxy.stats.snapshot().tunnels.total, 0);
  });
}

test('the upstream closing a tunnel closes the client socket', async (t) => {
  let resolveUpstream!: (socket: Socket) => void;
  const upstreamSocket = new Promise<Socket>((resolve) => (resolveUpstream = resolve));
  const upstream = await startTcpUpstream(t, resolveUpstream);
  const proxy = await startObservedProxy(t);

  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${upstream.port}`);
  const socket = await upstreamSocket;
  const tunnelClosed = once(proxy.events, 'tunnelClosed');
  const clientClosed = once(tunnel.socket, 'close');
  const clientRead = readAll(tunnel.socket);
  socket.end('last words');

  assert.equal((await clientRead).toString(), 'last words');
  await clientClosed;
  await tunnelClosed;
  assert.equal(proxy.proxy.stats.snapshot().tunnels.active, 0);
});

test('the upstream resetting a tunnel closes the client socket', async (t) => {
  let resolveUpstream!: (socket: Socket) => void;
  const upstreamSocket = new Promise<Socket>((resolve) => (resolveUpstream = resolve));
  const upstream = await startTcpUpstream(t, resolveUpstream);
  const proxy = await startObservedProxy(t);

  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${upstream.port}`);
  tunnel.socket.on('error', ignore);
  tunnel.socket.resume();
  const socket = await upstreamSocket;
  const clientClosed = once(tunnel.socket, 'close');
  socket.resetAndDestroy();

  await clientClosed;
});

test('the client closing a tunnel closes the upstream socket', async (t) => {
  let resolveUpstream!: (socket: Socket) => void;
  const upstreamSocket = new Promise<Socket>((resolve) => (resolveUpstream = resolve));
  const upstream = await startTcpUpstream(t, resolveUpstream);
  const proxy = await startObservedProxy(t);

  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${upstream.port}`);
  const socket = await upstreamSocket;
  socket.resume();
  const upstreamClosed = once(socket, 'close');
  const tunnelClosed = once(proxy.events, 'tunnelClosed');
  tunnel.socket.destroy();

  await upstreamClosed;
  await tunnelClosed;
  assert.equal(proxy.proxy.stats.snapshot().tunnels.active, 0);
});

test('the client resetting a tunnel closes the upstream socket', async (t) => {
  let resolveUpstream!: (socket: Socket) => void;
  const upstreamSocket = new Promise<Socket>((resolve) => (resolveUpstream = resolve));
  const upstream = await startTcpUpstream(t, resolveUpstream);
  const proxy = await startObservedProxy(t);

  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${upstream.port}`);
  const socket = await upstreamSocket;
  socket.resume();
  const upstreamClosed = once(socket, 'close');
  const tunnelClosed = once(proxy.events, 'tunnelClosed');
  // A reset, unlike a FIN, is not passed on by pipe(): only the paired teardown ends the far side.
  tunnel.socket.resetAndDestroy();

  await upstreamClosed;
  await tunnelClosed;
  assert.equal(proxy.proxy.stats.snapshot().tunnels.active, 0);
});

test('tunnels are counted in total and per host, with their bytes at close', async (t) => {
  const upstream = await startTcpUpstream(t, (socket) => {
    socket.pipe(socket);
  });
  const proxy = await startObservedProxy(t);

  for (let i = 0; i < 2; i++) {
    const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${upstream.port}`);
    tunnel.socket.write('12345');
    assert.equal((await readBytes(tunnel.socket, 5)).toString(), '12345');
    const closed = once(proxy.events, 'tunnelClosed');
    tunnel.socket.destroy();
    await closed;
  }

  const tunnels = proxy.proxy.stats.snapshot().tunnels;
  assert.equal(tunnels.total, 2);
  assert.equal(tunnels.active, 0);
  assert.equal(tunnels.failed, 0);
  assert.deepEqual(tunnels.byHost, { '127.0.0.1': { schema: 'unknown', count: 2 } });
  assert.equal(tunnels.bytesIn, 10);
  assert.equal(tunnels.bytesOut, 10);
  assert.equal(proxy.proxy.stats.snapshot().requests.unknown, 0);
});

function ignore(): void {
  return;
}
