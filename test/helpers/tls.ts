// TLS for tests: a throwaway identity (a self-signed certificate for localhost and 127.0.0.1, made
// with the openssl CLI in a temporary directory removed when the test ends), an HTTPS server on
// it, a request that trusts it, and the fingerprint of the certificate a listener serves.

import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { send, type Received } from './client.js';
import { withGuard } from './process-spawn.js';
import { closeServer, type Upstream } from './servers.js';

const run = promisify(execFile);

export interface Certificate {
  /** PEM private key. */
  readonly key: Buffer;
  /** PEM certificate; also the CA a client must trust. */
  readonly cert: Buffer;
  /** Path of the certificate file, for clients that take a file (curl --cacert). */
  readonly certFile: string;
  /** Path of the key file (config tls.key). */
  readonly keyFile: string;
  /** SHA-256 fingerprint, as X509Certificate.fingerprint256 writes it. */
  readonly fingerprint: string;
}

/** Generates a one-day self-signed certificate (CN=localhost, SAN localhost and 127.0.0.1). */
export async function createCertificate(t: TestContext): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  const [key, cert] = await Promise.all([readFile(keyFile), readFile(certFile)]);
  const fingerprint = new X509Certificate(cert).fingerprint256;
  return { key, cert, certFile, keyFile, fingerprint };
}

/** Starts an HTTPS server with `certificate` on 127.0.0.1 port 0; closed when the test ends. */
export async function startTlsUpstream(
  t: TestContext,
  certificate: Certificate,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Upstream> {
  const { cert, key } = certificate;
  const server = createServer({ cert, key }, handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => closeServer(server));
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `https://127.0.0.1:${port}` };
}

/** Sends one request over HTTPS trusting `ca` (a fresh connection) and reads the whole response. */
export function sendTls(
  url: string,
  ca: Buffer,
  options: RequestOptions = {},
  body?: string,
): Promise<Received> {
  return send(url, { ca, ...options }, body);
}

/** The SHA-256 fingerprint of the certificate a TLS listener on 127.0.0.1:`port` serves now. */
export function servedFingerprint(port: number): Promise<string> {
  const served = new Promise<string>((resolve, reject) => {
    // Not verified: the test compares the fingerprint itself.
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256;
      socket.destroy();
      if (fingerprint === undefined) reject(new Error('no peer certificate'));
      else resolve(fingerprint);
    });
    socket.on('error', reject);
  });
  return withGuard(served, `the certificate served on port ${port}`);
}
