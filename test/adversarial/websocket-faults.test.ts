// WebSocket faults (issue 14): frames memex cannot decode pass through untouched (memex only reads
// a copy), bytes glued to either handshake are kept, a bad 101 is the client's to judge, and an
// upstream that resets or never answers leaves memex serving.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { DEFAULT_CONFIG } from '../../proxy-core/config/config.js';
import { assertHealthy } from '../helpers/adversarial-upstream.js';
import { startObservedProxy } from '../helpers/proxy-stats.js';
import { startTcpUpstream } from '../helpers/tunnel.js';
import { clientFrame, rawUpgrade, readBytes, serverFrame } from '../helpers/websocket.js';
import { once } from '../helpers/events.js';

const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const SWITCHING =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  `Sec-WebSocket-Accept: ${ACCEPT}\r\n\r\n`;

/**
 * A raw upstream: on a complete handshake head it calls `answer` with the socket and any bytes
 * that came after the head; everything it receives later is collected in `received`.
 */
async function startRawWsUpstream(
  t: TestContext,
  answer: (socket: Socket, after: Buffer) => void,
): Promise<{ url: string; received: () => Buffer; socket: Promise<Socket> }> {
  let got = Buffer.alloc(0);
  let resolveSocket!: (socket: Socket) => void;
  const socket = new Promise<Socket>((resolve) => (resolveSocket = resolve));
  const upstream = await startTcpUpstream(t, (peer) => {
    let head = Buffer.alloc(0);
    let answered = false;
    peer.on('data', (chunk: Buffer) => {
      if (answered) {
        got = Buffer.concat([got, chunk]);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      answered = true;
      resolveSocket(peer);
      const after = head.subarray(end + 4);
      got = Buffer.concat([got, after]);
      answer(peer, after);
    });
  });
  return { url: `http://127.0.0.1:${upstream.port}`, received: () => got, socket };
}

const MALFORMED: readonly (readonly [string, Buffer])[] = [
  ['a reserved opcode', serverFrame(0x3, Buffer.from('reserved'))],
  ['RSV1 without an agreed extension', serverFrame(0x1, Buffer.from('not deflated'), true, true)],
  ['a masked server frame', clientFrame(0x1, Buffer.from('masked by the server'))],
  ['invalid UTF-8 in a text frame', serverFrame(0x1, Buffer.from([0xc3, 0x28, 0xff]))],
  ['a continuation with nothing to continue', serverFrame(0x0, Buffer.from('orphan'))],
  ['a fragmented ping', serverFrame(0x9, Buffer.from('ping'), false)],
  [
    'a length of 2^63 − 1',
    Buffer.from([0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  ],
  ['no frame at all', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
];

for (const [name, bytes] of MALFORMED) {
  test(`${name} from the upstream reaches the client byte for byte, and memex serves on`, async (t) => {
    const upstream = await startRawWsUpstream(t, (socket) => {
      socket.write(SWITCHING);
      // A valid event first: the reader is mid-response when the bad frame comes.
      socket.write(serverFrame(0x1, Buffer.from('{"type":"response.created","response":{}}')));
      socket.write(bytes);
    });
    const proxy = await startObservedProxy(t, { upstreams: { openai: upstream.url } });
    const { socket, head } = await rawUpgrade(t, proxy.port, '/openai/v1/responses');
    const first = serverFrame(0x1, Buffer.from('{"type":"response.created","response":{}}'));
    const got = await readBytes(socket, first.length + bytes.length, head);
    assert.ok(got.equals(Buffer.concat([first, bytes])));
    const record = proxy.nextRecord();
    socket.destroy();
    assert.equal((await record).status, 101);
    await assertHealthy(proxy.port);
  });
}

test('garbage from the client after the handshake reaches the upstream untouched', async (t) => {
  const upstream = await startRawWsUpstream(t, (socket) => socket.write(SWITCHING));
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
  const { socket } = await rawUpgrade(t, proxy.port, '/up/socket');
  const garbage = Buffer.from([0xff, 0x00, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]);
  socket.write(garbage);
  const peer = await upstream.socket;
  for (let i = 0; i < 100 && upstream.received().length < garbage.length; i++) {
    await once(peer, 'data');
  }
  assert.ok(upstream.received().equals(garbage));
  await assertHealthy(proxy.port);
});

test('frames glued to the 101 and to the handshake request are kept, in order', async (t) => {
  const early = serverFrame(0x1, Buffer.from('sent with the 101'));
  const upstream = await startRawWsUpstream(t, (socket) => {
    socket.write(Buffer.concat([Buffer.from(SWITCHING), early]));
  });
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
  const { socket, head } = await rawUpgrade(t, proxy.port, '/up/socket');
  const got = await readBytes(socket, early.length, head);
  assert.ok(got.equals(early));
  await assertHealthy(proxy.port);
});

test('a 101 without Sec-WebSocket-Accept is relayed as it is: the client judges it', async (t) => {
  const upstream = await startRawWsUpstream(t, (socket) => {
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
  });
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
  const { response } = await rawUpgrade(t, proxy.port, '/up/socket');
  assert.equal(response.statusCode, 101);
  assert.equal(response.headers['sec-websocket-accept'], undefined);
});

test('an upstream that resets right after its 101 ends the client, and memex serves on', async (t) => {
  const upstream = await startRawWsUpstream(t, (socket) => {
    socket.write(SWITCHING, () => socket.resetAndDestroy());
  });
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
  const record = proxy.nextRecord();
  const { socket } = await rawUpgrade(t, proxy.port, '/up/socket');
  if (!socket.destroyed) await once(socket, 'close', 2_000);
  const entry = await record;
  assert.equal(entry.status, 101);
  assert.equal(entry.complete, false);
  await assertHealthy(proxy.port);
});

test('an upstream that never answers the handshake gets a 504 after response_header_ms', async (t) => {
  const upstream = await startTcpUpstream(t, (socket) => socket.resume());
  const proxy = await startObservedProxy(t, {
    upstreams: { up: `http://127.0.0.1:${upstream.port}` },
    timeouts: { ...DEFAULT_CONFIG.timeouts, response_header_ms: 200 },
  });
  await assert.rejects(rawUpgrade(t, proxy.port, '/up/socket'), /expected 101, got 504/);
  await assertHealthy(proxy.port);
});
