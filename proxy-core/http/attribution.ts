// The origin of each client connection — the local process that opened it and its project —
// looked up once per connection, in the background: a request never waits for it; a finished
// exchange whose lookup is still running is recorded when it returns (the lookup's time is
// bounded, observe/origin/lookup.ts).

import type { Socket } from 'node:net';
import { UNKNOWN_ORIGIN, type Origin } from '../../shared/who.js';
import { isLoopbackHost } from '../config/config.js';
import type { OriginLookup } from '../observe/origin/lookup.js';

/** What attribution needs of an origin lookup (observe/origin/lookup.ts): one that never rejects. */
export type OriginFinder = Pick<OriginLookup, 'lookup'>;

/** One connection's origin: known, or being looked up (`waiters` run when it is known). */
export class ConnectionOrigin {
  origin: Origin | undefined;
  #waiters: (() => void)[] | undefined;

  constructor(origin?: Origin) {
    this.origin = origin;
  }

  /** Runs `then` once the origin is known (at once if it is). */
  whenKnown(then: () => void): void {
    if (this.origin !== undefined) then();
    else (this.#waiters ??= []).push(then);
  }

  settle(origin: Origin): void {
    this.origin = origin;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters !== undefined) for (const waiter of waiters) waiter();
  }
}

const KNOWN_UNKNOWN = new ConnectionOrigin(UNKNOWN_ORIGIN);

/** The origins of a listener's connections: each looked up on first use, then kept with it. */
export interface Origins {
  of(socket: Socket): ConnectionOrigin;
}

/**
 * Origins found with `lookup` for connections from this machine (loopback, or one of its `own`
 * addresses); null: attribution off (config `attribution.processes: false`). A connection from
 * another machine has no local process: its origin is unknown at once (its proxy user is the
 * request's, see ExchangeContext.user).
 */
export function createOrigins(lookup: OriginFinder | null, own: ReadonlySet<string>): Origins {
  const bySocket = new WeakMap<Socket, ConnectionOrigin>();
  return {
    of(socket) {
      const known = bySocket.get(socket);
      if (known !== undefined) return known;
      const { remoteAddress, remotePort, localAddress, localPort } = socket;
      if (
        lookup === null ||
        remoteAddress === undefined ||
        remotePort === undefined ||
        localAddress === undefined ||
        localPort === undefined ||
        !isLocal(remoteAddress, own)
      ) {
        bySocket.set(socket, KNOWN_UNKNOWN);
        return KNOWN_UNKNOWN;
      }
      const pending = new ConnectionOrigin();
      bySocket.set(socket, pending);
      void lookup
        .lookup({
          clientAddress: remoteAddress,
          clientPort: remotePort,
          proxyAddress: localAddress,
          proxyPort: localPort,
        })
        .then(
          (origin) => {
            pending.settle(origin);
          },
          () => {
            pending.settle(UNKNOWN_ORIGIN);
          },
        );
      return pending;
    },
  };
}

// Node writes an IPv4 peer of a dual-stack listener as `::ffff:a.b.c.d`.
function isLocal(address: string, own: ReadonlySet<string>): boolean {
  const lower = address.toLowerCase();
  const bare = lower.startsWith('::ffff:') ? lower.slice(7) : lower;
  return isLoopbackHost(bare) || own.has(bare);
}
