// Which header values the request inspector must never keep, and raw headers turned into the
// pairs a capture holds with those values replaced. Pure: the one place the rule is written.

import type { CapturedHeader } from '../../shared/history.js';

/** What a credential's value is replaced by. */
export const REDACTED = '[redacted]';

// Names that carry a credential however they are spelled around it: `authorization`,
// `proxy-authorization`, `x-api-key`, `x-goog-api-key`, `api-key`, `anthropic-api-key`,
// `x-auth-token`, `x-amz-security-token`, `x-client-secret`, `cookie`, `set-cookie`.
const NAME_PARTS = ['auth', 'key', 'secret', 'cookie', 'password', 'credential'] as const;

// `token` but not `tokens`: `anthropic-ratelimit-tokens-remaining` and OpenAI's
// `x-ratelimit-limit-tokens` are counts, and the reason an inspector is opened.
const TOKEN_NAME = /token(?!s)/;

// Values that are a credential whatever header they came in: an Authorization scheme (RFC 9110
// §11.4) or an API key's well-known prefix (OpenAI and Anthropic `sk-`, Google `AIza`).
const SCHEME_VALUE = /^\s*(?:bearer|basic|digest|negotiate|token)\s/i;
const KEY_VALUE = /^\s*(?:sk-|AIza)/;

/**
 * Whether a header's value is a credential: its name (ASCII case-insensitively) contains `auth`,
 * `key`, `secret`, `cookie`, `password`, `credential`, or `token` not followed by `s`; or its
 * value starts with an authorization scheme (`Bearer `, `Basic `, `Digest `, `Negotiate `,
 * `Token `) or a key prefix (`sk-`, `AIza`).
 */
export function isCredentialHeader(name: string, value: string): boolean {
  const lower = name.toLowerCase();
  for (const part of NAME_PARTS) if (lower.includes(part)) return true;
  return TOKEN_NAME.test(lower) || SCHEME_VALUE.test(value) || KEY_VALUE.test(value);
}

/** Node's `rawHeaders` (name, value, name, value…) as pairs, names as sent, credentials redacted. */
export function toCapturedHeaders(raw: readonly string[]): CapturedHeader[] {
  const pairs: CapturedHeader[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    pairs.push([name, isCredentialHeader(name, value) ? REDACTED : value]);
  }
  return pairs;
}
