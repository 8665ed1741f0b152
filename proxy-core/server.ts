// The proxy: one http.Server that dispatches by request form — CONNECT to tunnel.ts, absolute-form
// and reverse routes to forward.ts, /_memex/* to memex's own endpoints.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import type { ServerOptions } from 'http-proxy-3';
import type { Config } from './config.js';
import { errnoOf } from './errors.js';
import { Exchange } from './exchange.js';
import { createForwarder, type Forwarder } from './forward.js';
import { removeHopByHop } from './headers.js';
import { sendError, sendJson, sendRawError } from './reply.js';
import { route } from './route.js';
import { createStats, type Stats } from './stats.js';
import { handleConnect, type TunnelPolicy } from './tunnel.js';

// While draining, how often connections that went idle are closed.
const DRAIN_SWEEP_MS = 50;

/** A running proxy. */
export interface Proxy {
  /** The address it listens on (the real port when 0 was asked for). */
  address(): { host: string; port: number };
  readonly stats: Stats;
  /** Applies new upstreams, timeouts and CONNECT ports to requests that start from now on. */
  update(config: Config): void;
  /**
   * Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts what is left
   * (tunnels included).
   */
  close(graceMs?: number): Promise<void>;
}

/** Why the proxy could not listen. */
export class ListenError extends Error {
  readonly code: 'PORT_IN_USE' | 'ADDRESS_UNAVAILABLE' | 'PERMISSION_DENIED' | 'LISTEN_FAILED';
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, cause: unknown) {
    const errno = errnoOf(cause);
    const code =
      errno === 'EADDRINUSE'
        ? 'PORT_IN_USE'
        : errno === 'EADDRNOTAVAIL' || errno === 'ENOTFOUND'
          ? 'ADDRESS_UNAVAILABLE'
          : errno === 'EACCES'
            ? 'PERMISSION_DENIED'
            : 'LISTEN_FAILED';
    const where = `${host}:${port}`;
    const messages = {
      PORT_IN_USE: `port ${port} on ${host} is already in use; pick another with --port (0 picks any free port)`,
      ADDRESS_UNAVAILABLE: `cannot listen on ${where}: ${host} is not an address of this machine`,
      PERMISSION_DENIED: `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`,
      LISTEN_FAILED: `cannot listen on ${where}: ${errno ?? String(cause)}`,
    } as const;
    super(messages[code], { cause });
    this.name = 'ListenError';
    this.code = code;
    this.host = host;
    this.port = port;
  }
}

// Routing state compiled from a Config once, so a request does no parsing of configuration.
interface Routing {
  readonly config: Config;
  readonly upstreamNames: ReadonlySet<string>;
  readonly upstreams: ReadonlyMap<
    string,
    { readonly host: string; readonly options: ServerOptions }
  >;
  readonly tunnels: TunnelPolicy;
}

function compile(config: Config, forwarder: Forwarder): Routing {
  const upstreams = new Map<string, { host: string; options: ServerOptions }>();
  for (const [name, url] of Object.entries(config.upstreams)) {
    const target = new URL(url);
    upstreams.set(name, { host: target.host, options: forwarder.optionsFor(target, true) });
  }
  return {
    config,
    upstreamNames: new Set(upstreams.keys()),
    upstreams,
    tunnels: {
      connectPorts: config.connect_ports === null ? null : new Set(config.connect_ports),
      timeouts: config.timeouts,
    },
  };
}

/** Starts a proxy listening on `config.host`:`config.port`; rejects with a ListenError. */
export async function createProxy(config: Config, stats: Stats = createStats()): Promise<Proxy> {
  const forwarder = createForwarder();
  let routing = compile(config, forwarder);
  const tunnels = new Set<Socket>();

  const server: Server<typeof IncomingMessage, typeof Exchange> = createServer({
    ServerResponse: Exchange,
    noDelay: true,
    // Long uploads are bounded by the stream idle timeout, not a total time limit.
    requestTimeout: 0,
  });
  server.setTimeout(config.timeouts.stream_idle_ms);

  server.on('request', (req: IncomingMessage, res: Exchange) => {
    dispatch(req, res, routing, forwarder, stats);
  });
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    handleConnect(req, socket, head, routing.tunnels, stats, tunnels);
  });
  server.on('clientError', onClientError);

  server.listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    forwarder.close();
    throw new ListenError(config.host, config.port, err);
  }
  server.on('error', ignore);

  return {
    address() {
      const address = server.address();
      if (address === null || typeof address === 'string') return { host: config.host, port: 0 };
      return { host: config.host, port: address.port };
    },
    stats,
    update(next) {
      routing = compile(next, forwarder);
      server.setTimeout(next.timeouts.stream_idle_ms);
    },
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeIdleConnections();
      for (const socket of tunnels) socket.destroy();
      // A keep-alive connection whose last response just finished would otherwise stay open
      // until the client's keep-alive timeout; Node has no "connection went idle" event to hook.
      const sweeper = setInterval(() => {
        server.closeIdleConnections();
      }, DRAIN_SWEEP_MS);
      const timer = setTimeout(() => {
        server.closeAllConnections();
      }, graceMs);
      await closed;
      clearInterval(sweeper);
      clearTimeout(timer);
      forwarder.close();
    },
  };
}

function dispatch(
  req: IncomingMessage,
  res: Exchange,
  routing: Routing,
  forwarder: Forwarder,
  stats: Stats,
): void {
  const url = req.url ?? '';
  const decision = route(url, routing.upstreamNames);
  switch (decision.kind) {
    case 'internal':
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendError(res, 'METHOD_NOT_ALLOWED', `${url} accepts GET only`);
        return;
      }
      sendJson(res, decision.endpoint === 'stats' ? stats.snapshot() : { status: 'ok' });
      return;
    case 'reject':
      res.track(stats);
      sendError(res, decision.code, decision.message);
      return;
    case 'reverse': {
      const upstream = routing.upstreams.get(decision.upstream);
      if (upstream === undefined) return;
      res.track(stats);
      res.schema = decision.schema;
      res.host = upstream.host;
      res.timeouts = routing.config.timeouts;
      removeHopByHop(req.headers);
      req.url = decision.path;
      forwarder.forward(req, res, upstream.options);
      return;
    }
    case 'forward': {
      res.track(stats);
      res.schema = decision.schema;
      const target = new URL(decision.origin);
      res.host = target.host;
      res.timeouts = routing.config.timeouts;
      removeHopByHop(req.headers);
      req.url = decision.path;
      // RFC 9112 §3.2.2: a proxy MUST replace Host with the absolute-form's authority. Clients
      // send the same value anyway; one that differs must not steer the upstream's virtual host.
      forwarder.forward(req, res, forwarder.optionsFor(target, true));
      return;
    }
  }
}

// A request Node could not parse: answer 400 (431 for oversized headers) in memex's error shape.
function onClientError(err: Error, socket: Socket): void {
  const errno = errnoOf(err);
  if (errno === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (errno === 'HPE_HEADER_OVERFLOW') {
    sendRawError(socket, 'BAD_REQUEST', 'request headers are too large', 431);
    return;
  }
  if (errno === 'ERR_HTTP_REQUEST_TIMEOUT') {
    sendRawError(socket, 'BAD_REQUEST', 'request headers were not received in time', 408);
    return;
  }
  sendRawError(socket, 'BAD_REQUEST', `malformed HTTP request (${errno ?? 'parse error'})`);
}

function ignore(): void {
  return;
}
