import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decoyHash,
  hashPassword,
  parsePasswordHash,
  toHashText,
  verifyPassword,
  type PasswordHash,
} from '../../../proxy-core/http/password.js';

function parsed(text: string): PasswordHash {
  const hash = parsePasswordHash(text);
  assert.ok(!('problem' in hash), text);
  return hash;
}

test('a hash verifies its password and no other, and reads back as the text it was', async () => {
  const text = await hashPassword('correct horse battery staple');
  assert.match(text, /^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
  const hash = parsed(text);
  assert.equal(toHashText(hash), text);
  assert.equal(await verifyPassword('correct horse battery staple', hash), true);
  assert.equal(await verifyPassword('correct horse battery stapl', hash), false);
  assert.equal(await verifyPassword('', hash), false);
});

test('two hashes of one password differ (a fresh salt each), and both verify it', async () => {
  const [a, b] = await Promise.all([hashPassword('pw'), hashPassword('pw')]);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('pw', parsed(a)), true);
  assert.equal(await verifyPassword('pw', parsed(b)), true);
});

test('a password is compared in Unicode NFC, as typed on any keyboard', async () => {
  const hash = parsed(await hashPassword('caf\u00e9'));
  assert.equal(await verifyPassword('cafe\u0301', hash), true);
});

test('the decoy hash verifies nothing', async () => {
  const decoy = decoyHash();
  for (const password of ['', 'pw', 'decoy']) {
    assert.equal(await verifyPassword(password, decoy), false);
  }
});

test('parsePasswordHash refuses what is not a usable scrypt hash, saying why', () => {
  const salt = Buffer.alloc(16, 1).toString('base64');
  const key = Buffer.alloc(32, 2).toString('base64');
  const cases: [text: string, problem: RegExp][] = [
    ['hunter2', /^expected scrypt\$N=16384,r=8,p=1\$<salt base64>\$<key base64>/],
    [`bcrypt$N=16384,r=8,p=1$${salt}$${key}`, /^expected scrypt/],
    [`scrypt$N=16384,r=8,p=1$${salt}`, /^expected scrypt/],
    [`scrypt$N=16384,r=8,p=1$${salt}$${key}$`, /^expected scrypt/],
    [`scrypt$N=16000,r=8,p=1$${salt}$${key}`, /^N must be a power of 2$/],
    [`scrypt$N=1,r=8,p=1$${salt}$${key}`, /^N must be a power of 2$/],
    [`scrypt$N=16384,r=0,p=1$${salt}$${key}`, /^r must be from 1 to 32$/],
    [`scrypt$N=16384,r=8,p=17$${salt}$${key}`, /^p must be from 1 to 16$/],
    [`scrypt$N=262144,r=8,p=1$${salt}$${key}`, /more than 128 MiB per verify$/],
    [`scrypt$N=16384,r=8,p=1$AAAA$${key}`, /^the salt is shorter than 8 bytes$/],
    [`scrypt$N=16384,r=8,p=1$${salt}$AAAAAAAA`, /^the key is shorter than 16 bytes$/],
  ];
  for (const [text, problem] of cases) {
    const result = parsePasswordHash(text);
    assert.ok('problem' in result, text);
    assert.match(result.problem, problem, text);
  }
  assert.equal(parsed(`scrypt$N=131072,r=8,p=1$${salt}$${key}`).N, 131072);
});
