// Linux's /proc text (issue 16): the TCP tables captured on a real machine, fd links, command
// lines.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toAddressKey, toConnectionKey } from '../../../../proxy-core/observe/origin/address.js';
import {
  findSockets,
  parseCmdline,
  parseSocketLink,
  parseTcpTable,
  toExecutablePath,
} from '../../../../proxy-core/observe/origin/proc.js';
import { fixture } from './fixtures.js';

const LOOPBACK6 = toAddressKey('::1') ?? '';

test('the IPv4 table: little-endian addresses, hex ports, state, uid, inode', () => {
  const rows = parseTcpTable(fixture('proc-net-tcp.txt'), true);
  assert.equal(rows.length, 9);
  assert.deepEqual(rows[3], {
    localAddress: '127.0.0.1',
    localPort: 49594,
    remoteAddress: '127.0.0.1',
    remotePort: 34215,
    state: 0x01,
    uid: 1000,
    inode: 64819,
  });
  assert.deepEqual(rows[1], {
    localAddress: '0.0.0.0',
    localPort: 2024,
    remoteAddress: '0.0.0.0',
    remotePort: 0,
    state: 0x0a,
    uid: 0,
    inode: 566,
  });
  assert.equal(rows[8]?.localAddress, '10.0.0.2');
  assert.equal(rows[8].remoteAddress, '93.184.216.34');
  assert.equal(rows[8].remotePort, 443);
});

test('the IPv6 table: four native-order words, IPv4-mapped rows as IPv4', () => {
  const rows = parseTcpTable(fixture('proc-net-tcp6.txt'), true);
  assert.equal(rows.length, 7);
  assert.deepEqual(rows[4], {
    localAddress: LOOPBACK6,
    localPort: 48944,
    remoteAddress: LOOPBACK6,
    remotePort: 34159,
    state: 0x01,
    uid: 1000,
    inode: 64818,
  });
  assert.equal(rows[2]?.localAddress, '127.0.0.1');
  assert.equal(rows[2].remotePort, 44938);
  assert.equal(rows[6]?.localAddress, toAddressKey('2001:db8::1'));
  assert.equal(rows[6].remoteAddress, toAddressKey('2001:db8::2'));
});

test('a big-endian machine prints addresses in network order', () => {
  const text =
    '   0: 7F000001:1F90 7F000001:C350 01 00000000:00000000 00:00000000 00000000  1000 0 77 1';
  assert.deepEqual(parseTcpTable(text, false), [
    {
      localAddress: '127.0.0.1',
      localPort: 8080,
      remoteAddress: '127.0.0.1',
      remotePort: 50000,
      state: 1,
      uid: 1000,
      inode: 77,
    },
  ]);
});

test('headers, blank and malformed lines are skipped', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '',
    '   0: 0100007F:XYZW 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1',
    '   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0',
    '   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 x 0 5 1',
    '   3: 0100007F:1F90',
  ].join('\n');
  assert.deepEqual(parseTcpTable(text, true), []);
});

test("a connection's client end is found by its four-tuple, not memex's end (inode 64822)", () => {
  const rows = [
    ...parseTcpTable(fixture('proc-net-tcp.txt'), true),
    ...parseTcpTable(fixture('proc-net-tcp6.txt'), true),
  ];
  const ipv4 = {
    clientAddress: '127.0.0.1',
    clientPort: 49594,
    proxyAddress: '127.0.0.1',
    proxyPort: 34215,
  };
  const ipv6 = { clientAddress: '::1', clientPort: 48944, proxyAddress: '::1', proxyPort: 34159 };
  // memex listening on ::ffff:127.0.0.1 sees an IPv4 client by its mapped address; the client's
  // own socket is in the IPv4 table.
  const mapped = {
    clientAddress: '::ffff:127.0.0.1',
    clientPort: 44938,
    proxyAddress: '::ffff:127.0.0.1',
    proxyPort: 35157,
  };
  // An IPv6 client socket connected to a mapped address is in the IPv6 table.
  const mappedClient = {
    clientAddress: '127.0.0.1',
    clientPort: 50000,
    proxyAddress: '127.0.0.1',
    proxyPort: 8080,
  };
  const closing = {
    clientAddress: '127.0.0.1',
    clientPort: 46112,
    proxyAddress: '127.0.0.1',
    proxyPort: 40207,
  };
  const closeWait = {
    clientAddress: '2001:db8::1',
    clientPort: 8080,
    proxyAddress: '2001:db8::2',
    proxyPort: 55000,
  };
  const timeWait = {
    clientAddress: '127.0.0.1',
    clientPort: 46100,
    proxyAddress: '127.0.0.1',
    proxyPort: 40207,
  };
  const absent = {
    clientAddress: '127.0.0.1',
    clientPort: 1,
    proxyAddress: '127.0.0.1',
    proxyPort: 34215,
  };
  const connections = [ipv4, ipv6, mapped, mappedClient, closing, closeWait, timeWait, absent];
  const found = findSockets(rows, connections);
  const key = (c: typeof ipv4): string =>
    toConnectionKey(c.clientAddress, c.clientPort, c.proxyAddress, c.proxyPort) ?? '';
  assert.deepEqual(found.get(key(ipv4)), { inode: 64819, uid: 1000 });
  assert.deepEqual(found.get(key(ipv6)), { inode: 64818, uid: 1000 });
  assert.deepEqual(found.get(key(mapped)), { inode: 64820, uid: 1000 });
  assert.deepEqual(found.get(key(mappedClient)), { inode: 64830, uid: 1000 });
  assert.deepEqual(found.get(key(closing)), { inode: 64013, uid: 1000 });
  assert.deepEqual(found.get(key(closeWait)), { inode: 64840, uid: 1000 });
  // TIME_WAIT has no owner (inode 0).
  assert.equal(found.has(key(timeWait)), false);
  assert.equal(found.has(key(absent)), false);
  assert.equal(found.size, 6);
});

test('fd links name a socket by inode; other files are no socket', () => {
  assert.equal(parseSocketLink('socket:[64819]'), 64819);
  assert.equal(parseSocketLink('pipe:[64758]'), null);
  assert.equal(parseSocketLink('anon_inode:[eventpoll]'), null);
  assert.equal(parseSocketLink('/tmp/socket:[1]'), null);
});

test('command lines are NUL-separated, with the padding of a rewritten title dropped', () => {
  assert.deepEqual(parseCmdline('node\0/usr/local/bin/claude\0--continue\0'), [
    'node',
    '/usr/local/bin/claude',
    '--continue',
  ]);
  assert.deepEqual(parseCmdline('claude\0\0\0\0\0\0'), ['claude']);
  assert.deepEqual(parseCmdline(''), []);
});

test('a replaced executable loses the kernel\'s " (deleted)"', () => {
  assert.equal(toExecutablePath('/usr/bin/node (deleted)'), '/usr/bin/node');
  assert.equal(toExecutablePath('/usr/bin/node'), '/usr/bin/node');
});
