// Fake upstreams for the adversarial suite: an HTTP server that counts every connection and
// request it sees (to prove nothing reached it), and a raw TCP server that misbehaves on purpose.

import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { readdir } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { closeServer } from './servers.js';

export interface CountingUpstream {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Bytes read so far, over all connections. */
  bytesRead(): number;
  /** Request heads parsed so far, as `METHOD path`. */
  readonly requests: string[];
}

/** An HTTP upstream on 127.0.0.1 port 0 that counts connections and requests, then runs `handler`. */
export async function startCountingUpstream(
  t: TestContext,
  handler: (req: IncomingMessage, res: ServerResponse) => void = answerOk,
): Promise<CountingUpstream> {
  const sockets: Socket[] = [];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    socket.on('error', ignore);
  });
  server.on('clientError', (_err, socket: Socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => closeServer(server));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => sockets.length,
    bytesRead: () => sockets.reduce((sum, socket) => sum + socket.bytesRead, 0),
    requests,
  };
}

function answerOk(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.end('ok');
}

/** Sends raw bytes; resolves with what was read until the server closed (or `ms` passed: then ''). */
export function sendRawBounded(port: number, bytes: string | Buffer, ms = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the proxy did not close the connection within ${ms} ms`));
    }, ms);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', ignore);
    socket.write(bytes);
  });
}

/** The status code of the first response in raw text (0 when none). */
export function statusOf(text: string): number {
  const match = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
  return match === null ? 0 : Number(match[1]);
}

/** Asserts a plain GET through the proxy's reverse route `name` reaches `upstream` and is 200. */
export async function assertServes(proxyPort: number, name: string): Promise<void> {
  const text = await sendRawBounded(
    proxyPort,
    `GET /${name}/v1/models HTTP/1.1\r\nHost: 127.0.0.1:${proxyPort}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(statusOf(text), 200, `the proxy no longer serves: ${text.slice(0, 200)}`);
}

/** Asserts the proxy on `proxyPort` answers its own health endpoint. */
export async function assertHealthy(proxyPort: number): Promise<void> {
  const text = await sendRawBounded(
    proxyPort,
    `GET /_memex/health HTTP/1.1\r\nHost: 127.0.0.1:${proxyPort}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(statusOf(text), 200, `the proxy is not healthy: ${text.slice(0, 200)}`);
}

/** Number of open file descriptors of a process (Linux /proc). */
/**
 * A config with process lookups off, for tests that compare a proxy's fds with a baseline taken
 * before its first connection (the lookups' thread starts with that connection).
 */
export const NO_LOOKUPS_CONFIG = fileURLToPath(
  new URL('../../../test/fixtures/configs/no-lookups.yml', import.meta.url),
);

export async function fdCount(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** Polls `read` (every 20 ms, up to `ms`) until it returns at most `limit`; resolves with it. */
export async function settlesTo(
  read: () => number | Promise<number>,
  limit: number,
  ms = 5_000,
): Promise<number> {
  const deadline = performance.now() + ms;
  let value = await read();
  while (value > limit && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

function ignore(): void {
  return;
}
