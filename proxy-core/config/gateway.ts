// The keys a shared gateway is made of: auth (one clear-text pair, or users with password hashes)
// and tls (the PEM files' paths), checked as validate.ts checks every other key.

import { dirname, isAbsolute, join } from 'node:path';
import { parsePasswordHash } from '../http/password.js';
import { checkKeys, isPlainObject, show, type Report } from './check.js';
import type { Auth, TlsConfig } from './config.js';

const AUTH_KEYS = ['username', 'password', 'users'] as const;

/**
 * `auth`: a pair (username and password together), users (name → hash), or both; null for
 * `auth: null`. Credentials are never echoed in a message: the file may be shown, the error may
 * be logged.
 */
export function checkAuth(value: unknown, report: Report): Auth | null {
  if (value === null) return null;
  if (!isPlainObject(value)) {
    report(['auth'], 'expected a mapping with users, or username and password');
    return null;
  }
  checkKeys(value, ['auth'], AUTH_KEYS, report);
  const { username, password, users } = value;
  let ok = true;
  let pair: { username: string; password: string } | undefined;
  if (username !== undefined || password !== undefined) {
    const nameOk = typeof username === 'string' && username !== '' && !username.includes(':');
    const passwordOk = typeof password === 'string' && password !== '';
    if (!nameOk) report(['auth', 'username'], 'expected a non-empty string without ":"');
    if (!passwordOk) report(['auth', 'password'], 'expected a non-empty string');
    if (nameOk && passwordOk) pair = { username, password };
    else ok = false;
  }
  const checkedUsers = users === undefined ? undefined : checkUsers(users, report);
  if (checkedUsers === null) ok = false;
  if (username === undefined && password === undefined && users === undefined) {
    report(['auth'], 'expected users (name: password hash), or username and password');
    ok = false;
  }
  if (!ok) return null;
  return {
    ...pair,
    ...(checkedUsers === undefined || checkedUsers === null ? {} : { users: checkedUsers }),
  };
}

// A user name becomes a metrics label value and a history column: printable, and short.
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

function checkUsers(value: unknown, report: Report): Record<string, string> | null {
  if (!isPlainObject(value) || Object.keys(value).length === 0) {
    report(['auth', 'users'], 'expected a mapping of user name: password hash');
    return null;
  }
  const users: Record<string, string> = {};
  let ok = true;
  for (const [name, hash] of Object.entries(value)) {
    if (!USER_NAME.test(name)) {
      report(
        ['auth', 'users', name],
        'a user name is 1 to 64 letters, digits, ".", "_", "@", "+" and "-", starting with a letter or digit',
      );
      ok = false;
      continue;
    }
    // The text itself is never shown: a wrong hash may be a password pasted in by mistake.
    if (typeof hash !== 'string') {
      report(['auth', 'users', name], `not a password hash: got ${show(hash)}`);
      ok = false;
      continue;
    }
    const parsed = parsePasswordHash(hash);
    if ('problem' in parsed) {
      report(['auth', 'users', name], `not a password hash: ${parsed.problem}`);
      ok = false;
      continue;
    }
    users[name] = hash;
  }
  return ok ? users : null;
}

const TLS_KEYS = ['cert', 'key'] as const;

/**
 * `tls`: the paths of the certificate and key, a relative one taken from `file`'s directory.
 * Paths only: the files are read (and their PEM checked) when the listener starts or reloads.
 */
export function checkTls(value: unknown, file: string, report: Report): TlsConfig | null {
  if (value === null) return null;
  if (!isPlainObject(value)) {
    report(['tls'], 'expected a mapping with cert and key (paths of PEM files)');
    return null;
  }
  checkKeys(value, ['tls'], TLS_KEYS, report);
  const paths: Partial<Record<(typeof TLS_KEYS)[number], string>> = {};
  for (const key of TLS_KEYS) {
    const given = value[key];
    if (typeof given !== 'string' || given.trim() === '') {
      report(
        ['tls', key],
        `${show(given)} is not a file path (a PEM ${key === 'cert' ? 'certificate' : 'private key'})`,
      );
      continue;
    }
    paths[key] = isAbsolute(given) ? given : join(dirname(file), given);
  }
  return paths.cert === undefined || paths.key === undefined
    ? null
    : { cert: paths.cert, key: paths.key };
}
