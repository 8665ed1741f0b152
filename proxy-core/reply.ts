// Responses memex writes itself: JSON errors (tagged x-memex-error) and its own JSON endpoints,
// on an HTTP response or, for CONNECT and parse errors, straight onto a raw socket.

import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { toErrorBody, toStatus, type ProxyErrorCode } from './errors.js';

/**
 * Answers with a memex error. Once headers are out the only honest failure is to cut the
 * connection (never an error body inside a half-sent stream), so then it destroys the response.
 */
export function sendError(res: ServerResponse, code: ProxyErrorCode, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = toErrorBody(code, message);
  res.writeHead(toStatus(code), {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-memex-error': code,
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

/** Writes a complete memex error response to a raw socket, then closes it. */
export function sendRawError(
  socket: Socket,
  code: ProxyErrorCode,
  message: string,
  status: number = toStatus(code),
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = toErrorBody(code, message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-memex-error: ${code}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};
