// A throwaway TLS identity for tests: a self-signed certificate for localhost and 127.0.0.1,
// made with the openssl CLI in a temporary directory that is removed when the test ends.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificate {
  /** PEM private key. */
  readonly key: Buffer;
  /** PEM certificate; also the CA a client must trust. */
  readonly cert: Buffer;
  /** Path of the certificate file, for clients that take a file (curl --cacert). */
  readonly certFile: string;
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
  return { key, cert, certFile };
}
