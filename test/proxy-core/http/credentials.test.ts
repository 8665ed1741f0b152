import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createCredentialCheck,
  TokenBucket,
  type CheckLimits,
} from '../../../proxy-core/http/credentials.js';
import { hashPassword } from '../../../proxy-core/http/password.js';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

// Hashed once for the file: each hash takes a scrypt's time.
const USERS = Promise.all([hashPassword('alice-pw'), hashPassword('bob-pw')]).then(
  ([alice, bob]) => ({ alice, bob }),
);

/** Limits with a clock the test moves. */
function limits(burst: number, perSecond = 0): CheckLimits & { advance(ms: number): void } {
  let now = 0;
  return {
    cacheSize: 4,
    burst,
    perSecond,
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

test('a user is verified once, in the background; later requests get the name at once', async () => {
  const check = createCredentialCheck({ users: await USERS }, limits(16));
  const first = check(basic('alice:alice-pw'));
  assert.ok(first instanceof Promise, 'the first sight waits for scrypt');
  assert.equal(await first, 'alice');
  assert.equal(check(basic('alice:alice-pw')), 'alice');
  assert.equal(await check(basic('bob:bob-pw')), 'bob');
  assert.equal(check(basic('bob:bob-pw')), 'bob');
});

test('a wrong password, an unknown user and a malformed header are refused', async () => {
  const check = createCredentialCheck({ users: await USERS }, limits(16));
  assert.equal(await check(basic('alice:bob-pw')), null);
  // Refused values are remembered too: a client retrying its wrong password costs no verify.
  assert.equal(check(basic('alice:bob-pw')), null);
  const unknown = check(basic('mallory:alice-pw'));
  assert.ok(unknown instanceof Promise, 'an unknown name is verified against the decoy');
  assert.equal(await unknown, null);
  for (const header of [undefined, '', 'Basic', basic('alice'), `Bearer ${basic('x')}`]) {
    assert.equal(check(header), null, String(header));
  }
  assert.equal(check([basic('alice:alice-pw')]), null);
});

test('requests bringing the same new credentials meanwhile share one verify', async () => {
  const bucket = limits(1);
  const check = createCredentialCheck({ users: await USERS }, bucket);
  const a = check(basic('alice:alice-pw'));
  const b = check(basic('alice:alice-pw'));
  assert.ok(a instanceof Promise);
  assert.equal(a, b);
  assert.equal(await a, 'alice');
  // The one token went to that verify: a different value now finds none.
  assert.equal(check(basic('bob:bob-pw')), null);
});

test('past the burst of verifies, new credentials are refused at once until tokens refill', async () => {
  const clock = limits(2, 2);
  const check = createCredentialCheck({ users: await USERS }, clock);
  assert.equal(await check(basic('alice:guess-1')), null);
  assert.equal(await check(basic('alice:guess-2')), null);
  assert.equal(check(basic('alice:guess-3')), null, 'no token: refused without a verify');
  assert.equal(check(basic('alice:alice-pw')), null, 'the right password too, for now');
  clock.advance(500);
  assert.equal(await check(basic('alice:alice-pw')), 'alice');
  // Credentials already verified need no token.
  assert.equal(check(basic('alice:alice-pw')), 'alice');
});

test('the clear-text pair is checked at once, beside hashed users', async () => {
  const check = createCredentialCheck(
    { username: 'lan', password: 'lan-pw', users: await USERS },
    limits(16),
  );
  assert.equal(check(basic('lan:lan-pw')), 'lan');
  assert.equal(await check(basic('lan:wrong')), null);
  assert.equal(await check(basic('alice:alice-pw')), 'alice');
});

test('the cache keeps the newest verified values; an evicted one is verified again', async () => {
  const check = createCredentialCheck({ users: await USERS }, { ...limits(16), cacheSize: 1 });
  assert.equal(await check(basic('alice:alice-pw')), 'alice');
  assert.equal(check(basic('alice:alice-pw')), 'alice');
  assert.equal(await check(basic('bob:bob-pw')), 'bob');
  const again = check(basic('alice:alice-pw'));
  assert.ok(again instanceof Promise, 'alice was forgotten for bob');
  assert.equal(await again, 'alice');
});

test('TokenBucket: a burst, then a steady rate, never more than the burst saved up', () => {
  let now = 0;
  const bucket = new TokenBucket(3, 2, () => now);
  const takes = (n: number): boolean[] => Array.from({ length: n }, () => bucket.take());
  assert.deepEqual(takes(4), [true, true, true, false]);
  now += 499;
  assert.deepEqual(takes(1), [false]);
  now += 1;
  assert.deepEqual(takes(2), [true, false]);
  now += 60_000;
  assert.deepEqual(takes(4), [true, true, true, false]);
});
