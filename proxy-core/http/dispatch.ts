// One request's way through memex, top to bottom (DESIGN.md, "proxy-core: one request path"):
// route (pure), admit (pure), record the context once, then answer, relay or tunnel.
//
//   request ─▶ route() ─▶ admitRequest() ─▶ internal endpoint (/_memex/*)
//                              │  (waits only while new credentials are verified)
//                              ▼ res.track(context, with the admitted user), once
//                         refusal? ─▶ JSON error (gate, credentials, route, forward target)
//                              │
//                              ▼
//                    toOutgoing() ─▶ relay()           (reverse and forward mode)
//
//   Upgrade: websocket ─▶ the same route and admission ─▶ toOutgoing(upgrade) ─▶ relayUpgrade()
//
//   CONNECT ─▶ routeConnect() ─▶ admitRequest(), refuseConnect() ─▶ openTunnel(user)

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Timeouts } from '../config/config.js';
import type { Stats } from '../stats.js';
import {
  admitRequest,
  NO_USER,
  refuseConnect,
  refuseForward,
  type ListenerPolicy,
  type Refusal,
  type Verdict,
} from './admission.js';
import type { Agents } from './agents.js';
import type { Origins } from './attribution.js';
import type { History } from '../history/history.js';
import { serveHistory } from './history-endpoint.js';
import type { InspectorSetting } from '../observe/inspect.js';
import { serveMetrics, type TokenCheck } from './metrics-endpoint.js';
import { checkRequest } from './gate.js';
import { clientOf } from '../observe/client.js';
import { refusedContext, type Exchange, type ExchangeContext } from './exchange.js';
import { toOutgoing } from './outgoing.js';
import { relay } from './relay.js';
import { relayUpgrade, upgradeExchange } from './upgrade.js';
import { sendError, sendJson, sendRawError } from './reply.js';
import { route, routeConnect, type Route, type RouteTable } from './route.js';
import { openTunnel, type TunnelDial } from './tunnel.js';

/** Everything a request is decided on; compiled once per config (server.ts). */
export interface Routing {
  readonly table: RouteTable;
  readonly policy: ListenerPolicy;
  readonly timeouts: Timeouts;
  readonly dial: TunnelDial;
  /** Pooled agents for configured upstreams. */
  readonly upstreamAgents: Agents;
  /** Agents for forward-mode targets (guarded on an exposed listener). */
  readonly forwardAgents: Agents;
  /** `1.1 memex-<id>`, appended to forward-mode requests so one that comes back is seen. */
  readonly via: string;
  /** Where each client connection came from (the local process and project). */
  readonly origins: Origins;
  /** Where finished exchanges and tunnels are kept, and /_memex/history reads; null: none. */
  readonly history: History | null;
  /** What the request inspector keeps with history, or null (inspector or history off). */
  readonly inspector: InspectorSetting | null;
  /** The bearer token /_memex/metrics asks for instead of proxy credentials; null: none. */
  readonly metricsToken: TokenCheck | null;
}

/** Handles one HTTP request (everything but CONNECT). */
export function handleRequest(
  req: IncomingMessage,
  res: Exchange,
  routing: Routing,
  stats: Stats,
): void {
  const decision = route(req.url ?? '', routing.table);
  // With metrics.token set, the token is /_memex/metrics's one key (checked there) and stands in
  // for proxy credentials, so a scraper on another host needs none; the gate applies as always.
  const verdict =
    decision.kind === 'internal' && decision.endpoint === 'metrics' && routing.metricsToken !== null
      ? (checkRequest(req, routing.policy.gate) ?? NO_USER)
      : admitRequest(req, routing.policy);
  whenSettled(verdict, req.socket, (settled) => {
    answerRequest(req, res, decision, settled, routing, stats);
  });
}

// A verdict is known at once but for a credential's first scrypt verify; once it is, it is
// answered unless the client has gone meanwhile.
function whenSettled(
  verdict: Verdict | Promise<Verdict>,
  socket: Socket,
  answer: (verdict: Verdict) => void,
): void {
  if (!(verdict instanceof Promise)) {
    answer(verdict);
    return;
  }
  void verdict.then((settled) => {
    if (!socket.destroyed) answer(settled);
  });
}

function answerRequest(
  req: IncomingMessage,
  res: Exchange,
  decision: Route,
  verdict: Verdict,
  routing: Routing,
  stats: Stats,
): void {
  if (typeof verdict === 'string' && decision.kind === 'internal') {
    serveInternal(req, res, decision, stats, routing);
    return;
  }
  const admitted = admit(res, decision, verdict, routing, stats);
  if (admitted === undefined) return;
  relay(req, res, toOutgoing(req, admitted, agentsFor(admitted, routing), routing.via));
}

/**
 * Handles a WebSocket handshake (server.ts routes only `Upgrade: websocket` here): routed and
 * admitted as a request, then relayed as an upgrade. `open` tracks live WebSockets.
 */
export function handleUpgrade(
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  routing: Routing,
  stats: Stats,
  open: Set<Socket>,
): void {
  const res = upgradeExchange(req, socket);
  if (res === undefined) return;
  whenSettled(admitRequest(req, routing.policy), socket, (verdict) => {
    answerUpgrade(req, res, head, verdict, routing, stats, open);
  });
}

function answerUpgrade(
  req: IncomingMessage,
  res: Exchange,
  head: Buffer,
  verdict: Verdict,
  routing: Routing,
  stats: Stats,
  open: Set<Socket>,
): void {
  const decision = route(req.url ?? '', routing.table);
  const admitted = admit(res, decision, verdict, routing, stats);
  if (admitted === undefined) return;
  relayUpgrade(
    req,
    res,
    head,
    toOutgoing(req, admitted, agentsFor(admitted, routing), routing.via, true),
    { stats, idleMs: routing.timeouts.websocket_idle_ms, open },
  );
}

type Relayed = Extract<Route, { kind: 'reverse' | 'forward' }>;

/** Records the context once and answers any refusal; returns the route to relay, if any. */
function admit(
  res: Exchange,
  decision: Route,
  verdict: Verdict,
  routing: Routing,
  stats: Stats,
): Relayed | undefined {
  const user = typeof verdict === 'string' ? verdict : null;
  res.track(
    stats,
    user === null ? refusedContext(decision.pathname) : contextOf(decision, routing, user),
    routing.origins.of(res.req.socket),
  );
  const refusal = typeof verdict === 'string' ? refuseRouted(decision, routing.policy) : verdict;
  if (refusal !== null) {
    sendError(res, refusal.code, refusal.message, refusal.headers);
    return undefined;
  }
  return decision.kind === 'reverse' || decision.kind === 'forward' ? decision : undefined;
}

function agentsFor(decision: Relayed, routing: Routing): Agents {
  return decision.kind === 'reverse' ? routing.upstreamAgents : routing.forwardAgents;
}

/** Handles one CONNECT; `open` tracks live tunnels so shutdown can end them. */
export function handleConnect(
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  routing: Routing,
  stats: Stats,
  open: Set<Socket>,
): void {
  whenSettled(admitRequest(req, routing.policy), socket, (verdict) => {
    answerConnect(req, socket, head, verdict, routing, stats, open);
  });
}

function answerConnect(
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  verdict: Verdict,
  routing: Routing,
  stats: Stats,
  open: Set<Socket>,
): void {
  const decision = routeConnect(req.url ?? '');
  const refusal: Refusal | null =
    typeof verdict !== 'string'
      ? verdict
      : decision.kind === 'reject'
        ? decision
        : refuseConnect(decision.target, routing.policy);
  if (refusal !== null) {
    stats.tunnelFailed();
    sendRawError(socket, refusal.code, refusal.message, undefined, refusal.headers);
    return;
  }
  if (typeof verdict === 'string' && decision.kind === 'tunnel') {
    openTunnel(socket, head, decision.target, routing.dial, stats, open, {
      client: clientOf(req.headers),
      origin: routing.origins.of(socket),
      user: toUser(verdict),
      history: routing.history,
    });
  }
}

function serveInternal(
  req: IncomingMessage,
  res: Exchange,
  { endpoint, pathname, query }: Extract<Route, { kind: 'internal' }>,
  stats: Stats,
  { history, metricsToken }: Routing,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 'METHOD_NOT_ALLOWED', `${pathname} accepts GET only`);
    return;
  }
  switch (endpoint) {
    case 'stats':
      sendJson(res, stats.snapshot());
      return;
    case 'health':
      sendJson(res, { status: 'ok' });
      return;
    case 'history':
      void serveHistory(res, query, history);
      return;
    case 'metrics':
      void serveMetrics(res, req.headers, stats, metricsToken);
      return;
  }
}

function contextOf(
  decision: Route,
  { timeouts, history, inspector }: Routing,
  admitted: string,
): ExchangeContext {
  const user = toUser(admitted);
  switch (decision.kind) {
    case 'reverse':
      return {
        schema: decision.schema,
        host: decision.upstream.host,
        path: decision.pathname,
        timeouts,
        user,
        history,
        inspector,
      };
    case 'forward':
      return {
        schema: decision.schema,
        host: decision.target.host,
        path: decision.pathname,
        timeouts,
        user,
        history,
        inspector,
      };
    case 'internal':
    case 'reject':
      return refusedContext(decision.pathname);
  }
}

function toUser(admitted: string): string | null {
  return admitted === NO_USER ? null : admitted;
}

/**
 * What the route itself refuses: a reject, a forward target that loops or is private, and (only
 * an upgrade gets here with one) memex's own endpoints, which speak no WebSocket.
 */
function refuseRouted(decision: Route, policy: ListenerPolicy): Refusal | null {
  switch (decision.kind) {
    case 'reject':
      return decision;
    case 'forward':
      return refuseForward(decision.target, policy);
    case 'internal':
      return INTERNAL_UPGRADE;
    case 'reverse':
      return null;
  }
}

const INTERNAL_UPGRADE: Refusal = {
  code: 'BAD_REQUEST',
  message: "memex's own endpoints (/_memex/*) do not take WebSocket upgrades",
};
