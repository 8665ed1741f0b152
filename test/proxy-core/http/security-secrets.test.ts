// Secrets never leak: requests carrying distinctive keys, tokens, cookies and proxy credentials
// go through every failure path a spawned memex-proxy has (400, 403, 404, 405, 407, 502, 504,
// 508); no secret may appear in a response body, in /_memex/stats or on stderr.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { send, sendRaw } from '../../helpers/client.js';
import { spawnProcess, withGuard, type Spawned } from '../../helpers/process-spawn.js';
import { closedPort, startUpstream } from '../../helpers/servers.js';

const CLI = fileURLToPath(new URL('../../../bin/memex-proxy.cjs', import.meta.url));

const SECRETS = {
  'x-api-key': 'SECRET-xapikey-91b2',
  authorization: 'Bearer SECRET-bearer-c3d4',
  'api-key': 'SECRET-azure-e5f6',
  'x-goog-api-key': 'SECRET-goog-a7b8',
  cookie: 'session=SECRET-cookie-0a1b',
  'proxy-authorization': `Basic ${Buffer.from('lan:SECRET-proxypw-2c3d').toString('base64')}`,
} as const;
const QUERY_SECRET = 'SECRET-query-4e5f';
const NEEDLES = [
  'SECRET-',
  ...Object.values(SECRETS),
  Buffer.from('lan:SECRET-proxypw-2c3d').toString('base64'),
];

function assertClean(text: string, where: string): void {
  for (const needle of NEEDLES) {
    assert.equal(text.includes(needle), false, `${needle} leaked into ${where}:\n${text}`);
  }
}

function rawSecretHeaders(): string {
  return Object.entries(SECRETS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
}

async function spawnProxy(
  t: TestContext,
  args: readonly string[],
): Promise<{ spawned: Spawned; port: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spawned = spawnProcess(t, process.execPath, [CLI, '--port', '0', ...args], {
    cwd: dir,
    env: { ...process.env, MEMEX_CONFIG: '', MEMEX_HOST: '', MEMEX_PORT: '' },
  });
  const line = await spawned.line('stdout', /listening on http:\/\/\S+:\d+/);
  const port = Number(/:(\d+)\s*$/.exec(line)?.[1]);
  return { spawned, port };
}

async function stop(spawned: Spawned): Promise<string> {
  process.kill(spawned.pid, 'SIGTERM');
  await withGuard(spawned.exited, 'memex-proxy to exit');
  return spawned.stderr();
}

test('no secret reaches a response body, the stats or stderr on any failure path', async (t) => {
  let seen = 0;
  const stalled = await startUpstream(t, () => {
    seen++;
  });
  const dead = await closedPort();
  const { spawned, port } = await spawnProxy(t, [
    '--host',
    '127.0.0.1',
    '--response-header-timeout-ms',
    '200',
    '--upstream',
    `slow=${stalled.url}`,
    '--upstream',
    `dead=http://127.0.0.1:${dead}`,
    '--upstream',
    'nodns=http://no-such-host.invalid',
  ]);
  const local = `127.0.0.1:${port}`;
  const cases: [want: number, request: string][] = [
    [502, `POST /dead/v1/messages?key=${QUERY_SECRET} HTTP/1.1\r\nHost: ${local}\r\n`],
    [502, `POST /nodns/v1/messages?key=${QUERY_SECRET} HTTP/1.1\r\nHost: ${local}\r\n`],
    [
      502,
      `GET http://127.0.0.1:${dead}/v1/models?key=${QUERY_SECRET} HTTP/1.1\r\n` +
        `Host: 127.0.0.1:${dead}\r\n`,
    ],
    [504, `POST /slow/v1/messages?key=${QUERY_SECRET} HTTP/1.1\r\nHost: ${local}\r\n`],
    [404, `GET /nowhere?key=${QUERY_SECRET} HTTP/1.1\r\nHost: ${local}\r\n`],
    [400, `GET weird?key=${QUERY_SECRET} HTTP/1.1\r\nHost: ${local}\r\n`],
    [400, `GET /dead/v1/models?key=${QUERY_SECRET} HTTP/1.1\r\n`],
    [
      403,
      `POST /dead/v1/messages?key=${QUERY_SECRET} HTTP/1.1\r\nHost: ${local}\r\n` +
        'Origin: https://evil.example\r\n',
    ],
    [403, `GET /_memex/stats?key=${QUERY_SECRET} HTTP/1.1\r\nHost: evil.example:${port}\r\n`],
    [405, `TRACE /dead/v1/messages?key=${QUERY_SECRET} HTTP/1.1\r\nHost: ${local}\r\n`],
    [508, `GET http://${local}/v1/models?key=${QUERY_SECRET} HTTP/1.1\r\nHost: ${local}\r\n`],
    [403, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nOrigin: null\r\n`],
  ];
  for (const [want, head] of cases) {
    const raw = await sendRaw(
      port,
      `${head}${rawSecretHeaders()}Content-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    assert.match(raw, new RegExp(`^HTTP/1\\.1 ${want} `), head);
    assertClean(raw, `the ${want} response to ${head.split('\r\n')[0] ?? ''}`);
  }
  const stats = await send(`http://${local}`, { path: '/_memex/stats' });
  assert.equal(stats.status, 200);
  assertClean(stats.body.toString(), '/_memex/stats');
  assertClean(spawned.stdout(), 'stdout');
  assertClean(await stop(spawned), 'stderr');
  assert.equal(seen, 1, 'only the 504 case reached an upstream');
});

test('no secret reaches the 407, the stats or stderr of an exposed memex-proxy', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'memex-secrets-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'memex.yml');
  await writeFile(file, 'auth:\n  username: lan\n  password: SECRET-configpw-6a7b\n');
  const { spawned, port } = await spawnProxy(t, ['--host', '0.0.0.0', '--config', file]);
  for (const head of [
    `POST /anthropic/v1/messages?key=${QUERY_SECRET} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`,
    `GET http://127.0.0.1:9/?key=${QUERY_SECRET} HTTP/1.1\r\nHost: 127.0.0.1:9\r\n`,
    'CONNECT api.anthropic.com:443 HTTP/1.1\r\n',
  ]) {
    // The proxy password is wrong here (the config's is SECRET-configpw-…).
    const raw = await sendRaw(
      port,
      `${head}${rawSecretHeaders()}Content-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    assert.match(raw, /^HTTP\/1\.1 407 /, head);
    assertClean(raw, 'a 407 response');
    assert.equal(raw.includes('SECRET-configpw'), false);
  }
  const good = `Basic ${Buffer.from('lan:SECRET-configpw-6a7b').toString('base64')}`;
  const stats = await send(`http://127.0.0.1:${port}`, {
    path: '/_memex/stats',
    headers: { 'proxy-authorization': good },
  });
  assert.equal(stats.status, 200);
  assertClean(stats.body.toString(), '/_memex/stats');
  assert.equal(stats.body.toString().includes('SECRET-configpw'), false);
  const stderr = await stop(spawned);
  assertClean(stderr, 'stderr');
  assert.equal(stderr.includes('SECRET-configpw'), false);
  assert.equal(spawned.stdout().includes('SECRET-configpw'), false);
});
