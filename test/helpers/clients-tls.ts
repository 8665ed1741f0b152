// A self-signed certificate for 127.0.0.1, made at test time with the openssl CLI in a temp dir
// (removed when the test ends), so a real client can verify a local HTTPS server with --cacert.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { runToExit } from './process-spawn.js';

export interface TestCertificate {
  /** Path of the PEM certificate, to hand to a client as its CA (curl --cacert). */
  readonly certFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Creates a key and a self-signed certificate with SAN IP:127.0.0.1 and DNS:localhost. */
export async function createTestCertificate(t: TestContext): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-clients-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const result = await runToExit(t, 'openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  if (result.code !== 0) throw new Error(`openssl failed (${result.code}): ${result.stderr}`);
  return { certFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}
