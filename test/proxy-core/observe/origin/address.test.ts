// One spelling of an address across Node, /proc, lsof, netstat and PowerShell (issue 16).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bytesToAddressKey,
  parseEndpoint,
  toAddressKey,
  toConnectionKey,
} from '../../../../proxy-core/observe/origin/address.js';

test('addresses as Node and the system tools print them have one key', () => {
  const cases: [string, string | null][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:127.0.0.1', '127.0.0.1'],
    ['::1', '0000:0000:0000:0000:0000:0000:0000:0001'],
    ['[::1]', '0000:0000:0000:0000:0000:0000:0000:0001'],
    ['0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001'],
    ['2001:DB8::2:1', '2001:0db8:0000:0000:0000:0000:0002:0001'],
    ['fe80::1%eth0', 'fe80:0000:0000:0000:0000:0000:0000:0001'],
    ['::', '0000:0000:0000:0000:0000:0000:0000:0000'],
    ['localhost', null],
    ['256.0.0.1', null],
    ['1.2.3', null],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['1:2:3:4:5:6:7::8', null],
    ['12345::1', null],
    ['', null],
  ];
  for (const [text, key] of cases) assert.equal(toAddressKey(text), key, text);
});

test('raw address bytes have the same keys, IPv4-mapped IPv6 dotted', () => {
  assert.equal(bytesToAddressKey(Uint8Array.of(10, 0, 0, 2)), '10.0.0.2');
  const mapped = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1);
  assert.equal(bytesToAddressKey(mapped), '127.0.0.1');
  const loopback = new Uint8Array(16);
  loopback[15] = 1;
  assert.equal(bytesToAddressKey(loopback), toAddressKey('::1'));
  assert.equal(bytesToAddressKey(new Uint8Array(5)), null);
});

test('a connection is keyed the same from an IPv4-mapped and a plain IPv4 spelling', () => {
  assert.equal(
    toConnectionKey('::ffff:127.0.0.1', 51234, '::ffff:127.0.0.1', 8080),
    toConnectionKey('127.0.0.1', 51234, '127.0.0.1', 8080),
  );
  assert.notEqual(
    toConnectionKey('127.0.0.1', 51234, '127.0.0.1', 8080),
    toConnectionKey('127.0.0.1', 8080, '127.0.0.1', 51234),
  );
  assert.equal(toConnectionKey('not an address', 1, '127.0.0.1', 2), null);
});

test('endpoints split at the last colon, IPv6 in brackets', () => {
  assert.deepEqual(parseEndpoint('127.0.0.1:8080'), { address: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseEndpoint('[::1]:51240'), { address: toAddressKey('::1'), port: 51240 });
  assert.deepEqual(parseEndpoint('[fe80::1%12]:8080'), {
    address: toAddressKey('fe80::1'),
    port: 8080,
  });
  assert.equal(parseEndpoint('*:*'), null);
  assert.equal(parseEndpoint('127.0.0.1:70000'), null);
  assert.equal(parseEndpoint('8080'), null);
});
