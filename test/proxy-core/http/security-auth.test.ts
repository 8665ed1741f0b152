// A listener beyond loopback (0.0.0.0 here; test traffic goes to 127.0.0.1 only): proxy
// credentials on every request form, private destinations refused by resolved address, CONNECT
// limited to 443, and no start at all without credentials.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { DEFAULT_CONFIG, type Config } from '../../../proxy-core/config/config.js';
import { createProxy } from '../../../proxy-core/http/server.js';
import { errorOf, send, sendRaw } from '../../helpers/client.js';
import { runToExit } from '../../helpers/process-spawn.js';
import { forkWorker } from '../../helpers/process-worker.js';
import { startUpstream } from '../../helpers/servers.js';

const CLI = fileURLToPath(new URL('../../../bin/memex-proxy.cjs', import.meta.url));
const AUTH = { username: 'lan-user', password: 'lan-pass-7f3a' };
const GOOD = `Basic ${Buffer.from('lan-user:lan-pass-7f3a').toString('base64')}`;
const BAD = `Basic ${Buffer.from('lan-user:wrong').toString('base64')}`;

async function setUp(
  t: TestContext,
  overrides: Partial<Config> = {},
): Promise<{ port: number; upstreamPort: number; hits: () => number }> {
  let hits = 0;
  const upstream = await startUpstream(t, (req, res) => {
    hits++;
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  const proxy = await createProxy({
    ...DEFAULT_CONFIG,
    host: '0.0.0.0',
    port: 0,
    auth: AUTH,
    upstreams: { up: upstream.url },
    ...overrides,
  });
  t.after(() => proxy.close(0));
  return { port: proxy.address().port, upstreamPort: upstream.port, hits: () => hits };
}

test('an exposed listener answers 407 with a Basic challenge when credentials are missing or wrong', async (t) => {
  const { port, upstreamPort, hits } = await setUp(t);
  const base = `http://127.0.0.1:${port}`;
  for (const credentials of [undefined, BAD, 'Bearer lan-pass-7f3a']) {
    const auth: Record<string, string> =
      credentials === undefined ? {} : { 'proxy-authorization': credentials };
    for (const [path, host] of [
      ['/up/v1/messages', `127.0.0.1:${port}`],
      ['/_memex/stats', `127.0.0.1:${port}`],
      [`http://127.0.0.1:${upstreamPort}/v1/messages`, `127.0.0.1:${upstreamPort}`],
    ] as const) {
      const received = await send(base, { method: 'POST', path, headers: { host, ...auth } });
      assert.equal(received.status, 407, `${path} with ${String(credentials)}`);
      assert.equal(received.headers['proxy-authenticate'], 'Basic realm="memex"');
      assert.equal(errorOf(received.body).code, 'PROXY_AUTH_REQUIRED');
      assert.equal(received.body.toString().includes('lan-pass'), false);
    }
    const extra = credentials === undefined ? '' : `Proxy-Authorization: ${credentials}\r\n`;
    const tunnel = await sendRaw(
      port,
      `CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n${extra}\r\n`,
    );
    assert.match(tunnel, /^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
    assert.match(tunnel, /\r\nproxy-authenticate: Basic realm="memex"\r\n/);
  }
  assert.equal(hits(), 0);
});

test('with the right credentials an exposed listener serves reverse routes, Host unchecked', async (t) => {
  const { port, hits } = await setUp(t);
  const received = await send(`http://127.0.0.1:${port}`, {
    method: 'POST',
    path: '/up/v1/messages',
    headers: { host: `192.168.1.5:${port}`, 'proxy-authorization': GOOD },
  });
  assert.equal(received.status, 200);
  assert.equal(hits(), 1);
});

test('an exposed listener refuses forward requests to loopback, link-local and private targets', async (t) => {
  const { port, upstreamPort, hits } = await setUp(t);
  for (const origin of [
    `http://127.0.0.1:${upstreamPort}`,
    // A name is judged by the address it resolves to (localhost → 127.0.0.1 / ::1).
    `http://localhost:${upstreamPort}`,
    'http://169.254.169.254',
    'http://10.0.0.1:8080',
    'http://192.168.0.1',
    'http://[::1]:9',
    'http://[fe80::1]',
  ]) {
    const host = new URL(origin).host;
    const received = await send(`http://127.0.0.1:${port}`, {
      path: `${origin}/latest/meta-data/`,
      headers: { host, 'proxy-authorization': GOOD },
    });
    assert.equal(received.status, 403, origin);
    assert.equal(errorOf(received.body).code, 'DESTINATION_FORBIDDEN');
  }
  assert.equal(hits(), 0);
});

test('an exposed listener refuses CONNECT to private targets and to ports other than 443', async (t) => {
  const { port, hits } = await setUp(t);
  const cases: [authority: string, code: string][] = [
    ['127.0.0.1:443', 'DESTINATION_FORBIDDEN'],
    ['169.254.169.254:443', 'DESTINATION_FORBIDDEN'],
    ['[::1]:443', 'DESTINATION_FORBIDDEN'],
    ['localhost:443', 'DESTINATION_FORBIDDEN'],
    ['8.8.8.8:80', 'CONNECT_PORT_FORBIDDEN'],
    ['api.anthropic.com:22', 'CONNECT_PORT_FORBIDDEN'],
  ];
  for (const [authority, code] of cases) {
    const raw = await sendRaw(
      port,
      `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: ${GOOD}\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 403 /, authority);
    assert.match(raw, new RegExp(`x-memex-error: ${code}`), authority);
  }
  assert.equal(hits(), 0);
});

test('connect_ports widens CONNECT on an exposed listener, private targets still refused', async (t) => {
  const { port } = await setUp(t, { connect_ports: [443, 8443] });
  const raw = await sendRaw(
    port,
    `CONNECT 127.0.0.1:8443 HTTP/1.1\r\nProxy-Authorization: ${GOOD}\r\n\r\n`,
  );
  assert.match(raw, /x-memex-error: DESTINATION_FORBIDDEN/);
  const other = await sendRaw(
    port,
    `CONNECT 8.8.8.8:8080 HTTP/1.1\r\nProxy-Authorization: ${GOOD}\r\n\r\n`,
  );
  assert.match(other, /x-memex-error: CONNECT_PORT_FORBIDDEN/);
});

test('createProxy refuses a non-loopback host without auth, and listens on nothing', async () => {
  await assert.rejects(
    createProxy({ ...DEFAULT_CONFIG, host: '0.0.0.0', port: 0 }),
    /refusing to listen on 0\.0\.0\.0/,
  );
});

test('memex-proxy --host 0.0.0.0 without auth exits 2 and says why', async (t) => {
  const result = await runToExit(t, process.execPath, [CLI, '--host', '0.0.0.0', '--port', '0'], {
    env: { ...process.env, MEMEX_CONFIG: '' },
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^memex-proxy: refusing to listen on 0\.0\.0\.0: it is not a loopback address.*auth\.username and auth\.password/m,
  );
  assert.equal(result.stdout.length, 0);
});

test('the worker refuses to start on a non-loopback host without auth: fatal CONFIG_INVALID', async (t) => {
  const worker = forkWorker(t);
  await worker.send({ type: 'start', config: { ...DEFAULT_CONFIG, host: '0.0.0.0', port: 0 } });
  const error = await worker.next('error');
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.equal(error.fatal, true);
  assert.match(error.message, /refusing to listen on 0\.0\.0\.0/);
});
