// The TLS listener's certificate and key (config tls.cert, tls.key): read from their PEM files
// when the listener starts and on every reload, and checked before use — each PEM parsed, the
// key matching the certificate — so a bad file is a ConfigError naming it, never a listener
// that fails every handshake.

import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { TlsConfig } from '../config/config.js';
import { ConfigError, errnoOf } from '../errors.js';

/** What a TLS server is given: the PEM text of the chain and of the key. */
export interface Certificate {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Reads and checks `tls`'s files. Rejects with a ConfigError naming the file and the key
 * (`tls.cert`, `tls.key`) of the first problem: unreadable, not PEM, an encrypted key, a key
 * that is not the certificate's.
 */
export async function loadCertificate(tls: TlsConfig): Promise<Certificate> {
  const [cert, key] = await Promise.all([
    readPem(tls.cert, 'tls.cert', 'certificate'),
    readPem(tls.key, 'tls.key', 'private key'),
  ]);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw invalid(tls.cert, 'tls.cert', 'is not a PEM certificate (BEGIN CERTIFICATE)', err);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(key.toString('latin1'));
    throw invalid(
      tls.key,
      'tls.key',
      encrypted
        ? 'is an encrypted key; memex needs it unencrypted (openssl pkey -in KEY -out KEY.pem)'
        : 'is not a PEM private key (BEGIN PRIVATE KEY)',
      err,
    );
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw invalid(tls.key, 'tls.key', `is not the private key of the certificate ${tls.cert}`);
  }
  try {
    // What the server will do with them: any other problem (a chain OpenSSL refuses) shows here.
    createSecureContext({ cert, key });
  } catch (err) {
    throw invalid(tls.cert, 'tls.cert', `cannot be served: ${messageOf(err)}`, err);
  }
  return { cert, key };
}

async function readPem(file: string, keyPath: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const errno = errnoOf(err);
    throw new ConfigError(
      errno === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_UNREADABLE',
      file,
      [
        {
          keyPath,
          message:
            errno === 'ENOENT'
              ? `the ${what} file does not exist`
              : `cannot read the ${what} file (${errno ?? messageOf(err)})`,
        },
      ],
      { cause: err },
    );
  }
}

function invalid(file: string, keyPath: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError('CONFIG_INVALID', file, [{ keyPath, message: `this file ${message}` }], {
    cause,
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
