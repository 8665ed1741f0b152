// The one builder of the request memex sends upstream, from the client's request and its route:
// hop-by-hop headers removed (RFC 9110 §7.6.1), Host set to the target (RFC 9112 §3.2.2), and per
// mode — reverse: what the client says about earlier hops dropped; forward: memex's Via appended
// (RFC 9110 §7.6.3); for a WebSocket handshake, Upgrade and Connection kept (RFC 6455 §4.1). It reuses the client's parsed header object instead of copying it (the hot
// path allocates what it must, no more): the request is the proxy's to rewrite once routed.

import type { IncomingMessage, OutgoingHttpHeaders, RequestOptions } from 'node:http';
import type { Agents } from './agents.js';
import { removeForwardingHeaders, removeHopByHop } from './headers.js';
import type { Route } from './route.js';

/** A request ready to send: which client (`secure`: node:https) and its options. */
export interface Outgoing {
  readonly secure: boolean;
  readonly options: RequestOptions;
}

/**
 * The upstream request for a reverse- or forward-mode route; `via` is memex's Via entry. For a
 * WebSocket handshake (`upgrade`) Upgrade and Connection stay: they are the handshake.
 */
export function toOutgoing(
  req: IncomingMessage,
  decision: Extract<Route, { kind: 'reverse' | 'forward' }>,
  agents: Agents,
  via: string,
  upgrade = false,
): Outgoing {
  const headers: OutgoingHttpHeaders = req.headers;
  const { connection, upgrade: protocol } = req.headers;
  removeHopByHop(req.headers);
  if (upgrade) {
    headers.connection = connection;
    headers.upgrade = protocol;
  }
  let path = decision.path;
  const target = decision.kind === 'reverse' ? decision.upstream : decision.target;
  if (decision.kind === 'reverse') {
    removeForwardingHeaders(req.headers);
    path = decision.upstream.basePath + path;
  } else {
    // memex's own token coming back is a loop (gate.ts).
    const previous = req.headers.via;
    headers.via = previous === undefined ? via : `${previous}, ${via}`;
  }
  // Clients send the target's host anyway; one that differs must not steer the upstream's
  // virtual host.
  headers.host = target.host;
  return {
    secure: target.secure,
    options: {
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path,
      headers,
      agent: target.secure ? agents.https : agents.http,
    },
  };
}
