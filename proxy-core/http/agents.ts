// The pooled upstream connections: one keep-alive agent pair (plain and TLS) per kind of
// destination — the ordinary one, and on an exposed listener one whose dial refuses private
// addresses (destinations.ts).

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';

// Pooled upstream sockets idle longer than this are closed: vendors drop idle keep-alive
// connections after a few seconds, and reusing one they are closing would fail the request.
const FREE_SOCKET_TIMEOUT_MS = 4_000;

/** Agents for one kind of destination; `destroy()` closes their pooled sockets. */
export interface Agents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  destroy(): void;
}

/** Keep-alive agents; with `lookup`, every dial resolves its name through it. */
export function createAgents(lookup?: LookupFunction): Agents {
  // noDelay: Nagle would hold back small SSE writes waiting for an ACK.
  const options = {
    keepAlive: true,
    timeout: FREE_SOCKET_TIMEOUT_MS,
    noDelay: true,
    ...(lookup === undefined ? {} : { lookup }),
  };
  const http = new HttpAgent(options);
  const https = new HttpsAgent(options);
  return {
    http,
    https,
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}
