import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  errnoOf,
  ProxyError,
  toErrorBody,
  toProxyErrorCode,
  toStatus,
  type ProxyErrorCode,
} from '../../proxy-core/errors.js';

/** An error shaped like the ones node:net, node:dns and node:tls raise. */
function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

test('maps socket and DNS errnos to a code and a standard status', () => {
  const cases: [errno: string, code: ProxyErrorCode, status: number][] = [
    ['ECONNREFUSED', 'UPSTREAM_REFUSED', 502],
    ['EHOSTUNREACH', 'UPSTREAM_UNREACHABLE', 502],
    ['ENETUNREACH', 'UPSTREAM_UNREACHABLE', 502],
    ['EHOSTDOWN', 'UPSTREAM_UNREACHABLE', 502],
    ['EADDRNOTAVAIL', 'UPSTREAM_UNREACHABLE', 502],
    ['ENOTFOUND', 'UPSTREAM_DNS', 502],
    ['EAI_AGAIN', 'UPSTREAM_DNS', 502],
    ['EAI_FAIL', 'UPSTREAM_DNS', 502],
    ['ECONNRESET', 'UPSTREAM_RESET', 502],
    ['EPIPE', 'UPSTREAM_RESET', 502],
    ['ECONNABORTED', 'UPSTREAM_RESET', 502],
    ['ETIMEDOUT', 'UPSTREAM_CONNECT_TIMEOUT', 504],
  ];
  assert.deepEqual(
    cases.map(([errno]) => {
      const code = toProxyErrorCode(systemError(errno));
      return [errno, code, toStatus(code)];
    }),
    cases,
  );
});

test('maps TLS and certificate errnos to UPSTREAM_TLS with status 502', () => {
  const errnos = [
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'HOSTNAME_MISMATCH',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_TLS_HANDSHAKE_TIMEOUT',
    'ERR_SSL_WRONG_VERSION_NUMBER',
  ];
  assert.deepEqual(
    errnos.map((errno) => {
      const code = toProxyErrorCode(systemError(errno));
      return [errno, code, toStatus(code)];
    }),
    errnos.map((errno) => [errno, 'UPSTREAM_TLS', 502]),
  );
});

test('treats errors without a known errno as an upstream reset', () => {
  const inputs: unknown[] = [
    new Error('socket hang up'),
    systemError('EWHATEVER'),
    Object.assign(new Error('numeric code'), { code: 42 }),
    'a string',
    null,
    undefined,
  ];
  assert.deepEqual(
    inputs.map((input) => toProxyErrorCode(input)),
    inputs.map(() => 'UPSTREAM_RESET'),
  );
});

test('keeps the code of a ProxyError when mapping it', () => {
  const err = new ProxyError('RESPONSE_TIMEOUT', 'no headers in 600000 ms', {
    cause: systemError('ECONNREFUSED'),
  });
  assert.equal(toProxyErrorCode(err), 'RESPONSE_TIMEOUT');
});

test('gives every code its standard status', () => {
  const table: Record<ProxyErrorCode, number> = {
    UPSTREAM_REFUSED: 502,
    UPSTREAM_UNREACHABLE: 502,
    UPSTREAM_DNS: 502,
    UPSTREAM_RESET: 502,
    UPSTREAM_TLS: 502,
    UPSTREAM_CONNECT_TIMEOUT: 504,
    RESPONSE_TIMEOUT: 504,
    BAD_REQUEST: 400,
    NO_ROUTE: 404,
    METHOD_NOT_ALLOWED: 405,
    CONNECT_PORT_FORBIDDEN: 403,
    BROWSER_REFUSED: 403,
    HOST_REFUSED: 403,
    DESTINATION_FORBIDDEN: 403,
    PROXY_AUTH_REQUIRED: 407,
    LOOP_DETECTED: 508,
    HISTORY_OFF: 404,
    HISTORY_UNAVAILABLE: 503,
    METRICS_TOKEN_REQUIRED: 401,
    METRICS_UNAVAILABLE: 503,
  };
  const codes = Object.keys(table) as ProxyErrorCode[];
  assert.deepEqual(Object.fromEntries(codes.map((code) => [code, toStatus(code)])), table);
});

test('builds a ProxyError that keeps its code, message and cause', () => {
  const cause = systemError('ECONNREFUSED');
  const err = new ProxyError('UPSTREAM_REFUSED', 'upstream 127.0.0.1:1 refused', { cause });
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'ProxyError');
  assert.equal(err.code, 'UPSTREAM_REFUSED');
  assert.equal(toStatus(err.code), 502);
  assert.equal(err.message, 'upstream 127.0.0.1:1 refused');
  assert.equal(err.cause, cause);
});

test('builds a ProxyError without a cause when none is given', () => {
  const err = new ProxyError('NO_ROUTE', 'no route for /x');
  assert.equal(toStatus(err.code), 404);
  assert.equal('cause' in err, false);
});

test('reads the errno string of an error, and nothing else', () => {
  const cases: [input: unknown, want: string | undefined][] = [
    [systemError('ECONNRESET'), 'ECONNRESET'],
    [{ code: 'ENOTFOUND' }, 'ENOTFOUND'],
    [{ code: 42 }, undefined],
    [new Error('plain'), undefined],
    ['ECONNRESET', undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  assert.deepEqual(
    cases.map(([input]) => errnoOf(input)),
    cases.map(([, want]) => want),
  );
});

test('writes the error body as {"error":{"type":"proxy_error","code","message"}}', () => {
  assert.equal(
    toErrorBody('UPSTREAM_REFUSED', 'upstream api.anthropic.com refused'),
    '{"error":{"type":"proxy_error","code":"UPSTREAM_REFUSED","message":"upstream api.anthropic.com refused"}}',
  );
});

test('escapes quotes and newlines in the error message so the body stays valid JSON', () => {
  const message = 'bad "target"\nline 2 \\ end';
  const body = toErrorBody('BAD_REQUEST', message);
  assert.deepEqual(JSON.parse(body), {
    error: { type: 'proxy_error', code: 'BAD_REQUEST', message },
  });
});
