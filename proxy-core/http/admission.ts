// Admission: every refusal memex makes before it dials, as pure functions of the request and the
// listener's policy — the gate (gate.ts) and proxy credentials for every request, then what each
// mode adds: forward targets that loop or are private, CONNECT targets that loop, are private or
// use a port not allowed. The shell that calls them answers the refusal; nothing goes upstream.
// Credentials name the user a request is admitted as; only the first sight of a hashed user's
// credentials makes the verdict wait (credentials.ts).

import type { IncomingMessage } from 'node:http';
import type { ProxyErrorCode } from '../errors.js';
import { PROXY_AUTHENTICATE, type CredentialCheck } from './credentials.js';
import { forbiddenDestination, isForbiddenAddress, isSelf } from './destinations.js';
import { checkRequest, type GateContext } from './gate.js';
import type { Authority, Origin } from './route.js';

/** Why a request is refused, and any header the answer carries (the 407 challenge). */
export interface Refusal {
  readonly code: ProxyErrorCode;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What admission knows about the listener and its config; compiled once per config. */
export interface ListenerPolicy {
  /** Beyond loopback: credentials required, private destinations refused, CONNECT to 443. */
  readonly exposed: boolean;
  readonly gate: GateContext;
  /** Addresses that reach this machine, for loop detection. */
  readonly own: ReadonlySet<string>;
  /** Null when no credentials are asked (a loopback listener without auth). */
  readonly credentials: CredentialCheck | null;
  /** Ports a CONNECT may reach; null allows any. */
  readonly connectPorts: ReadonlySet<number> | null;
}

const AUTH_MESSAGE =
  'memex needs proxy credentials: send Proxy-Authorization: Basic ' +
  '(e.g. HTTPS_PROXY=http://user:password@host:port)';

const AUTH_REFUSAL: Refusal = {
  code: 'PROXY_AUTH_REQUIRED',
  message: AUTH_MESSAGE,
  headers: { 'proxy-authenticate': PROXY_AUTHENTICATE },
};

const LOOP_MESSAGE = 'the target is this memex itself; refusing to loop';

/** A request admitted without credentials (none asked): it has no user. */
export const NO_USER = '';

/** What admission says of a request: refused, or admitted as a user (NO_USER: none). */
export type Verdict = Refusal | string;

/**
 * The gate, then proxy credentials when they are asked: for every request, CONNECT too. A
 * promise only while credentials seen for the first time are verified.
 */
export function admitRequest(
  req: IncomingMessage,
  policy: ListenerPolicy,
): Verdict | Promise<Verdict> {
  const refusal = checkRequest(req, policy.gate);
  if (refusal !== null) return refusal;
  const credentials = policy.credentials;
  if (credentials === null) return NO_USER;
  const user = credentials(req.headers['proxy-authorization']);
  if (user === null) return AUTH_REFUSAL;
  if (typeof user === 'string') return user;
  return user.then(toVerdict);
}

function toVerdict(user: string | null): Verdict {
  return user ?? AUTH_REFUSAL;
}

/** A forward-mode target: not memex itself, not a private address when exposed. */
export function refuseForward(target: Origin, policy: ListenerPolicy): Refusal | null {
  return refuseDestination(target.hostname, target.port, policy);
}

/** A CONNECT target: as a forward target, and on an allowed port. */
export function refuseConnect(target: Authority, policy: ListenerPolicy): Refusal | null {
  const refusal = refuseDestination(target.host, target.port, policy);
  if (refusal !== null) return refusal;
  const ports = policy.connectPorts;
  if (ports !== null && !ports.has(target.port)) {
    return {
      code: 'CONNECT_PORT_FORBIDDEN',
      message:
        `CONNECT to port ${target.port} is not allowed; allowed ports: ` +
        `${[...ports].join(', ')} (--connect-ports / connect_ports)`,
    };
  }
  return null;
}

// A literal address is dialled without a lookup, so it is checked here; a name is checked on the
// address it resolves to, inside the guarded dial (destinations.ts).
function refuseDestination(host: string, port: number, policy: ListenerPolicy): Refusal | null {
  if (isSelf(host, port, policy.gate.port, policy.own)) {
    return { code: 'LOOP_DETECTED', message: LOOP_MESSAGE };
  }
  if (policy.exposed && isForbiddenAddress(host)) return forbiddenDestination(host);
  return null;
}
