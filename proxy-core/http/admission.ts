// Admission: what every request passes before it is routed — the gate (gate.ts), proxy
// credentials on a listener beyond loopback, and for CONNECT the target's loop and address
// checks. A refused request is answered here and nothing is sent upstream.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { PROXY_AUTHENTICATE, type CredentialCheck } from './credentials.js';
import {
  forbiddenDestination,
  isForbiddenAddress,
  isSelf,
  type GuardedAgents,
} from './destinations.js';
import type { Exchange } from './exchange.js';
import { checkRequest, type GateContext } from './gate.js';
import { sendError, sendRawError } from './reply.js';
import type { Stats } from '../stats.js';
import { parseAuthority } from './tunnel.js';

/** What stays fixed while one listener lives (a new host or port means a new proxy). */
export interface Listener {
  /** Beyond loopback: credentials required, private destinations refused, CONNECT to 443. */
  readonly exposed: boolean;
  readonly gate: GateContext;
  /** Addresses that reach this machine, for loop detection. */
  readonly own: ReadonlySet<string>;
  /** `1.1 memex-<id>`, added to forward-mode requests so one that comes back is seen (508). */
  readonly via: string;
  /** Forward-mode agents whose dial refuses private addresses; null when not exposed. */
  readonly agents: GuardedAgents | null;
}

/**
 * The gate, then proxy credentials on an exposed listener; false when it answered the request
 * itself (nothing is sent upstream).
 */
export function admit(
  req: IncomingMessage,
  res: Exchange,
  credentials: CredentialCheck | null,
  listener: Listener,
  stats: Stats,
): boolean {
  const refusal = checkRequest(req, listener.gate);
  if (refusal !== null) {
    res.track(stats);
    sendError(res, refusal.code, refusal.message);
    return false;
  }
  if (credentials !== null && !credentials(req.headers['proxy-authorization'])) {
    res.track(stats);
    sendError(res, 'PROXY_AUTH_REQUIRED', AUTH_MESSAGE, {
      'proxy-authenticate': PROXY_AUTHENTICATE,
    });
    return false;
  }
  return true;
}

const AUTH_MESSAGE =
  'memex listens beyond loopback and needs proxy credentials: send Proxy-Authorization: Basic ' +
  '(e.g. HTTP_PROXY=http://user:password@host:port)';

/** The same checks for CONNECT, plus the target: not memex itself, not private when exposed. */
export function admitConnect(
  req: IncomingMessage,
  socket: Socket,
  credentials: CredentialCheck | null,
  listener: Listener,
  stats: Stats,
): boolean {
  const refuse = (
    code: Parameters<typeof sendRawError>[1],
    message: string,
    extra?: string,
  ): false => {
    socket.on('error', destroySocket);
    stats.tunnelFailed();
    sendRawError(socket, code, message, undefined, extra);
    return false;
  };
  const refusal = checkRequest(req, listener.gate);
  if (refusal !== null) return refuse(refusal.code, refusal.message);
  if (credentials !== null && !credentials(req.headers['proxy-authorization'])) {
    return refuse(
      'PROXY_AUTH_REQUIRED',
      AUTH_MESSAGE,
      `proxy-authenticate: ${PROXY_AUTHENTICATE}\r\n`,
    );
  }
  const target = parseAuthority(req.url ?? '');
  if (target === null) return true;
  if (isSelf(target.host, target.port, listener.gate.port, listener.own)) {
    return refuse('LOOP_DETECTED', LOOP_MESSAGE);
  }
  if (listener.exposed && isForbiddenAddress(target.host)) {
    const error = forbiddenDestination(target.host);
    return refuse(error.code, error.message);
  }
  return true;
}

export const LOOP_MESSAGE = 'the target is this memex itself; refusing to loop';

function destroySocket(this: Socket): void {
  this.destroy();
}
