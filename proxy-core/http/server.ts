// The proxy: one http.Server that dispatches by request form — CONNECT to tunnel.ts, absolute-form
// and reverse routes to forward.ts, /_memex/* to memex's own endpoints — after the gate (gate.ts)
// and, on a listener beyond loopback, proxy credentials and a destination check.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { exposureProblem, isLoopbackHost, type Config } from '../config/config.js';
import { admit, admitConnect, LOOP_MESSAGE, type Listener } from './admission.js';
import { createCredentialCheck, type CredentialCheck } from './credentials.js';
import {
  createGuardedAgents,
  forbiddenDestination,
  guardedLookup,
  isForbiddenAddress,
  isSelf,
  ownAddresses,
} from './destinations.js';
import { errnoOf } from '../errors.js';
import { Exchange } from './exchange.js';
import { createForwarder, type Forwarder, type UpstreamTarget } from './relay.js';
import { removeForwardingHeaders, removeHopByHop } from './headers.js';
import { sendError, sendJson, sendRawError } from './reply.js';
import { route } from './route.js';
import { readMaxConnections } from './capacity.js';
import { createStats, type Stats } from '../stats.js';
import { handleConnect, type TunnelPolicy } from './tunnel.js';

// While draining, how often connections that went idle are closed.
const DRAIN_SWEEP_MS = 50;
// Idle pooled sockets of the guarded agents close after this, as forward.ts's do.
const FREE_SOCKET_TIMEOUT_MS = 4_000;

// How often Node looks for connections past their head timeout.
const HEAD_CHECK_MS = 1_000;
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
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly tunnels: TunnelPolicy;
  /** Null on a loopback listener: no credentials asked. */
  readonly credentials: CredentialCheck | null;
}

interface Upstream {
  readonly host: string;
  readonly hostname: string;
  readonly port: number;
  readonly target: UpstreamTarget;
}

function compile(config: Config, forwarder: Forwarder): Routing {
  const exposed = !isLoopbackHost(config.host);
  const upstreams = new Map<string, Upstream>();
  for (const [name, url] of Object.entries(config.upstreams)) {
    const target = new URL(url);
    upstreams.set(name, {
      host: target.host,
      hostname: target.hostname,
      port: Number(target.port) || (target.protocol === 'https:' ? 443 : 80),
      target: forwarder.targetFor(target),
    });
  }
  // Exposed: CONNECT reaches 443 only unless connect_ports says otherwise, and dials through the
  // guarded lookup. An exposed config without auth is refused before it gets here; should one
  // slip through, nothing is let in.
  const connectPorts =
    config.connect_ports !== null ? new Set(config.connect_ports) : exposed ? new Set([443]) : null;
  return {
    config,
    upstreamNames: new Set(upstreams.keys()),
    upstreams,
    tunnels: exposed
      ? { connectPorts, timeouts: config.timeouts, lookup: guardedLookup }
      : { connectPorts, timeouts: config.timeouts },
    credentials: !exposed
      ? null
      : config.auth === null
        ? denyAll
        : createCredentialCheck(config.auth),
  };
}

function denyAll(): boolean {
  return false;
}

/** Starts a proxy listening on `config.host`:`config.port`; rejects with a ListenError. */
export async function createProxy(config: Config, stats: Stats = createStats()): Promise<Proxy> {
  const problem = exposureProblem(config);
  if (problem !== null) throw new Error(problem);
  const forwarder = createForwarder();
  let routing = compile(config, forwarder);
  const tunnels = new Set<Socket>();
  const exposed = !isLoopbackHost(config.host);
  const id = randomBytes(6).toString('hex');
  let listener: Listener = {
    exposed,
    gate: {
      port: config.port,
      loopback: !exposed,
      listenHost: config.host,
      viaToken: `memex-${id}`,
    },
    own: ownAddresses(config.host),
    via: `1.1 memex-${id}`,
    agents: exposed ? createGuardedAgents(FREE_SOCKET_TIMEOUT_MS) : null,
  };

  const server: Server<typeof IncomingMessage, typeof Exchange> = createServer({
    ServerResponse: Exchange,
    noDelay: true,
    // Long uploads are bounded by the stream idle timeout, not a total time limit.
    requestTimeout: 0,
    headersTimeout: config.timeouts.header_ms,
    // Node checks the head timeout only this often (default 30 s): keep it close to the limit.
    connectionsCheckingInterval: HEAD_CHECK_MS,
    // The gate answers a missing Host itself, in memex's error shape, and only for origin-form.
    requireHostHeader: false,
  });
  server.setTimeout(config.timeouts.stream_idle_ms);
  // Refuse new connections (Node closes them at once) before descriptors run out for all.
  const maxConnections = readMaxConnections();
  if (maxConnections !== null) server.maxConnections = maxConnections;

  server.on('request', (req: IncomingMessage, res: Exchange) => {
    if (admit(req, res, routing.credentials, listener, stats)) {
      dispatch(req, res, routing, listener, forwarder, stats);
    }
  });
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (admitConnect(req, socket, routing.credentials, listener, stats)) {
      handleConnect(req, socket, head, routing.tunnels, stats, tunnels);
    }
  });
  server.on('clientError', onClientError);

  server.listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    forwarder.close();
    listener.agents?.destroy();
    throw new ListenError(config.host, config.port, err);
  }
  server.on('error', ignore);
  const bound = server.address();
  if (bound !== null && typeof bound !== 'string') {
    listener = { ...listener, gate: { ...listener.gate, port: bound.port } };
  }

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
      server.headersTimeout = next.timeouts.header_ms;
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
      listener.agents?.destroy();
    },
  };
}

function dispatch(
  req: IncomingMessage,
  res: Exchange,
  routing: Routing,
  listener: Listener,
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
      if (isSelf(upstream.hostname, upstream.port, listener.gate.port, listener.own)) {
        sendError(res, 'LOOP_DETECTED', `upstream ${decision.upstream} is this memex itself`);
        return;
      }
      res.schema = decision.schema;
      res.host = upstream.host;
      res.timeouts = routing.config.timeouts;
      removeHopByHop(req.headers);
      removeForwardingHeaders(req.headers);
      req.url = decision.path;
      forwarder.forward(req, res, upstream.target);
      return;
    }
    case 'forward': {
      res.track(stats);
      res.schema = decision.schema;
      const target = new URL(decision.origin);
      res.host = target.host;
      res.timeouts = routing.config.timeouts;
      const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
      if (isSelf(target.hostname, port, listener.gate.port, listener.own)) {
        sendError(res, 'LOOP_DETECTED', LOOP_MESSAGE);
        return;
      }
      // A literal address is dialled without a lookup, so it is checked here; a name is checked
      // on the address it resolves to, inside the guarded agents' dial.
      if (listener.exposed && isForbiddenAddress(target.hostname)) {
        const error = forbiddenDestination(target.hostname);
        sendError(res, error.code, error.message);
        return;
      }
      removeHopByHop(req.headers);
      // RFC 9110 §7.6.3: a proxy appends its Via entry; memex's own token coming back is a loop.
      const via = req.headers.via;
      req.headers.via = via === undefined ? listener.via : `${via}, ${listener.via}`;
      req.url = decision.path;
      // RFC 9112 §3.2.2: a proxy MUST replace Host with the absolute-form's authority. Clients
      // send the same value anyway; one that differs must not steer the upstream's virtual host.
      const agents = listener.agents;
      forwarder.forward(
        req,
        res,
        agents === null ? forwarder.targetFor(target) : forwarder.targetFor(target, agents),
      );
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
