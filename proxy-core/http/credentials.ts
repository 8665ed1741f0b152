// Proxy credentials for an exposed listener: Basic `Proxy-Authorization` (RFC 9110 §11.7.1,
// RFC 7617), compared in constant time so a wrong guess tells nothing about the right one.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Auth } from '../config/config.js';

/** The challenge sent with 407 (RFC 9110 §11.7.1). */
export const PROXY_AUTHENTICATE = 'Basic realm="memex"';

/** Checks Proxy-Authorization values against one expected pair; built once per config. */
export type CredentialCheck = (header: string | string[] | undefined) => boolean;

/** Builds the check for `auth`. Only digests are kept and compared, so lengths never leak. */
export function createCredentialCheck(auth: Auth): CredentialCheck {
  const expected = digest(`${auth.username}:${auth.password}`);
  return (header) => {
    if (typeof header !== 'string') return false;
    const match = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
    if (match?.[1] === undefined) return false;
    const given = digest(Buffer.from(match[1], 'base64').toString('utf8'));
    return timingSafeEqual(given, expected);
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
