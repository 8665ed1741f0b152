import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  connectionTokens,
  HOP_BY_HOP,
  removeHopByHop,
  withoutHopByHop,
} from '../../../proxy-core/http/headers.js';

type Headers = Record<string, string | string[] | undefined>;

const FIXED_HOP_BY_HOP = [
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'transfer-encoding',
];

/** Runs removeHopByHop on a copy and returns what is left. */
function stripped(headers: Headers): Headers {
  const copy = { ...headers };
  removeHopByHop(copy);
  return copy;
}

test('lists exactly the RFC 9110 hop-by-hop headers as fixed', () => {
  assert.deepEqual([...HOP_BY_HOP].sort(), [...FIXED_HOP_BY_HOP].sort());
});

test('removes every fixed hop-by-hop header', () => {
  const headers: Headers = { 'content-type': 'application/json' };
  for (const name of FIXED_HOP_BY_HOP) headers[name] = 'x';
  headers['connection'] = 'close';
  assert.deepEqual(stripped(headers), { 'content-type': 'application/json' });
});

test('removes expect, which the listening server has already answered', () => {
  assert.deepEqual(stripped({ expect: '100-continue', 'content-length': '2' }), {
    'content-length': '2',
  });
});

test('removes the headers named in Connection, whatever their spacing and case', () => {
  const cases: [connection: string | string[], want: Headers][] = [
    ['X-One', { 'x-two': '2', 'x-three': '3', accept: '*/*' }],
    ['x-one, x-two', { 'x-three': '3', accept: '*/*' }],
    ['  X-One ,X-TWO,,  x-Three  ', { accept: '*/*' }],
    ['keep-alive, x-two', { 'x-one': '1', 'x-three': '3', accept: '*/*' }],
    [['x-one', 'X-Two , x-three'], { accept: '*/*' }],
    [[], { 'x-one': '1', 'x-two': '2', 'x-three': '3', accept: '*/*' }],
    ['', { 'x-one': '1', 'x-two': '2', 'x-three': '3', accept: '*/*' }],
  ];
  for (const [connection, want] of cases) {
    const headers = { connection, 'x-one': '1', 'x-two': '2', 'x-three': '3', accept: '*/*' };
    assert.deepEqual(stripped(headers), want, JSON.stringify(connection));
  }
});

test('passes API keys, versions and body headers through unchanged', () => {
  const endToEnd: Headers = {
    'x-api-key': 'sk-ant-test',
    authorization: 'Bearer sk-test',
    'anthropic-version': '2023-06-01',
    'anthropic-beta': 'a,b',
    'content-type': 'application/json',
    'content-length': '123',
    accept: 'text/event-stream',
    'x-goog-api-key': 'g-test',
    cookie: ['a=1', 'b=2'],
  };
  const headers: Headers = {
    ...endToEnd,
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'proxy-authorization': 'Basic cHJveHk6cHc=',
  };
  removeHopByHop(headers);
  assert.deepEqual(headers, endToEnd);
});

test('leaves a header object without hop-by-hop headers as it was', () => {
  const headers: Headers = { host: 'api.anthropic.com', 'x-api-key': 'k', 'content-length': '0' };
  removeHopByHop(headers);
  assert.deepEqual(headers, { host: 'api.anthropic.com', 'x-api-key': 'k', 'content-length': '0' });
});

test('reads Connection tokens lowercase and trimmed from a string or an array', () => {
  const cases: [value: string | string[] | undefined, want: string[]][] = [
    [undefined, []],
    ['', []],
    ['close', ['close']],
    [' Keep-Alive ,  X-Foo,,', ['keep-alive', 'x-foo']],
    [
      ['A', 'b, C'],
      ['a', 'b', 'c'],
    ],
  ];
  assert.deepEqual(
    cases.map(([value]) => connectionTokens(value)),
    cases.map(([, want]) => want),
  );
});

test('copies raw headers without hop-by-hop ones, keeping order, case and repeats', () => {
  const raw = [
    'Date',
    'Mon, 01 Jan 2024 00:00:00 GMT',
    'Set-Cookie',
    'a=1; Path=/',
    'Connection',
    'keep-alive, X-Hop',
    'Content-Type',
    'text/event-stream; charset=utf-8',
    'Transfer-Encoding',
    'chunked',
    'X-HOP',
    'dropped',
    'set-cookie',
    'b=2; Path=/',
    'Keep-Alive',
    'timeout=5',
    'Set-Cookie',
    'a=3; Path=/',
    'request-id',
    'req_123',
  ];
  assert.deepEqual(withoutHopByHop(raw), [
    'Date',
    'Mon, 01 Jan 2024 00:00:00 GMT',
    'Set-Cookie',
    'a=1; Path=/',
    'Content-Type',
    'text/event-stream; charset=utf-8',
    'set-cookie',
    'b=2; Path=/',
    'Set-Cookie',
    'a=3; Path=/',
    'request-id',
    'req_123',
  ]);
});

test('removes raw headers named in any of several Connection fields', () => {
  const raw = ['Connection', 'X-A', 'X-A', '1', 'X-B', '2', 'connection', ' x-b ', 'X-C', '3'];
  assert.deepEqual(withoutHopByHop(raw), ['X-C', '3']);
});

test('removes every fixed hop-by-hop header from raw headers, in any letter case', () => {
  const raw = FIXED_HOP_BY_HOP.flatMap((name) => [name.toUpperCase(), 'x']);
  raw.push('Upgrade', 'h2c', 'Content-Length', '5');
  assert.deepEqual(withoutHopByHop(raw), ['Content-Length', '5']);
});

test('returns a new raw header array and leaves the input untouched', () => {
  const raw = ['Connection', 'close', 'X-Api-Key', 'k'];
  const copy = withoutHopByHop(raw);
  assert.deepEqual(copy, ['X-Api-Key', 'k']);
  assert.deepEqual(raw, ['Connection', 'close', 'X-Api-Key', 'k']);
  const clean = ['Content-Type', 'application/json'];
  assert.notEqual(withoutHopByHop(clean), clean);
});

test('drops a trailing raw header name that has no value', () => {
  assert.deepEqual(withoutHopByHop(['Content-Type', 'text/plain', 'X-Dangling']), [
    'Content-Type',
    'text/plain',
  ]);
});
