// Test servers: a fake upstream on 127.0.0.1 port 0 and a proxy in front of it, each closed by
// t.after as soon as it exists.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { DEFAULT_CONFIG, type Config } from '../../proxy-core/config/config.js';
import { createProxy, type Proxy } from '../../proxy-core/http/server.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Upstream {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
}

/** Starts an HTTP server on 127.0.0.1 port 0; closed when the test ends. */
export async function startUpstream(t: TestContext, handler: Handler): Promise<Upstream> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => closeServer(server));
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `http://127.0.0.1:${port}` };
}

/** Starts a proxy on 127.0.0.1 port 0 with `overrides` on the defaults; closed when the test ends. */
export async function startProxy(
  t: TestContext,
  overrides: Partial<Config> = {},
): Promise<{ proxy: Proxy; port: number; url: string }> {
  const proxy = await createProxy({ ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, ...overrides });
  t.after(() => proxy.close(0));
  const port = proxy.address().port;
  return { proxy, port, url: `http://127.0.0.1:${port}` };
}

/** Closes a server and every connection it still has. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  server.closeAllConnections();
  await closed;
}

/** Holds a port on 127.0.0.1 (a bare TCP listener) until the test ends; resolves with it. */
export async function occupyPort(t: TestContext): Promise<number> {
  const blocker = createNetServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.after(() => {
    blocker.close();
  });
  return (blocker.address() as AddressInfo).port;
}

/** A port on 127.0.0.1 that was just listened on and closed, so a dial there is refused. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}
