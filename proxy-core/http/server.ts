// The proxy's listener: one http.Server (an https.Server with config tls, listener.ts) handing
// requests, WebSocket upgrades and CONNECTs to dispatch.ts, the config compiled into what a
// request is decided on (and recompiled on update), and shutdown that drains before it cuts.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { exposureProblem, isLoopbackHost, type Auth, type Config } from '../config/config.js';
import { ConfigError, ListenError } from '../errors.js';
import { createStats, type Stats } from '../stats.js';
import { createAgents, type Agents } from './agents.js';
import { createOrigins, type OriginFinder, type Origins } from './attribution.js';
import { createThreadedLookup } from '../observe/origin/threaded.js';
import type { History } from '../history/history.js';
import { readMaxConnections } from './capacity.js';
import { loadCertificate } from './certificate.js';
import { createCredentialCheck, type CredentialCheck } from './credentials.js';
import { guardedLookup, isSelf, ownAddresses } from './destinations.js';
import { handleConnect, handleRequest, handleUpgrade, type Routing } from './dispatch.js';
import type { Exchange } from './exchange.js';
import { createListening } from './listener.js';
import { createTokenCheck } from './metrics-endpoint.js';
import { toRouteTable } from './route.js';

// While draining, how often connections that went idle are closed.
const DRAIN_SWEEP_MS = 50;

/** A running proxy. */
export interface Proxy {
  /** The address it listens on (the real port when 0 was asked for). */
  address(): { host: string; port: number };
  readonly stats: Stats;
  /** True when it serves TLS (`https://`, config tls). */
  readonly tls: boolean;
  /**
   * Applies new upstreams, timeouts, credentials, CONNECT ports and TLS files (read again, also
   * when their paths are unchanged) to requests and connections that start from now on; rejects
   * with a ConfigError (and changes nothing) for a config that must not or cannot be served:
   * exposed without credentials, bad TLS files, TLS turned on or off (a new listener is needed).
   */
  update(config: Config): Promise<void>;
  /** Keeps exchanges that finish from now on in `history` (null: nowhere). */
  useHistory(history: History | null): void;
  /**
   * Stops accepting, cuts tunnels, lets requests in flight (and WebSockets) finish for up to
   * `graceMs`, then cuts what is left.
   */
  close(graceMs?: number): Promise<void>;
}

/** What a proxy is built with besides its config. */
export interface ProxyOptions {
  /** How client connections' processes are found; the platform's lookup by default. */
  readonly originLookup?: OriginFinder;
  /** Where finished exchanges and tunnels are kept; none by default. */
  readonly history?: History;
}

// What stays fixed while one listener lives (a new host or port means a new proxy).
interface Listener {
  readonly exposed: boolean;
  readonly port: number;
  readonly own: ReadonlySet<string>;
  readonly id: string;
  readonly upstreamAgents: Agents;
  readonly forwardAgents: Agents;
  // Both kept for the listener's life, so a reload that turns lookups off and on again keeps
  // the connections' origins and the lookup's caches.
  readonly originsOn: Origins;
  readonly originsOff: Origins;
}

/**
 * Starts a proxy listening on `config.host`:`config.port`. Rejects with a ListenError, or a
 * ConfigError for a listener beyond loopback without credentials (DESIGN.md, Security defaults).
 */
export async function createProxy(
  config: Config,
  stats: Stats = createStats(),
  options: ProxyOptions = {},
): Promise<Proxy> {
  checkServable(config);
  const certificate = config.tls === null ? null : await loadCertificate(config.tls);
  const exposed = !isLoopbackHost(config.host);
  const upstreamAgents = createAgents();
  const own = ownAddresses(config.host);
  const ownLookup = options.originLookup === undefined ? createThreadedLookup() : null;
  let listener: Listener = {
    exposed,
    port: config.port,
    own,
    id: randomBytes(6).toString('hex'),
    upstreamAgents,
    forwardAgents: exposed ? createAgents(guardedLookup) : upstreamAgents,
    originsOn: createOrigins(options.originLookup ?? ownLookup, own),
    originsOff: createOrigins(null, own),
  };
  stats.setPricing(config.pricing);
  let history: History | null = options.history ?? null;
  let current = config;
  // Kept while auth stays the same: a reload must not forget the credentials already verified
  // (each took a scrypt verify to learn).
  let checked: { auth: Auth | null; check: CredentialCheck | null } = { auth: null, check: null };
  const credentialsFor = (auth: Auth | null): CredentialCheck | null => {
    if (!isDeepStrictEqual(auth, checked.auth)) {
      checked = { auth, check: auth === null ? null : createCredentialCheck(auth) };
    }
    return checked.check;
  };
  const build = (next: Config): Routing =>
    compile(next, listener, history, credentialsFor(next.auth));
  let routing = build(config);
  // Both sockets of each live tunnel (tunnel.ts).
  const tunnels = new Set<Socket>();
  const websockets = new Set<Socket>();
  const destroyAgents = (): void => {
    listener.upstreamAgents.destroy();
    listener.forwardAgents.destroy();
    ownLookup?.close();
  };

  // The origin lookup starts as the connection is accepted, not when its first request is read:
  // a short-lived client is still there when the scan looks for it.
  const { server, secure } = createListening(config.timeouts, certificate, (socket) => {
    routing.origins.of(socket);
  });
  server.setTimeout(config.timeouts.stream_idle_ms);
  // Refuse new connections (Node closes them at once) before descriptors run out for all.
  const maxConnections = readMaxConnections();
  if (maxConnections !== null) server.maxConnections = maxConnections;

  server.on('request', (req: IncomingMessage, res: Exchange) => {
    handleRequest(req, res, routing, stats);
  });
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    handleConnect(req, socket, head, routing, stats, tunnels);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    handleUpgrade(req, socket, head, routing, stats, websockets);
  });

  server.listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    destroyAgents();
    throw new ListenError(config.host, config.port, err);
  }
  server.on('error', ignore);
  const bound = server.address();
  // Port 0 became a real port: loops and the Host check are about that one.
  if (bound !== null && typeof bound !== 'string' && bound.port !== listener.port) {
    listener = { ...listener, port: bound.port };
    routing = build(config);
  }

  return {
    address() {
      return { host: config.host, port: listener.port };
    },
    stats,
    tls: secure !== null,
    async update(next) {
      checkServable(next);
      if ((next.tls === null) !== (secure === null)) {
        throw new ConfigError('CONFIG_INVALID', '', [
          {
            keyPath: 'tls',
            message:
              `turning TLS ${secure === null ? 'on' : 'off'} needs a restart of the proxy; ` +
              `it keeps serving ${secure === null ? 'plain HTTP' : 'TLS'} until then`,
          },
        ]);
      }
      const renewed = next.tls === null ? null : await loadCertificate(next.tls);
      if (secure !== null && renewed !== null) secure.setSecureContext(renewed);
      routing = build(next);
      current = next;
      stats.setPricing(next.pricing);
      server.setTimeout(next.timeouts.stream_idle_ms);
      server.headersTimeout = next.timeouts.header_ms;
    },
    useHistory(next) {
      history = next;
      routing = build(current);
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
      // WebSockets are long-lived by design: they get the grace, then end with the rest.
      const timer = setTimeout(() => {
        server.closeAllConnections();
        for (const socket of websockets) socket.destroy();
      }, graceMs);
      await closed;
      // A tunnel is recorded as its upstream socket closes, which can come after the listener's
      // last connection: wait for it, so history (closed after this) keeps the tunnel too. A
      // socket leaves the set in a 'close' listener that runs beside the one that records the
      // tunnel, so what is still in it has not been recorded; `socket.closed` would not do: it
      // turns true at destroy(), a loop turn before 'close'.
      const unrecorded = [...tunnels];
      for (const socket of unrecorded) socket.destroy();
      await Promise.all(unrecorded.map((socket) => once(socket, 'close')));
      clearInterval(sweeper);
      clearTimeout(timer);
      destroyAgents();
    },
  };
}

// The one place exposure is checked: every config a proxy starts or updates with passes here.
function checkServable(config: Config): void {
  const problem = exposureProblem(config);
  if (problem !== null) {
    throw new ConfigError('CONFIG_INVALID', '', [{ keyPath: '', message: problem }]);
  }
}

// Compiled from a Config once, so a request does no parsing of configuration.
function compile(
  config: Config,
  listener: Listener,
  history: History | null,
  credentials: CredentialCheck | null,
): Routing {
  const { exposed, port, own } = listener;
  // Exposed: CONNECT reaches 443 only unless connect_ports says otherwise, and dials through the
  // guarded lookup. Credentials are asked whenever auth is set (a loopback listener behind an
  // SSH tunnel or a TLS front end serves other machines too). checkServable refuses an exposed
  // config without auth; should one slip through, nothing is let in.
  const connectPorts =
    config.connect_ports !== null ? new Set(config.connect_ports) : exposed ? new Set([443]) : null;
  return {
    table: toRouteTable(config.upstreams, (origin) =>
      isSelf(origin.hostname, origin.port, port, own),
    ),
    policy: {
      exposed,
      gate: { port, loopback: !exposed, listenHost: config.host, viaToken: `memex-${listener.id}` },
      own,
      credentials: credentials ?? (exposed ? denyAll : null),
      connectPorts,
    },
    timeouts: config.timeouts,
    dial: exposed
      ? { timeouts: config.timeouts, lookup: guardedLookup }
      : { timeouts: config.timeouts },
    upstreamAgents: listener.upstreamAgents,
    forwardAgents: listener.forwardAgents,
    via: `1.1 memex-${listener.id}`,
    origins: config.attribution.processes ? listener.originsOn : listener.originsOff,
    history,
    // Captures live in history: without it there is nowhere to keep one.
    inspector:
      history !== null && config.inspector.enabled
        ? { maxBodyBytes: config.inspector.max_body_kb * 1024 }
        : null,
    metricsToken: config.metrics.token === null ? null : createTokenCheck(config.metrics.token),
  };
}

function denyAll(): null {
  return null;
}

function ignore(): void {
  return;
}
