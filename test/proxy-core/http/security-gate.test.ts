// The security policy as pure functions, table by table: the browser/Host/TRACE/loop gate, the
// loopback decision, the destination ranges, proxy credentials and the auth config keys.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_CONFIG,
  exposureProblem,
  isLoopbackHost,
} from '../../../proxy-core/config/config.js';
import { ConfigError } from '../../../proxy-core/errors.js';
import { parseConfig } from '../../../proxy-core/config/parse.js';
import { createCredentialCheck } from '../../../proxy-core/http/credentials.js';
import { isForbiddenAddress, isSelf } from '../../../proxy-core/http/destinations.js';
import {
  checkRequest,
  hasViaToken,
  isLocalHostHeader,
  type GateContext,
  type GateRequest,
} from '../../../proxy-core/http/gate.js';

const LOOPBACK: GateContext = {
  port: 8080,
  loopback: true,
  listenHost: '127.0.0.1',
  viaToken: 'memex-abc',
};
const EXPOSED: GateContext = { ...LOOPBACK, loopback: false, listenHost: '0.0.0.0' };

function req(
  method: string,
  url: string,
  headers: Record<string, string | string[]>,
  httpVersion = '1.1',
): GateRequest {
  return { method, url, httpVersion, headers };
}

test('the gate refuses browsers, rebound Host names, TRACE and its own Via, and nothing else', () => {
  const local = { host: '127.0.0.1:8080' };
  const cases: [name: string, request: GateRequest, context: GateContext, want: string | null][] = [
    ['an SDK request', req('POST', '/anthropic/v1/messages', local), LOOPBACK, null],
    ['localhost Host', req('GET', '/_memex/stats', { host: 'localhost:8080' }), LOOPBACK, null],
    ['[::1] Host', req('GET', '/_memex/stats', { host: '[::1]:8080' }), LOOPBACK, null],
    ['upper-case Host', req('GET', '/_memex/stats', { host: 'LOCALHOST:8080' }), LOOPBACK, null],
    [
      'a web Origin',
      req('POST', '/anthropic/v1/messages', { ...local, origin: 'https://evil.example' }),
      LOOPBACK,
      'BROWSER_REFUSED',
    ],
    [
      'Origin: null',
      req('POST', '/v1/messages', { ...local, origin: 'null' }),
      LOOPBACK,
      'BROWSER_REFUSED',
    ],
    [
      'an empty Origin',
      req('POST', '/v1/messages', { ...local, origin: '' }),
      LOOPBACK,
      'BROWSER_REFUSED',
    ],
    [
      'Origin on a forward request',
      req('GET', 'http://api.example/', { host: 'api.example', origin: 'https://a.example' }),
      LOOPBACK,
      'BROWSER_REFUSED',
    ],
    [
      'Origin on CONNECT',
      req('CONNECT', 'api.example:443', { host: 'api.example:443', origin: 'https://a.b' }),
      LOOPBACK,
      'BROWSER_REFUSED',
    ],
    [
      'an OPTIONS preflight',
      req('OPTIONS', '/v1/messages', {
        ...local,
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
      }),
      LOOPBACK,
      'BROWSER_REFUSED',
    ],
    [
      'Sec-Fetch-Site: cross-site',
      req('GET', '/_memex/stats', { ...local, 'sec-fetch-site': 'cross-site' }),
      LOOPBACK,
      'BROWSER_REFUSED',
    ],
    [
      'Sec-Fetch-Site: same-site',
      req('GET', '/_memex/stats', { ...local, 'sec-fetch-site': 'Same-Site' }),
      LOOPBACK,
      'BROWSER_REFUSED',
    ],
    [
      'Sec-Fetch-Site: none (typed in the address bar)',
      req('GET', '/_memex/stats', { ...local, 'sec-fetch-site': 'none' }),
      LOOPBACK,
      null,
    ],
    [
      'a rebound Host',
      req('GET', '/_memex/stats', { host: 'evil.example:8080' }),
      LOOPBACK,
      'HOST_REFUSED',
    ],
    [
      'the right name on another port',
      req('GET', '/_memex/stats', { host: '127.0.0.1:9999' }),
      LOOPBACK,
      'HOST_REFUSED',
    ],
    [
      'a reverse route with a foreign Host',
      req('POST', '/anthropic/v1/messages', { host: 'api.anthropic.com' }),
      LOOPBACK,
      'HOST_REFUSED',
    ],
    [
      'forward mode, where Host names the target',
      req('POST', 'http://api.anthropic.com/v1/messages', { host: 'api.anthropic.com' }),
      LOOPBACK,
      null,
    ],
    [
      'CONNECT, where Host names the target',
      req('CONNECT', 'api.anthropic.com:443', { host: 'api.anthropic.com:443' }),
      LOOPBACK,
      null,
    ],
    [
      'a foreign Host on an exposed listener (auth guards it)',
      req('GET', '/_memex/stats', { host: '192.168.1.5:8080' }),
      EXPOSED,
      null,
    ],
    ['TRACE', req('TRACE', '/anthropic/v1/messages', local), LOOPBACK, 'METHOD_NOT_ALLOWED'],
    [
      'TRACE in forward mode',
      req('TRACE', 'http://api.example/', { host: 'api.example' }),
      LOOPBACK,
      'METHOD_NOT_ALLOWED',
    ],
    ['HTTP/1.1 without Host', req('GET', '/_memex/stats', {}), LOOPBACK, 'BAD_REQUEST'],
    ['HTTP/1.0 without Host', req('GET', '/_memex/stats', {}, '1.0'), LOOPBACK, null],
    [
      'its own Via token',
      req('GET', 'http://x.example/', { host: 'x.example', via: '1.1 a, 1.1 memex-abc' }),
      LOOPBACK,
      'LOOP_DETECTED',
    ],
    [
      'another memex in Via',
      req('GET', 'http://x.example/', { host: 'x.example', via: '1.1 memex-def' }),
      LOOPBACK,
      null,
    ],
  ];
  for (const [name, request, context, want] of cases) {
    assert.equal(checkRequest(request, context)?.code ?? null, want, name);
  }
});

test('Host names memex only as localhost, 127.0.0.1, [::1] or the listen host, with its port', () => {
  const cases: [host: string, port: number, listenHost: string, want: boolean][] = [
    ['localhost:8080', 8080, '127.0.0.1', true],
    ['127.0.0.1:8080', 8080, '127.0.0.1', true],
    ['[::1]:8080', 8080, '127.0.0.1', true],
    ['127.0.0.2:8080', 8080, '127.0.0.2', true],
    ['localhost', 80, '127.0.0.1', true],
    ['localhost', 8080, '127.0.0.1', false],
    ['localhost:80', 8080, '127.0.0.1', false],
    ['127.0.0.2:8080', 8080, '127.0.0.1', false],
    ['localhost.evil.example:8080', 8080, '127.0.0.1', false],
    ['evil.example:8080', 8080, '127.0.0.1', false],
    ['localhost:8080x', 8080, '127.0.0.1', false],
    ['::1:8080', 8080, '127.0.0.1', false],
  ];
  for (const [host, port, listenHost, want] of cases) {
    assert.equal(isLocalHostHeader(host, port, listenHost), want, `${host} (port ${port})`);
  }
});

test('a Via value carries a token only as a received-by entry', () => {
  const cases: [via: string | string[], want: boolean][] = [
    ['1.1 memex-abc', true],
    ['HTTP/1.1 MEMEX-ABC (memex)', true],
    ['1.0 fred, 1.1 memex-abc', true],
    [['1.0 fred', '1.1 memex-abc'], true],
    ['1.1 memex-abcd', false],
    ['1.1 proxy (memex-abc)', false],
    ['', false],
  ];
  for (const [via, want] of cases) assert.equal(hasViaToken(via, 'memex-abc'), want, String(via));
});

test('only localhost, 127/8 and ::1 count as a loopback listener', () => {
  const cases: [host: string, want: boolean][] = [
    ['127.0.0.1', true],
    ['127.10.20.30', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.5', false],
    ['10.0.0.5', false],
    ['example.com', false],
    ['127.0.0.1.example.com', false],
  ];
  for (const [host, want] of cases) assert.equal(isLoopbackHost(host), want, host);
});

test('an exposed listener refuses loopback, link-local and private destinations', () => {
  const cases: [address: string, want: boolean][] = [
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.0.10', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['[::1]', true],
    ['::', true],
    ['fe80::1', true],
    ['fd00::5', true],
    ['fc12::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:169.254.169.254', true],
    ['172.32.0.1', false],
    ['172.15.255.255', false],
    ['8.8.8.8', false],
    ['160.79.104.10', false],
    ['2606:4700::6810:84e5', false],
    ['api.anthropic.com', false],
  ];
  for (const [address, want] of cases) assert.equal(isForbiddenAddress(address), want, address);
});

test('a target is memex itself when it names a loopback or own address with memex’s port', () => {
  const own = new Set(['0.0.0.0', '::', '192.168.1.5']);
  const cases: [host: string, port: number, want: boolean][] = [
    ['127.0.0.1', 8080, true],
    ['localhost', 8080, true],
    ['[::1]', 8080, true],
    ['192.168.1.5', 8080, true],
    ['0.0.0.0', 8080, true],
    ['127.0.0.1', 8081, false],
    ['api.anthropic.com', 8080, false],
  ];
  for (const [host, port, want] of cases) {
    assert.equal(isSelf(host, port, 8080, own), want, `${host}:${String(port)}`);
  }
});

test('proxy credentials match only the exact Basic user:password, naming its user', () => {
  const check = createCredentialCheck({ username: 'lan', password: 'p:ss wörd' });
  const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;
  const cases: [header: string | string[] | undefined, want: string | null][] = [
    [basic('lan:p:ss wörd'), 'lan'],
    [`basic ${Buffer.from('lan:p:ss wörd').toString('base64')}`, 'lan'],
    [basic('lan:p:ss wörd!'), null],
    [basic('lan:'), null],
    [basic('LAN:p:ss wörd'), null],
    [`Bearer ${Buffer.from('lan:p:ss wörd').toString('base64')}`, null],
    ['Basic', null],
    ['', null],
    [undefined, null],
    [[basic('lan:p:ss wörd')], null],
  ];
  for (const [header, want] of cases) assert.equal(check(header), want, String(header));
});

test('a listener beyond loopback without auth is refused with a reason', () => {
  assert.equal(exposureProblem(DEFAULT_CONFIG), null);
  assert.equal(
    exposureProblem({ ...DEFAULT_CONFIG, host: '0.0.0.0', auth: { username: 'a', password: 'b' } }),
    null,
  );
  const problem = exposureProblem({ ...DEFAULT_CONFIG, host: '0.0.0.0' });
  assert.match(
    problem ?? '',
    /refusing to listen on 0\.0\.0\.0.*auth\.users \(or auth\.username and auth\.password\)/,
  );
});

test('auth keys are read from YAML and TOML and never echo the password in errors', () => {
  const yaml = parseConfig('auth:\n  username: lan\n  password: hunter2\n', 'yaml', 'm.yml');
  assert.deepEqual(yaml.auth, { username: 'lan', password: 'hunter2' });
  const toml = parseConfig('[auth]\nusername = "lan"\npassword = "hunter2"\n', 'toml', 'm.toml');
  assert.deepEqual(toml.auth, { username: 'lan', password: 'hunter2' });
  assert.equal(parseConfig('auth: null\n', 'yaml', 'm.yml').auth, null);

  const cases: [text: string, format: 'yaml' | 'toml', message: string][] = [
    [
      'port: 1\nauth:\n  username: lan\n',
      'yaml',
      'm:2:1: auth.password: expected a non-empty string',
    ],
    [
      'auth:\n  username: "a:b"\n  password: SECRET-PW-1\n',
      'yaml',
      'm:2:3: auth.username: expected a non-empty string without ":"',
    ],
    [
      'auth:\n  username: lan\n  password: 12345\n',
      'yaml',
      'm:3:3: auth.password: expected a non-empty string',
    ],
    [
      'auth:\n  username: lan\n  pasword: SECRET-PW-1\n',
      'yaml',
      'm:3:3: auth.pasword: unknown key (did you mean "password"?); known keys: username, password, users',
    ],
    [
      'auth: SECRET-PW-1\n',
      'yaml',
      'm:1:1: auth: expected a mapping with users, or username and password',
    ],
    [
      '[auth]\nusername = "lan"\npassword = ""\n',
      'toml',
      'm:3:1: auth.password: expected a non-empty string',
    ],
  ];
  for (const [text, format, message] of cases) {
    assert.throws(
      () => parseConfig(text, format, 'm'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.ok(err.message.split('\n').includes(message), `${err.message}\nwanted ${message}`);
        assert.equal(err.message.includes('SECRET-PW-1'), false);
        return true;
      },
    );
  }
});
