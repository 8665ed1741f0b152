// WebSocket test servers and clients: a real `ws` upstream on 127.0.0.1 port 0 that records each
// handshake, a guarded connect through memex, and raw frames for what `ws` would refuse to send.

import { EventEmitter } from 'node:events';
import { createServer, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import { once } from './events.js';
import { withGuard } from './process-spawn.js';
import { closeServer } from './servers.js';

export interface WsUpstream {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly wss: WebSocketServer;
  /** Every handshake request the upstream received, in order. */
  readonly handshakes: IncomingMessage[];
  /** Every TCP connection the upstream accepted. */
  connections(): number;
  /** The next WebSocket the upstream accepts (or has accepted and not yet handed out). */
  nextSocket(): Promise<WebSocket>;
}

/** A ws server behind an http.Server; `onSocket` runs for each accepted WebSocket. */
export async function startWsUpstream(
  t: TestContext,
  onSocket: (ws: WebSocket, req: IncomingMessage) => void = echo,
  options: Omit<ServerOptions, 'server' | 'port' | 'noServer'> = {},
): Promise<WsUpstream> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('plain http');
  });
  const handshakes: IncomingMessage[] = [];
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    socket.on('error', () => undefined);
  });
  const wss = new WebSocketServer({ ...options, noServer: true });
  const accepted: WebSocket[] = [];
  const arrivals = new EventEmitter();
  let taken = 0;
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    handshakes.push(req);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      accepted.push(ws);
      onSocket(ws, req);
      arrivals.emit('socket');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    await closeServer(server);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wss,
    handshakes,
    connections: () => connections,
    async nextSocket() {
      if (taken === accepted.length) await once(arrivals, 'socket');
      const ws = accepted[taken++];
      if (ws === undefined) throw new Error('no upstream WebSocket');
      return ws;
    },
  };
}

/** Echoes every message back as it came (text as text, binary as binary). */
export function echo(ws: WebSocket): void {
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
}

// ws emits every message a chunk holds in one go: a test awaiting them one by one would miss
// all but the first, so each client's messages are queued from the moment it exists.
const queues = new WeakMap<WebSocket, MessageQueue>();

class MessageQueue {
  readonly #waiting: ((message: { data: Buffer; isBinary: boolean }) => void)[] = [];
  readonly #arrived: { data: Buffer; isBinary: boolean }[] = [];

  constructor(ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const waiter = this.#waiting.shift();
      if (waiter === undefined) this.#arrived.push({ data, isBinary });
      else waiter({ data, isBinary });
    });
  }

  next(): Promise<{ data: Buffer; isBinary: boolean }> {
    const arrived = this.#arrived.shift();
    if (arrived !== undefined) return Promise.resolve(arrived);
    return withGuard(
      new Promise((resolve) => this.#waiting.push(resolve)),
      "the WebSocket's next message",
    );
  }
}

/** Opens a ws client to `url` and waits (guarded) for it to open; terminated when the test ends. */
export async function openWs(
  t: TestContext,
  url: string,
  options: ConstructorParameters<typeof WebSocket>[2] = {},
  protocols: string[] = [],
): Promise<{ ws: WebSocket; response: IncomingMessage }> {
  const ws = new WebSocket(url, protocols, options);
  queues.set(ws, new MessageQueue(ws));
  t.after(() => {
    ws.terminate();
  });
  const upgraded = once(ws, 'upgrade');
  await once(ws, 'open');
  const [response] = (await upgraded) as [IncomingMessage];
  return { ws, response };
}

/** The next message of a client opened with openWs: its data and whether it was binary. */
export function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  const queue = queues.get(ws);
  if (queue === undefined) throw new Error('nextMessage needs a WebSocket opened with openWs');
  return queue.next();
}

/** Resolves with the close code and reason `ws` sees. */
export async function closed(
  ws: WebSocket,
  ms?: number,
): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('the WebSocket had closed already');
  const [code, reason] = (await once(ws, 'close', ms)) as [number, Buffer];
  return { code, reason: reason.toString() };
}

/** A raw handshake: the socket after a 101, the head text and any bytes that came with it. */
export interface RawUpgrade {
  readonly socket: Socket;
  readonly response: IncomingMessage;
  readonly head: Buffer;
}

/**
 * Sends a WebSocket handshake with node:http to `port` for `target` (origin-form path or an
 * absolute URL for forward mode); resolves on the 101, rejects on any other answer.
 */
export function rawUpgrade(
  t: TestContext,
  port: number,
  target: string,
  headers: Record<string, string> = {},
): Promise<RawUpgrade> {
  const req = handshakeRequest(port, target, headers);
  const result = new Promise<RawUpgrade>((resolve, reject) => {
    req.once('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => undefined);
      t.after(() => {
        socket.destroy();
      });
      resolve({ socket, response, head });
    });
    req.once('response', (response: IncomingMessage) => {
      response.resume();
      reject(new Error(`expected 101, got ${String(response.statusCode)}`));
    });
    req.once('error', reject);
  });
  req.end();
  return withGuard(result, `the 101 for ${target}`);
}

/**
 * A WebSocket handshake request to memex on `port` for `target` (a path, or an absolute URL for
 * forward mode), with RFC 6455's sample key; `headers` add or replace fields. Not yet ended.
 */
export function handshakeRequest(
  port: number,
  target: string,
  headers: Readonly<Record<string, string>> = {},
): ClientRequest {
  return request({
    host: '127.0.0.1',
    port,
    path: target,
    agent: false,
    headers: {
      host: `127.0.0.1:${port}`,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      ...headers,
    },
  });
}

/** One frame as a client sends it: masked (RFC 6455 §5.3). */
export function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return Buffer.concat([frameHead(opcode, payload.length, fin, true), mask, masked]);
}

/** One frame as a server sends it: unmasked; `rsv1` marks it compressed. */
export function serverFrame(opcode: number, payload: Buffer, fin = true, rsv1 = false): Buffer {
  const head = frameHead(opcode, payload.length, fin, false);
  if (rsv1) head[0] = (head[0] ?? 0) | 0x40;
  return Buffer.concat([head, payload]);
}

function frameHead(opcode: number, length: number, fin: boolean, masked: boolean): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) return Buffer.from([first, maskBit | length]);
  if (length < 65_536) {
    const head = Buffer.from([first, maskBit | 126, 0, 0]);
    head.writeUInt16BE(length, 2);
    return head;
  }
  const head = Buffer.alloc(10);
  head[0] = first;
  head[1] = maskBit | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head;
}

/** Reads from `socket` until `bytes` bytes arrived (guarded); resolves with exactly those. */
export function readBytes(
  socket: Socket,
  bytes: number,
  already: Buffer = Buffer.alloc(0),
): Promise<Buffer> {
  const result = new Promise<Buffer>((resolve, reject) => {
    let got = already;
    const check = (): boolean => {
      if (got.length < bytes) return false;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(got.subarray(0, bytes));
      return true;
    };
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      check();
    };
    const onClose = (): void => {
      reject(new Error(`socket closed after ${got.length} of ${bytes} bytes`));
    };
    if (check()) return;
    socket.on('data', onData);
    socket.once('close', onClose);
  });
  return withGuard(result, `${bytes} bytes`);
}
