// GET /_memex/metrics through a real memex (issue 18): counts per label set after known traffic,
// an exposition promtool accepts, OpenMetrics when asked, bounded labels that never carry a path,
// session, query or key, the bearer token, and how it combines with proxy credentials.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import type { StatsSnapshot } from '../../../shared/snapshot.js';
import { errorOf, send } from '../../helpers/client.js';
import {
  labelValues,
  parseExposition,
  promtoolCheck,
  sumOf,
  valueOf,
} from '../../helpers/prometheus-text.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream } from '../../helpers/servers.js';
import { openTunnel, startTcpUpstream } from '../../helpers/tunnel.js';
import { startUsageProxy, type UsageProxy } from '../../helpers/usage-upstream.js';

const CLAUDE = { 'user-agent': 'claude-cli/2.0.14 (external, cli)' };
const OPENAI_JS = { 'user-agent': 'OpenAI/JS 5.0.0' };
const PRICING = {
  'claude-*': {
    input_per_mtok: 3,
    output_per_mtok: 15,
    cache_read_per_mtok: 0.3,
    cache_write_per_mtok: 3.75,
  },
};
// What Prometheus 2.x sends.
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Three Claude Code calls, two OpenAI SDK calls and one 429. */
async function knownTraffic(proxy: UsageProxy): Promise<void> {
  for (let i = 0; i < 3; i++) await proxy.exchange('/anthropic/v1/messages', CLAUDE);
  for (let i = 0; i < 2; i++) await proxy.exchange('/openai/v1/chat/completions', OPENAI_JS);
  await proxy.exchange('/anthropic/v1/messages', { ...CLAUDE, 'x-test-status': '429' });
}

async function scrapeSamples(proxy: UsageProxy) {
  const reply = await proxy.scrape();
  assert.equal(reply.status, 200);
  return parseExposition(reply.body.toString('utf8'));
}

test('counts requests, tokens, cost, 429s and durations per label set after known traffic', async (t) => {
  const proxy = await startUsageProxy(t, { pricing: PRICING });
  await knownTraffic(proxy);
  const samples = await scrapeSamples(proxy);

  const requests = 'memex_requests_total';
  const claude = { schema: 'anthropic', model: 'claude-sonnet-4-5' };
  const gpt = { schema: 'openai', model: 'gpt-4.1' };
  assert.equal(
    valueOf(samples, requests, { ...claude, status_class: '2xx', client: 'Claude Code' }),
    3,
  );
  assert.equal(
    valueOf(samples, requests, { ...gpt, status_class: '2xx', client: 'OpenAI SDK (JS)' }),
    2,
  );
  // An error answer reports no usage, so no model.
  const limited = {
    schema: 'anthropic',
    model: 'unknown',
    status_class: '4xx',
    client: 'Claude Code',
  };
  assert.equal(valueOf(samples, requests, limited), 1);
  assert.equal(sumOf(samples, requests), 6);
  assert.equal(valueOf(samples, 'memex_rate_limited_total', { schema: 'anthropic' }), 1);
  assert.equal(valueOf(samples, 'memex_rate_limited_total', { schema: 'openai' }), 0);

  const tokens = 'memex_tokens_total';
  const expected: [Record<string, string>, string, number][] = [
    [claude, 'input', 30],
    [claude, 'output', 15],
    [claude, 'cache_read', 9],
    [claude, 'cache_write', 6],
    [gpt, 'input', 32],
    [gpt, 'output', 14],
    [gpt, 'cache_read', 8],
    [gpt, 'cache_write', 0],
  ];
  for (const [labels, type, value] of expected) {
    assert.equal(valueOf(samples, tokens, { ...labels, type }), value, `${labels.model} ${type}`);
  }
  const cost = valueOf(samples, 'memex_cost_total', claude) ?? NaN;
  assert.ok(Math.abs(cost - (30 * 3 + 15 * 15 + 9 * 0.3 + 6 * 3.75) / 1e6) < 1e-12, `${cost}`);
  assert.equal(valueOf(samples, 'memex_cost_total', gpt), undefined, 'gpt-4.1 has no price');

  for (const [schema, count] of [
    ['anthropic', 4],
    ['openai', 2],
  ] as const) {
    for (const name of ['memex_request_duration_seconds', 'memex_ttfb_seconds']) {
      assert.equal(valueOf(samples, `${name}_count`, { schema }), count, `${name} ${schema}`);
      assert.equal(valueOf(samples, `${name}_bucket`, { schema, le: '+Inf' }), count);
      const buckets = samples.filter(
        (s) => s.name === `${name}_bucket` && s.labels.schema === schema,
      );
      assert.equal(buckets.length, 15);
      for (let i = 1; i < buckets.length; i++) {
        assert.ok((buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0), 'cumulative buckets');
      }
      assert.ok((valueOf(samples, `${name}_sum`, { schema }) ?? -1) >= 0);
    }
  }
  assert.equal(valueOf(samples, 'memex_requests_active'), 0);
  assert.equal(valueOf(samples, 'memex_websockets_active'), 0);
  assert.ok((valueOf(samples, 'process_resident_memory_bytes') ?? 0) > 0, 'process metrics');
});

test('the counts agree with /_memex/stats', async (t) => {
  const proxy = await startUsageProxy(t);
  await knownTraffic(proxy);
  const samples = await scrapeSamples(proxy);
  const stats = JSON.parse(
    (await send(`${proxy.url}/_memex/stats`)).body.toString(),
  ) as StatsSnapshot;

  for (const [schema, count] of Object.entries(stats.requests)) {
    assert.equal(sumOf(samples, 'memex_requests_total', { schema }), count, schema);
  }
  const [day] = Object.values(stats.usage.days);
  assert.ok(day !== undefined);
  for (const [schema, tally] of Object.entries(day.schemas)) {
    for (const [type, value] of [
      ['input', tally.input],
      ['output', tally.output],
      ['cache_read', tally.cacheRead],
      ['cache_write', tally.cacheWrite],
    ] as const) {
      assert.equal(
        sumOf(samples, 'memex_tokens_total', { schema, type }),
        value,
        `${schema} ${type}`,
      );
    }
  }
});

test('the exposition passes promtool check metrics, memex families without a lint finding', async (t) => {
  const proxy = await startUsageProxy(t, { pricing: PRICING });
  await knownTraffic(proxy);
  await proxy.exchange('/anthropic/v1/messages', { ...CLAUDE, 'x-test-limits': 'subscription' });
  const text = (await proxy.scrape()).body.toString('utf8');

  const own = text
    .split('\n')
    .filter((line) => /^(# (HELP|TYPE) )?memex_/.test(line))
    .join('\n');
  assert.deepEqual(await promtoolCheck(`${own}\n`), { code: 0, output: '' });
  // prom-client's own nodejs_active_*_total gauges are its names, linted but well-formed (exit 3:
  // lint findings only; a parse error is exit 1).
  const whole = await promtoolCheck(text);
  assert.ok(whole.code === 0 || whole.code === 3, whole.output);
  for (const line of whole.output.split('\n').filter(Boolean)) assert.match(line, /^nodejs_/);
});

test('answers OpenMetrics when the scraper asks for it, Prometheus text otherwise', async (t) => {
  const proxy = await startUsageProxy(t);
  await proxy.exchange('/anthropic/v1/messages', CLAUDE);

  const open = await proxy.scrape({ accept: PROMETHEUS_ACCEPT });
  assert.equal(
    open.headers['content-type'],
    'application/openmetrics-text; version=1.0.0; charset=utf-8',
  );
  const openText = open.body.toString('utf8');
  assert.ok(openText.endsWith('\n# EOF\n'));
  assert.match(openText, /^# TYPE memex_requests counter$/m);
  assert.match(openText, /^# TYPE process_cpu_seconds counter$/m);
  assert.doesNotMatch(openText, /_total_total/);
  assert.equal(sumOf(parseExposition(openText), 'memex_requests_total'), 1);

  // Asked for text after OpenMetrics, the families keep their _total (nothing renamed for good).
  const plain = await proxy.scrape({ accept: 'text/plain;version=0.0.4' });
  assert.equal(plain.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const plainText = plain.body.toString('utf8');
  assert.match(plainText, /^# TYPE memex_requests_total counter$/m);
  assert.match(plainText, /^# TYPE process_cpu_seconds_total counter$/m);
  assert.doesNotMatch(plainText, /# EOF/);
  assert.equal((await proxy.scrape()).headers['content-type'], plain.headers['content-type']);
  assert.equal(
    (await proxy.scrape({ accept: 'application/openmetrics-text;q=0' })).headers['content-type'],
    plain.headers['content-type'],
  );
});

test('200 distinct models give at most 51 model label values, the rest counted as other', async (t) => {
  const proxy = await startUsageProxy(t);
  for (let i = 0; i < 200; i++) {
    await proxy.exchange('/anthropic/v1/messages', { ...CLAUDE, 'x-test-model': `model-${i}` });
  }
  const samples = await scrapeSamples(proxy);
  for (const name of ['memex_requests_total', 'memex_tokens_total']) {
    const models = labelValues(samples, name, 'model');
    assert.equal(models.size, 51, name);
    assert.ok(models.has('other') && models.has('model-0') && models.has('model-49'));
    assert.ok(!models.has('model-50'));
  }
  assert.equal(sumOf(samples, 'memex_requests_total'), 200);
  assert.equal(sumOf(samples, 'memex_requests_total', { model: 'other' }), 150);
  assert.equal(sumOf(samples, 'memex_tokens_total', { type: 'input' }), 200 * 10);
});

test('no path, query, session id, key, project or pid reaches a label', async (t) => {
  const proxy = await startUsageProxy(t);
  await proxy.exchange('/anthropic/v1/messages?key=QUERYSECRET', {
    'user-agent': 'my-agent/1.0 (/home/alice/secret-project; pid 4242)',
    'x-api-key': 'sk-ant-KEYSECRET',
    authorization: 'Bearer sk-BEARERSECRET',
    'x-claude-code-session-id': 'SESSIONSECRET-1234',
    'x-test-model': '/srv/models/llama-3-8b.gguf',
  });
  await proxy.exchange('/openai/v1/chat/completions', {
    'user-agent': 'tool 1.2 pid 4242 on alice-laptop',
  });
  const samples = await scrapeSamples(proxy);

  const values = samples.flatMap((sample) => Object.values(sample.labels));
  for (const value of values) {
    assert.doesNotMatch(value, /SECRET|alice|4242|\/srv|v1\/messages|chat\/completions/, value);
  }
  assert.deepEqual(
    labelValues(samples, 'memex_requests_total', 'client'),
    new Set(['my-agent', 'other']),
  );
  assert.deepEqual(
    labelValues(samples, 'memex_requests_total', 'model'),
    new Set(['llama-3-8b.gguf', 'gpt-4.1']),
  );
});

test('rate-limit utilization per provider, account and window, read when scraped', async (t) => {
  const proxy = await startUsageProxy(t);
  await proxy.exchange('/anthropic/v1/messages', { ...CLAUDE, 'x-test-limits': 'subscription' });
  const samples = await scrapeSamples(proxy);
  const [account] = proxy.proxy.stats.snapshot().limits.accounts;
  assert.ok(account !== undefined);
  const labels = { provider: account.provider, account: account.fingerprint };
  assert.equal(account.provider, 'anthropic-subscription');
  const name = 'memex_rate_limit_utilization_ratio';
  assert.equal(valueOf(samples, name, { ...labels, window: '5h' }), 0.21);
  assert.equal(valueOf(samples, name, { ...labels, window: '7d' }), 0.68);
});

test('requests in flight and tunnels by host', async (t) => {
  let arrived!: (res: ServerResponse) => void;
  const held = new Promise<ServerResponse>((resolve) => (arrived = resolve));
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    arrived(res);
  });
  const target = await startTcpUpstream(t);
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
  const scrape = async () =>
    parseExposition((await send(`${proxy.url}/_memex/metrics`)).body.toString('utf8'));

  const recorded = proxy.nextRecord();
  const reply = send(`${proxy.url}/up/v1/messages`, { method: 'POST' }, '{}');
  const res = await held;
  assert.equal(valueOf(await scrape(), 'memex_requests_active'), 1);
  res.end('{}');
  await reply;
  await recorded;
  assert.equal(valueOf(await scrape(), 'memex_requests_active'), 0);

  const opened = once(proxy.events, 'tunnelOpened');
  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${target.port}`);
  assert.equal(tunnel.status, 200);
  await opened;
  assert.equal(valueOf(await scrape(), 'memex_tunnels_total', { host: '127.0.0.1' }), 1);
});

test('with metrics.token, a scrape needs Authorization: Bearer <token>: 401 in memex error shape', async (t) => {
  const token = 'scrape-Token_1.2~3';
  const proxy = await startUsageProxy(t, { metrics: { token } });
  for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`]) {
    const reply = await proxy.scrape(authorization === undefined ? {} : { authorization });
    assert.equal(reply.status, 401, String(authorization));
    assert.equal(reply.headers['www-authenticate'], 'Bearer realm="memex"');
    assert.equal(reply.headers['x-memex-error'], 'METRICS_TOKEN_REQUIRED');
    assert.equal(errorOf(reply.body).type, 'proxy_error');
    assert.ok(!reply.body.toString().includes(token));
  }
  for (const authorization of [`Bearer ${token}`, `bearer  ${token} `]) {
    const reply = await proxy.scrape({ authorization });
    assert.equal(reply.status, 200, authorization);
    assert.match(reply.body.toString(), /^# TYPE memex_requests_total counter$/m);
  }
  // The token guards the metrics only: the loopback stats stay as they were.
  assert.equal((await send(`${proxy.url}/_memex/stats`)).status, 200);
});

test('beyond loopback, a valid token alone admits a scrape; without one, proxy credentials do', async (t) => {
  const auth = { username: 'lan', password: 'lan-pass-7f3a' };
  const basic = `Basic ${Buffer.from('lan:lan-pass-7f3a').toString('base64')}`;
  const token = 'a-long-random-token';
  const withToken = await startObservedProxy(t, { host: '0.0.0.0', auth, metrics: { token } });
  const withoutToken = await startObservedProxy(t, { host: '0.0.0.0', auth });
  const status = async (port: number, path: string, headers: Record<string, string>) =>
    (await send(`http://127.0.0.1:${port}${path}`, { headers })).status;

  const bearer = { authorization: `Bearer ${token}` };
  const credentials = { 'proxy-authorization': basic };
  assert.equal(await status(withToken.port, '/_memex/metrics', bearer), 200);
  assert.equal(await status(withToken.port, '/_memex/metrics', credentials), 401);
  assert.equal(await status(withToken.port, '/_memex/metrics', { ...credentials, ...bearer }), 200);
  assert.equal(await status(withToken.port, '/_memex/stats', bearer), 407);
  assert.equal(
    await status(withToken.port, '/_memex/metrics', { ...bearer, origin: 'https://evil.example' }),
    403,
  );

  assert.equal(await status(withoutToken.port, '/_memex/metrics', {}), 407);
  assert.equal(await status(withoutToken.port, '/_memex/metrics', bearer), 407);
  assert.equal(await status(withoutToken.port, '/_memex/metrics', credentials), 200);
});
