// Limits through a real memex (issue 15): the providers' header sets from fixtures/limits served by
// a fake upstream, read in reverse and forward mode, kept per account (host + credential
// fingerprint), a 429 counted with its retry-after, a reset in the past shown as reset, and
// failures per hour in `/_memex/stats`.

import assert from 'node:assert/strict';
import type { OutgoingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import type { AccountLimits, StatsSnapshot } from '../../../shared/snapshot.js';
import { send } from '../../helpers/client.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream } from '../../helpers/servers.js';

const FUTURE_S = Math.floor(Date.now() / 1000) + 3_600;
const PAST_S = Math.floor(Date.now() / 1000) - 60;

// As fixtures/limits/README.md shows them, with resets moved around now.
const SUBSCRIPTION = {
  'anthropic-ratelimit-unified-status': 'allowed',
  'anthropic-ratelimit-unified-representative-claim': 'five_hour',
  'anthropic-ratelimit-unified-5h-utilization': '0.21',
  'anthropic-ratelimit-unified-5h-reset': String(FUTURE_S),
  'anthropic-ratelimit-unified-5h-status': 'allowed',
  'anthropic-ratelimit-unified-7d-utilization': '0.68',
  'anthropic-ratelimit-unified-7d-reset': String(PAST_S),
  'anthropic-ratelimit-unified-7d-status': 'allowed',
};
const API_KEY = {
  'anthropic-ratelimit-requests-limit': '4000',
  'anthropic-ratelimit-requests-remaining': '3999',
  'anthropic-ratelimit-requests-reset': new Date((FUTURE_S + 60) * 1000).toISOString(),
  'anthropic-ratelimit-tokens-limit': '2000000',
  'anthropic-ratelimit-tokens-remaining': '1998000',
  'anthropic-ratelimit-tokens-reset': new Date((FUTURE_S + 12) * 1000).toISOString(),
};
const OPENAI = {
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-reset-requests': '6m0s',
  'x-ratelimit-limit-tokens': '30000000',
  'x-ratelimit-remaining-tokens': '29999000',
  'x-ratelimit-reset-tokens': '1m0s',
};
const CODEX = {
  'x-codex-plan-type': 'plus',
  'x-codex-primary-used-percent': '42',
  'x-codex-primary-window-minutes': '300',
  'x-codex-primary-reset-after-seconds': '18000',
  'x-codex-secondary-used-percent': '94',
  'x-codex-secondary-window-minutes': '10080',
  'x-codex-secondary-reset-at': String(FUTURE_S),
};

/** An upstream answering each path with its header set (and a 429 for /limited). */
async function limitsUpstream(t: Parameters<typeof startUpstream>[0]) {
  return startUpstream(t, (req, res) => {
    req.resume();
    const sets: Record<string, OutgoingHttpHeaders> = {
      '/v1/messages': SUBSCRIPTION,
      '/key/v1/messages': API_KEY,
      '/v1/chat/completions': OPENAI,
      '/codex/responses': CODEX,
    };
    if (req.url === '/limited/v1/messages') {
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': '17',
        ...SUBSCRIPTION,
        'anthropic-ratelimit-unified-status': 'rejected',
        'anthropic-ratelimit-unified-5h-status': 'rejected',
        'anthropic-ratelimit-unified-5h-utilization': '1.02',
      });
      res.end('{"type":"error","error":{"type":"rate_limit_error","message":"limit"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', ...sets[req.url ?? ''] });
    res.end('{}');
  });
}

async function stats(url: string): Promise<StatsSnapshot> {
  const reply = await send(`${url}/_memex/stats`);
  return JSON.parse(reply.body.toString('utf8')) as StatsSnapshot;
}

function account(snapshot: StatsSnapshot, provider: AccountLimits['provider']): AccountLimits[] {
  return snapshot.limits.accounts.filter((entry) => entry.provider === provider);
}

test('every provider header set reaches /_memex/stats, per account, in reverse mode', async (t) => {
  const upstream = await limitsUpstream(t);
  const proxy = await startObservedProxy(t, {
    upstreams: { anthropic: upstream.url, openai: upstream.url, up: upstream.url },
  });
  const post = (path: string, key: string) =>
    send(`${proxy.url}${path}`, { method: 'POST', headers: { 'x-api-key': key } }, '{}');
  await post('/anthropic/v1/messages', 'sk-ant-oat-subscription-1');
  await post('/up/key/v1/messages', 'sk-ant-api-key-2');
  await post('/openai/v1/chat/completions', 'sk-openai-3');
  await post('/up/codex/responses', 'chatgpt-token-4');

  const snapshot = await stats(proxy.url);
  const [subscription] = account(snapshot, 'anthropic-subscription');
  assert.ok(subscription !== undefined);
  assert.equal(subscription.binding, '5h');
  const five = subscription.windows.find((window) => window.id === '5h');
  assert.equal(five?.usedFraction, 0.21);
  assert.equal(five.resetsAt, FUTURE_S * 1000);
  assert.equal(five.status, 'allowed');
  // The weekly window's reset is behind us: shown as reset, not as 68 % used.
  const week = subscription.windows.find((window) => window.id === '7d');
  assert.equal(week?.usedFraction, 0);
  assert.equal(week.resetsAt, null);

  const [key] = account(snapshot, 'anthropic');
  const requests = key?.windows.find((window) => window.id === 'requests');
  assert.equal(requests?.limit, 4000);
  assert.equal(requests.remaining, 3999);

  const [openai] = account(snapshot, 'openai');
  const tokens = openai?.windows.find((window) => window.id === 'tokens');
  assert.equal(tokens?.remaining, 29_999_000);
  assert.ok(tokens.resetsAt !== null && tokens.resetsAt > Date.now() - 5_000);

  const [codex] = account(snapshot, 'codex');
  assert.equal(codex?.plan, 'plus');
  assert.deepEqual(
    codex.windows.map((window) => [window.id, window.usedFraction, window.windowMinutes]),
    [
      ['primary', 0.42, 300],
      ['secondary', 0.94, 10080],
    ],
  );

  const fingerprints = snapshot.limits.accounts.map((entry) => entry.fingerprint);
  assert.equal(new Set(fingerprints).size, 4);
  const text = JSON.stringify(snapshot);
  for (const secret of ['subscription-1', 'api-key-2', 'openai-3', 'token-4']) {
    assert.equal(text.includes(secret), false, secret);
  }
});

test('two keys on one host stay two accounts; one key seen twice stays one', async (t) => {
  const upstream = await limitsUpstream(t);
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });
  for (const key of ['sk-one', 'sk-two', 'sk-one']) {
    await send(
      `${proxy.url}/anthropic/v1/messages`,
      { method: 'POST', headers: { 'x-api-key': key } },
      '{}',
    );
  }
  assert.equal(account(await stats(proxy.url), 'anthropic-subscription').length, 2);
});

test('a 429 counts as rate limited, keeps its retry-after and marks the window rejected', async (t) => {
  const upstream = await limitsUpstream(t);
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
  const reply = await send(
    `${proxy.url}/up/limited/v1/messages`,
    { method: 'POST', headers: { authorization: 'Bearer oauth-token' } },
    '{}',
  );
  assert.equal(reply.status, 429);
  const snapshot = await stats(proxy.url);
  const [limited] = account(snapshot, 'anthropic-subscription');
  assert.equal(limited?.rateLimited, 1);
  assert.equal(limited.retryAfterMs, 17_000);
  assert.equal(limited.windows.find((window) => window.id === '5h')?.status, 'rejected');
  const hour = snapshot.limits.errors.find((row) => row.schema === 'anthropic');
  assert.equal(hour?.rateLimited, 1);
  assert.equal(hour.serverErrors, 0);
});

test('every header set is read in forward mode too', async (t) => {
  const upstream = await limitsUpstream(t);
  const proxy = await startObservedProxy(t);
  const paths = ['/v1/messages', '/key/v1/messages', '/v1/chat/completions', '/codex/responses'];
  for (const [index, path] of paths.entries()) {
    const reply = await send(
      `${proxy.url}/`,
      {
        method: 'POST',
        path: `${upstream.url}${path}`,
        headers: { host: `127.0.0.1:${upstream.port}`, authorization: `Bearer sk-fwd-${index}` },
      },
      '{}',
    );
    assert.equal(reply.status, 200);
  }
  const snapshot = await stats(proxy.url);
  for (const provider of ['anthropic-subscription', 'anthropic', 'openai', 'codex'] as const) {
    const [entry] = account(snapshot, provider);
    assert.equal(entry?.host, `127.0.0.1:${upstream.port}`, provider);
    assert.ok(entry.windows.length >= 2, provider);
  }
});

test('an upstream failing with 529 and 502 is counted per hour', async (t) => {
  let status = 529;
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end('{}');
  });
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });
  await send(`${proxy.url}/v1/messages`, { method: 'POST' }, '{}');
  status = 502;
  await send(`${proxy.url}/v1/messages`, { method: 'POST' }, '{}');
  const [row] = (await stats(proxy.url)).limits.errors;
  assert.deepEqual(
    row && [row.schema, row.model, row.rateLimited, row.overloaded, row.serverErrors],
    ['anthropic', '', 0, 1, 1],
  );
});
