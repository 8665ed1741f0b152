// Small HTTP client helpers for tests: a request that resolves with status, headers and the
// whole body, and a raw-socket exchange for framing edge cases (after mockttp's sendRawRequest).

import { request, type IncomingHttpHeaders } from 'node:http';
import { request as requestTls, type RequestOptions } from 'node:https';
import { connect } from 'node:net';

export interface Received {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
}

/**
 * Sends one request (a fresh connection, no agent) and reads the whole response; an https:// URL
 * goes over TLS (`options.ca` names the CA to trust).
 */
export function send(
  url: string,
  options: RequestOptions = {},
  body?: string | Buffer,
): Promise<Received> {
  return new Promise((resolve, reject) => {
    const make = url.startsWith('https:') ? requestTls : request;
    const req = make(url, { agent: false, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes raw bytes to host:port and resolves with everything read until the server closes. */
export function sendRaw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

/** Parses a JSON body as memex's error shape. */
export function errorOf(body: Buffer): { type: string; code: string; message: string } {
  const parsed = JSON.parse(body.toString('utf8')) as {
    error: { type: string; code: string; message: string };
  };
  return parsed.error;
}

/** A Basic credential for `user`:`password`, as Proxy-Authorization carries it. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
