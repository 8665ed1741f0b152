// CONNECT from the client's side on a raw socket (so a test controls every byte, early data
// included), and plain TCP servers to stand at the far end of a tunnel.

import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export interface TcpUpstream {
  readonly server: Server;
  readonly port: number;
  /** Sockets accepted so far, in order. */
  readonly sockets: Socket[];
}

/** Starts a TCP server on 127.0.0.1 port 0; it and its sockets are closed when the test ends. */
export async function startTcpUpstream(
  t: TestContext,
  onSocket: (socket: Socket) => void = ignoreSocket,
): Promise<TcpUpstream> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', ignore);
    onSocket(socket);
  });
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    await closed;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

export interface Tunnel {
  /** Status code of the proxy's answer to CONNECT. */
  readonly status: number;
  /** The answer's head, up to and including the blank line. */
  readonly head: string;
  /** The client socket, positioned just after the head; destroyed when the test ends. */
  readonly socket: Socket;
}

/**
 * Sends `CONNECT authority` to the proxy on 127.0.0.1:`proxyPort`, with `early` bytes in the same
 * write as the head (and `headers` in it), and resolves once the proxy's answer head has arrived.
 */
export async function openTunnel(
  t: TestContext,
  proxyPort: number,
  authority: string,
  early: Buffer = Buffer.alloc(0),
  headers: Readonly<Record<string, string>> = {},
): Promise<Tunnel> {
  const socket = connect(proxyPort, '127.0.0.1');
  t.after(() => socket.destroy());
  socket.setNoDelay(true);
  const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  const request = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${fields.join('')}\r\n`;
  socket.write(Buffer.concat([Buffer.from(request, 'latin1'), early]));
  const head = await new Promise<string>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.off('end', onEnd);
      socket.pause();
      const rest = received.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(received.subarray(0, end + 4).toString('latin1'));
    };
    const onEnd = (): void => {
      reject(new Error(`proxy closed before answering CONNECT: ${received.toString('latin1')}`));
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('end', onEnd);
  });
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, socket };
}

/** Reads from `socket` until it has `length` bytes or ends; resolves with what it got. */
export function readBytes(socket: Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (): void => {
      socket.off('data', onData);
      socket.off('end', finish);
      socket.off('error', reject);
      socket.pause();
      const all = Buffer.concat(chunks);
      if (all.length > length) socket.unshift(all.subarray(length));
      resolve(all.subarray(0, length));
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= length) finish();
    };
    socket.on('data', onData);
    socket.on('end', finish);
    socket.on('error', reject);
    socket.resume();
  });
}

function ignoreSocket(): void {
  return;
}

function ignore(): void {
  return;
}
