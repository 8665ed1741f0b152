// Responses memex writes itself: JSON errors (tagged x-memex-error) and its own JSON endpoints,
// on an HTTP response or, for CONNECT and parse errors, straight onto a raw socket.

import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { toErrorBody, toStatus, type ProxyErrorCode } from '../errors.js';
import { destroySocket } from './sockets.js';

/**
 * Answers with a memex error, plus `extra` headers (Proxy-Authenticate). Once headers are out the
 * only honest failure is to cut the connection (never an error body inside a half-sent stream),
 * so then it destroys the response.
 */
export function sendError(
  res: ServerResponse,
  code: ProxyErrorCode,
  message: string,
  extra?: Readonly<Record<string, string>>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // After a malformed request the rest of the connection's bytes cannot be trusted to frame a
  // next request (RFC 9112 §11.2): answer, then close.
  if (code === 'BAD_REQUEST') res.shouldKeepAlive = false;
  const body = toErrorBody(code, message);
  res.writeHead(toStatus(code), {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-memex-error': code,
    ...extra,
  });
  res.end(body);
}

/** Answers 200 (or `status`) with a JSON value that memex itself produced. */
export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

// How long a raw error answer waits for the client to close before the socket is destroyed.
const LINGER_MS = 5_000;

/**
 * Writes a complete memex error response to a raw socket, then closes it, with `extra` headers
 * (Proxy-Authenticate).
 */
export function sendRawError(
  socket: Socket,
  code: ProxyErrorCode,
  message: string,
  status: number = toStatus(code),
  extra?: Readonly<Record<string, string>>,
): void {
  socket.on('error', destroySocket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // Node stops reading a socket it hands to 'connect', and a paused socket never sees the
  // client's FIN: half-open after end(), it would hold its descriptor for good (issue 6, found by
  // the fuzzer). Read and drop what else arrives, and bound the wait for the client to close.
  socket.resume();
  socket.setTimeout(LINGER_MS, destroySocket);
  const body = toErrorBody(code, message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-memex-error: ${code}\r\n` +
      headerLines(extra) +
      'connection: close\r\n\r\n' +
      body,
  );
}

function headerLines(headers: Readonly<Record<string, string>> | undefined): string {
  if (headers === undefined) return '';
  let lines = '';
  for (const [name, value] of Object.entries(headers)) lines += `${name}: ${value}\r\n`;
  return lines;
}
