// memex as a team's shared gateway: a TLS listener with several proxy users (auth.users), driven
// by the clients a team uses — curl through `--proxy https://user:pw@…` (forward mode and a
// CONNECT tunnel inside the TLS connection), ws over wss://, the official SDKs with base URLs and
// through Node's own HTTPS_PROXY support — each request attributed to the user who sent it.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import type { Config } from '../../../proxy-core/config/config.js';
import { hashPassword } from '../../../proxy-core/http/password.js';
import type { TunnelSeen } from '../../../proxy-core/observe/who.js';
import { parseStatsSnapshot, type StatsSnapshot } from '../../../shared/snapshot.js';
import { basicAuth, errorOf } from '../../helpers/client.js';
import { startApiUpstream } from '../../helpers/clients-upstream.js';
import { once } from '../../helpers/events.js';
import { runToExit } from '../../helpers/process-spawn.js';
import { parseExposition, sumOf, valueOf } from '../../helpers/prometheus-text.js';
import { startObservedProxy, type ObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream } from '../../helpers/servers.js';
import {
  createCertificate,
  sendTls,
  startTlsUpstream,
  type Certificate,
} from '../../helpers/tls.js';
import { startUsageUpstream } from '../../helpers/usage-upstream.js';
import { nextMessage, openWs, startWsUpstream } from '../../helpers/websocket.js';

const CURL = '/usr/bin/curl';
// curl and the SDK children reach memex only as told: no proxy settings from the environment.
const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name)),
);
const SDK_CLIENT = fileURLToPath(new URL('../../fixtures/gateway/sdk-client.js', import.meta.url));

const ALICE = basicAuth('alice', 'alice-pw');
const BOB = basicAuth('bob', 'bob-pw');
// Hashed once for the file: each hash takes a scrypt's time.
const USERS = Promise.all([hashPassword('alice-pw'), hashPassword('bob-pw')]).then(
  ([alice, bob]) => ({ alice, bob }),
);

interface Gateway extends ObservedProxy {
  readonly certificate: Certificate;
  /** `https://127.0.0.1:PORT` */
  readonly origin: string;
}

/**
 * memex serving TLS with alice and bob as users, on `host` (127.0.0.1: forward and CONNECT to
 * the local test servers are allowed; 0.0.0.0: exposed, as a team host runs it).
 */
async function startGateway(
  t: TestContext,
  host: '127.0.0.1' | '0.0.0.0',
  overrides: Partial<Config> = {},
): Promise<Gateway> {
  const certificate = await createCertificate(t);
  const proxy = await startObservedProxy(t, {
    host,
    tls: { cert: certificate.certFile, key: certificate.keyFile },
    auth: { users: await USERS },
    attribution: { processes: false },
    ...overrides,
  });
  return { ...proxy, certificate, origin: `https://127.0.0.1:${proxy.port}` };
}

/** curl through memex's TLS listener as `--proxy`; resolves with curl's exit, status and body. */
async function curlVia(
  t: TestContext,
  gateway: Gateway,
  credentials: string,
  url: string,
  extra: readonly string[] = [],
): Promise<{ code: number | null; status: string; body: string; stderr: string }> {
  const result = await runToExit(
    t,
    CURL,
    [
      '-sS',
      '--proxy',
      `https://${credentials}@127.0.0.1:${gateway.port}`,
      '--proxy-cacert',
      gateway.certificate.certFile,
      '-w',
      '%{stderr}\n%{http_code} %{http_connect}',
      ...extra,
      url,
    ],
    { env: CLEAN_ENV },
  );
  const lines = result.stderr.trimEnd().split('\n');
  return {
    code: result.code,
    status: lines.at(-1) ?? '',
    body: result.stdout.toString('utf8'),
    stderr: result.stderr,
  };
}

async function statsOf(gateway: Gateway, credentials = ALICE): Promise<StatsSnapshot> {
  const reply = await sendTls(`${gateway.origin}/_memex/stats`, gateway.certificate.cert, {
    headers: { 'proxy-authorization': credentials },
  });
  assert.equal(reply.status, 200);
  const snapshot = parseStatsSnapshot(JSON.parse(reply.body.toString('utf8')));
  assert.ok(snapshot !== undefined, 'the snapshot passes its own parser');
  return snapshot;
}

test('curl reaches a local upstream through the TLS listener as a forward proxy, attributed to its user', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.end(`hello ${req.url ?? ''}`);
  });
  const gateway = await startGateway(t, '127.0.0.1');
  const recorded = gateway.nextRecord();

  const reply = await curlVia(t, gateway, 'alice:alice-pw', `${upstream.url}/v1/models`);

  assert.equal(reply.code, 0, reply.stderr);
  assert.equal(reply.status, '200 000');
  assert.equal(reply.body, 'hello /v1/models');
  const record = await recorded;
  assert.equal(record.user, 'alice');
  assert.equal(record.host, `127.0.0.1:${upstream.port}`);
});

test('curl opens a CONNECT tunnel inside its TLS connection to memex, to a local HTTPS upstream', async (t) => {
  const gateway = await startGateway(t, '127.0.0.1');
  const upstream = await startTlsUpstream(t, gateway.certificate, (_req, res) => {
    res.end('over two TLS layers');
  });
  const attributed = once(gateway.events, 'tunnelAttributed');

  const reply = await curlVia(t, gateway, 'bob:bob-pw', `${upstream.url}/secret`, [
    '--cacert',
    gateway.certificate.certFile,
  ]);

  assert.equal(reply.code, 0, reply.stderr);
  assert.equal(reply.status, '200 200');
  assert.equal(reply.body, 'over two TLS layers');
  const [tunnel] = (await attributed) as [TunnelSeen];
  assert.equal(tunnel.user, 'bob');
  assert.equal(tunnel.host, '127.0.0.1');
  const snapshot = await statsOf(gateway, BOB);
  assert.deepEqual(
    snapshot.users.map(({ name, tunnels }) => ({ name, tunnels })),
    [{ name: 'bob', tunnels: 1 }],
  );
  const metrics = await sendTls(`${gateway.origin}/_memex/metrics`, gateway.certificate.cert, {
    headers: { 'proxy-authorization': BOB },
  });
  const samples = parseExposition(metrics.body.toString('utf8'));
  assert.equal(valueOf(samples, 'memex_tunnels_total', { host: '127.0.0.1', user: 'bob' }), 1);
});

test('a wrong password or an unknown user gets 407 with the Basic challenge, and nothing goes upstream', async (t) => {
  let hits = 0;
  const upstream = await startUpstream(t, (req, res) => {
    hits++;
    req.resume();
    res.end('{}');
  });
  const local = await startGateway(t, '127.0.0.1');
  for (const credentials of ['alice:bob-pw', 'mallory:alice-pw', 'alice:']) {
    const forward = await curlVia(t, local, credentials, `${upstream.url}/v1/models`, ['-i']);
    assert.equal(forward.status, '407 000', credentials);
    assert.match(forward.body, /^proxy-authenticate: Basic realm="memex"\r$/im);
    assert.match(forward.body, /"code":"PROXY_AUTH_REQUIRED"/);
    const tunnel = await curlVia(t, local, credentials, 'https://127.0.0.1:1/');
    assert.equal(tunnel.status, '000 407', credentials);
  }

  const exposed = await startGateway(t, '0.0.0.0', { upstreams: { up: upstream.url } });
  for (const credentials of [basicAuth('alice', 'nope'), basicAuth('eve', 'alice-pw'), undefined]) {
    const reply = await sendTls(`${exposed.origin}/up/v1/messages`, exposed.certificate.cert, {
      method: 'POST',
      headers: credentials === undefined ? {} : { 'proxy-authorization': credentials },
    });
    assert.equal(reply.status, 407, String(credentials));
    assert.equal(reply.headers['proxy-authenticate'], 'Basic realm="memex"');
    assert.equal(errorOf(reply.body).code, 'PROXY_AUTH_REQUIRED');
  }
  assert.equal(hits, 0);
});

test('two users on a TLS listener beyond loopback are counted apart: recent, users, metrics', async (t) => {
  const upstream = await startUsageUpstream(t);
  const gateway = await startGateway(t, '0.0.0.0', {
    upstreams: { anthropic: upstream.url },
    pricing: { 'claude-*': { input_per_mtok: 3, output_per_mtok: 15 } },
  });
  for (const credentials of [ALICE, BOB, ALICE]) {
    const recorded = gateway.nextRecord();
    const reply = await sendTls(
      `${gateway.origin}/anthropic/v1/messages`,
      gateway.certificate.cert,
      { method: 'POST', headers: { 'proxy-authorization': credentials } },
      '{}',
    );
    assert.equal(reply.status, 200);
    await recorded;
  }

  const snapshot = await statsOf(gateway);
  assert.deepEqual(
    snapshot.recent.map((record) => record.user),
    ['alice', 'bob', 'alice'],
  );
  // Anthropic usage per answer: 10 input, 5 output, 3 cache read, 2 cache write (20 tokens).
  assert.deepEqual(
    snapshot.users.map(({ name, requests, input, output, today }) => ({
      name,
      requests,
      input,
      output,
      tokens: today.tokens,
    })),
    [
      { name: 'alice', requests: 2, input: 20, output: 10, tokens: 40 },
      { name: 'bob', requests: 1, input: 10, output: 5, tokens: 20 },
    ],
  );
  const alice = snapshot.users.find((user) => user.name === 'alice');
  assert.ok(alice?.cost !== null && alice?.cost !== undefined && alice.cost > 0);

  const metrics = await sendTls(`${gateway.origin}/_memex/metrics`, gateway.certificate.cert, {
    headers: { 'proxy-authorization': BOB },
  });
  assert.equal(metrics.status, 200);
  const samples = parseExposition(metrics.body.toString('utf8'));
  assert.equal(sumOf(samples, 'memex_requests_total', { user: 'alice' }), 2);
  assert.equal(sumOf(samples, 'memex_requests_total', { user: 'bob' }), 1);
  assert.equal(sumOf(samples, 'memex_tokens_total', { user: 'alice', type: 'output' }), 10);
  assert.equal(sumOf(samples, 'memex_tokens_total', { user: 'bob', type: 'input' }), 10);
  assert.ok(sumOf(samples, 'memex_cost_total', { user: 'bob' }) > 0);
});

test('a WebSocket over wss:// through the TLS listener is relayed and attributed to its user', async (t) => {
  const upstream = await startWsUpstream(t);
  const gateway = await startGateway(t, '0.0.0.0', { upstreams: { up: upstream.url } });
  const { ws, response } = await openWs(t, `wss://127.0.0.1:${gateway.port}/up/v1/realtime`, {
    ca: gateway.certificate.cert,
    headers: { 'proxy-authorization': ALICE },
  });
  assert.equal(response.statusCode, 101);
  ws.send('ping over wss');
  assert.equal((await nextMessage(ws)).data.toString(), 'ping over wss');
  assert.equal(upstream.handshakes[0]?.headers['proxy-authorization'], undefined);
  const recorded = gateway.nextRecord();
  ws.close();
  const record = await recorded;
  assert.equal(record.status, 101);
  assert.equal(record.user, 'alice');
});

test('the Anthropic SDK with a base URL at https://memex trusts it through NODE_EXTRA_CA_CERTS', async (t) => {
  const upstream = await startApiUpstream(t);
  const gateway = await startGateway(t, '0.0.0.0', { upstreams: { anthropic: upstream.url } });
  const recorded = gateway.nextRecord();

  const result = await runToExit(
    t,
    process.execPath,
    [SDK_CLIENT, 'anthropic', `${gateway.origin}/anthropic`, BOB],
    { env: { ...CLEAN_ENV, NODE_EXTRA_CA_CERTS: gateway.certificate.certFile } },
  );

  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout.toString('utf8')), {
    text: '{"product_name": "Green Tea", "price": 5.50, "quantity": 2}',
  });
  assert.equal((await recorded).user, 'bob');
  assert.equal(upstream.seen[0]?.headers['proxy-authorization'], undefined);
});

test("Node's NODE_USE_ENV_PROXY with HTTPS_PROXY=https://user:pw@memex tunnels the OpenAI SDK through TLS", async (t) => {
  const gateway = await startGateway(t, '127.0.0.1');
  // One certificate for memex and the upstream: NODE_EXTRA_CA_CERTS names one file.
  const upstream = await startApiUpstream(t, gateway.certificate);
  const attributed = once(gateway.events, 'tunnelAttributed');

  const result = await runToExit(
    t,
    process.execPath,
    [SDK_CLIENT, 'openai', `${upstream.url}/v1`],
    {
      env: {
        ...CLEAN_ENV,
        NODE_USE_ENV_PROXY: '1',
        HTTPS_PROXY: `https://alice:alice-pw@127.0.0.1:${gateway.port}`,
        NODE_EXTRA_CA_CERTS: gateway.certificate.certFile,
      },
    },
  );

  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout.toString('utf8')) as { text?: unknown };
  assert.equal(typeof parsed.text, 'string', result.stdout.toString('utf8'));
  const [tunnel] = (await attributed) as [TunnelSeen];
  assert.equal(tunnel.user, 'alice');
  assert.equal(tunnel.host, '127.0.0.1');
  assert.equal(upstream.seen.length, 1);
});
