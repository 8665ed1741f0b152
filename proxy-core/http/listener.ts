// The server memex listens with: an http.Server, or an https.Server with config tls — the same
// requests, upgrades and CONNECTs, on TLS sockets — made with the options every request relies on,
// and requests Node could not parse answered in memex's error shape.

import { createServer, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Timeouts } from '../config/config.js';
import { errnoOf } from '../errors.js';
import type { Certificate } from './certificate.js';
import { Exchange } from './exchange.js';
import { sendRawError } from './reply.js';
import { isWebSocketUpgrade } from './upgrade.js';

// How often Node looks for connections past their head timeout.
const HEAD_CHECK_MS = 1_000;

/** The server, and the same object as a TLS server when it is one (for its certificate). */
export interface Listening {
  readonly server:
    | Server<typeof IncomingMessage, typeof Exchange>
    | TlsServer<typeof IncomingMessage, typeof Exchange>;
  readonly secure: TlsServer<typeof IncomingMessage, typeof Exchange> | null;
}

/**
 * Makes the server (not yet listening): TLS with `certificate`, plain HTTP without. `onSocket`
 * hears each client connection as requests will arrive on it (with TLS, once the handshake is
 * done), so its origin lookup can start before the first request is read.
 */
export function createListening(
  timeouts: Timeouts,
  certificate: Certificate | null,
  onSocket: (socket: Socket) => void,
): Listening {
  const options: ServerOptions<typeof IncomingMessage, typeof Exchange> = {
    ServerResponse: Exchange,
    noDelay: true,
    // Long uploads are bounded by the stream idle timeout, not a total time limit.
    requestTimeout: 0,
    headersTimeout: timeouts.header_ms,
    // Node checks the head timeout only this often (default 30 s): keep it close to the limit.
    connectionsCheckingInterval: HEAD_CHECK_MS,
    // The gate answers a missing Host itself, in memex's error shape, and only for origin-form.
    requireHostHeader: false,
    // Only WebSocket handshakes leave HTTP; any other Upgrade (h2c) is a request like others,
    // its Upgrade header dropped as hop-by-hop. (Node < 24.9 ignores this and sends every
    // Upgrade to 'upgrade', where it is relayed the same way.)
    shouldUpgradeCallback: isWebSocketUpgrade,
  };
  if (certificate === null) {
    const server = createServer(options);
    server.on('connection', onSocket);
    server.on('clientError', onClientError);
    return { server, secure: null };
  }
  const secure = createTlsServer({
    ...options,
    ...certificate,
    // A handshake is bounded like a head. Read once, when the server is made: a reload that
    // changes header_ms leaves the handshake's bound as it was.
    handshakeTimeout: timeouts.header_ms,
  });
  secure.on('secureConnection', onSocket);
  // A client that does not trust the certificate, or speaks plain HTTP to the TLS port.
  secure.on('tlsClientError', (_err: Error, socket: Socket) => {
    socket.destroy();
  });
  secure.on('clientError', onClientError);
  return { server: secure, secure };
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
