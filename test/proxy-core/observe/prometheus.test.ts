// A real Prometheus scrapes a real memex (issue 18): with the bearer token of metrics.token, as
// OpenMetrics (what Prometheus asks for first), and the sums it stores are /_memex/stats's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatsSnapshot } from '../../../shared/snapshot.js';
import { send } from '../../helpers/client.js';
import { queryUntilAnswered, startPrometheus, waitForTargetUp } from '../../helpers/prometheus.js';
import { startUsageProxy } from '../../helpers/usage-upstream.js';

test('Prometheus scrapes /_memex/metrics and its request and token sums are those of /_memex/stats', async (t) => {
  const token = 'prometheus-scrape-token';
  const proxy = await startUsageProxy(t, { metrics: { token } });
  const claude = { 'user-agent': 'claude-cli/2.0.14 (external, cli)' };
  for (let i = 0; i < 3; i++) await proxy.exchange('/anthropic/v1/messages', claude);
  await proxy.exchange('/openai/v1/chat/completions', { 'user-agent': 'OpenAI/JS 5.0.0' });
  await proxy.exchange('/anthropic/v1/messages', { ...claude, 'x-test-status': '429' });
  const stats = JSON.parse(
    (await send(`${proxy.url}/_memex/stats`)).body.toString(),
  ) as StatsSnapshot;

  const prometheus = await startPrometheus(t, proxy.port, token);
  await waitForTargetUp(prometheus);

  const [requests] = await queryUntilAnswered(prometheus, 'sum(memex_requests_total)');
  const total = Object.values(stats.requests).reduce((sum, count) => sum + count, 0);
  assert.equal(total, 5);
  assert.equal(requests?.value, total);

  const byType = await queryUntilAnswered(prometheus, 'sum by (type) (memex_tokens_total)');
  const tallies = Object.values(stats.usage.days).flatMap((day) => Object.values(day.schemas));
  const expected: Record<string, number> = { input: 0, output: 0, cache_read: 0, cache_write: 0 };
  for (const tally of tallies) {
    expected['input'] = (expected['input'] ?? 0) + tally.input;
    expected['output'] = (expected['output'] ?? 0) + tally.output;
    expected['cache_read'] = (expected['cache_read'] ?? 0) + tally.cacheRead;
    expected['cache_write'] = (expected['cache_write'] ?? 0) + tally.cacheWrite;
  }
  assert.deepEqual(
    Object.fromEntries(byType.map((sample) => [sample.labels['type'], sample.value])),
    expected,
  );
  assert.deepEqual(expected, { input: 46, output: 22, cache_read: 13, cache_write: 6 });

  const [limited] = await queryUntilAnswered(prometheus, 'sum(memex_rate_limited_total)');
  assert.equal(limited?.value, 1);
  const p95 = await queryUntilAnswered(
    prometheus,
    'histogram_quantile(0.95, sum by (le, schema) (memex_request_duration_seconds_bucket))',
  );
  assert.deepEqual(
    new Set(p95.map((sample) => sample.labels['schema'])),
    new Set(['anthropic', 'openai']),
  );
});
