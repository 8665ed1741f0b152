// docs/grafana-memex.json is built on what memex really exposes: every metric its queries name
// is in a real scrape (after traffic that fills every family), every label they group by is on
// that metric, and every memex family has a panel.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { basicAuth } from '../../helpers/client.js';
import { parseExposition } from '../../helpers/prometheus-text.js';
import { openTunnel, startTcpUpstream } from '../../helpers/tunnel.js';
import { startUsageProxy } from '../../helpers/usage-upstream.js';

const DASHBOARD = new URL('../../../../docs/grafana-memex.json', import.meta.url);
const METRIC = /\b(?:memex|process|nodejs)_[a-zA-Z0-9_]+/g;
const GROUPING = /\b(?:by|without)\s*\(([^)]*)\)/g;

/** Every PromQL expression of the dashboard: its panels' targets and its query variables. */
function expressionsOf(dashboard: unknown): string[] {
  const found: string[] = [];
  for (const panel of list(field(dashboard, 'panels'))) {
    for (const target of list(field(panel, 'targets'))) found.push(text(field(target, 'expr')));
  }
  for (const variable of list(field(field(dashboard, 'templating'), 'list'))) {
    if (field(variable, 'type') === 'query') {
      found.push(text(field(field(variable, 'query'), 'query')));
    }
  }
  return found;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && name in value
    ? (value as Readonly<Record<string, unknown>>)[name]
    : undefined;
}

function list(value: unknown): unknown[] {
  assert.ok(Array.isArray(value), `expected a list: ${JSON.stringify(value)}`);
  return value;
}

function text(value: unknown): string {
  assert.equal(typeof value, 'string');
  return String(value);
}

test('every metric and label the Grafana dashboard queries is in a real scrape', async (t) => {
  const dashboard: unknown = JSON.parse(await readFile(DASHBOARD, 'utf8'));
  // With a proxy user, so the series carry the user label the per-user panels group by.
  const proxy = await startUsageProxy(t, {
    pricing: { 'claude-*': { input_per_mtok: 3, output_per_mtok: 15 } },
    auth: { username: 'alice', password: 'alice-pw' },
  });
  const alice = { 'proxy-authorization': basicAuth('alice', 'alice-pw') };
  const claude = { 'user-agent': 'claude-cli/2.0.14 (external, cli)', ...alice };
  await proxy.exchange('/anthropic/v1/messages', { ...claude, 'x-test-limits': 'subscription' });
  await proxy.exchange('/anthropic/v1/messages', { ...claude, 'x-test-status': '429' });
  const target = await startTcpUpstream(t);
  const opened = once(proxy.events, 'tunnelOpened');
  const tunnel = await openTunnel(t, proxy.port, `127.0.0.1:${target.port}`, undefined, alice);
  assert.equal(tunnel.status, 200);
  await opened;
  const text = (await proxy.scrape(alice)).body.toString('utf8');
  const samples = parseExposition(text);

  const expressions = expressionsOf(dashboard);
  assert.ok(expressions.length >= 16, `${expressions.length} queries`);
  const used = new Set<string>();
  for (const expr of expressions) {
    const names = expr.match(METRIC) ?? [];
    assert.ok(names.length > 0, expr);
    const labels = new Set(['le', 'instance', 'job']);
    for (const name of names) {
      used.add(name);
      const series = samples.filter((sample) => sample.name === name);
      assert.ok(series.length > 0, `${name} (in ${expr}) is not in the scrape`);
      for (const sample of series)
        for (const label of Object.keys(sample.labels)) labels.add(label);
    }
    for (const [, list = ''] of expr.matchAll(GROUPING)) {
      for (const label of list.split(',').map((name) => name.trim())) {
        assert.ok(labels.has(label), `${expr} groups by ${label}, which ${names.join(', ')} lacks`);
      }
    }
  }
  const families = [...text.matchAll(/^# TYPE (memex_\w+) (\w+)$/gm)];
  assert.equal(families.length, 10);
  for (const [, family = '', type] of families) {
    const series = type === 'histogram' ? `${family}_bucket` : family;
    assert.ok(used.has(series), `no panel shows ${family}`);
  }
});
