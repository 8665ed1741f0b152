// OTLP push for real (issue 18): a real proxy's counts go through the OpenTelemetry SDK's
// OTLP/HTTP exporter to a local receiver (JSON encoding), under the GenAI conventions' names
// and with the values /_memex/stats has; memex-proxy pushes as configured, says once that a
// collector refuses, keeps serving, and never loads the SDK when nothing is configured.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, type Config } from '../../../proxy-core/config/config.js';
import { keepOtlp } from '../../../proxy-core/entry/otlp.js';
import { createExportProblems } from '../../../proxy-core/observe/export-problems.js';
import { metricsUrl } from '../../../proxy-core/observe/otlp.js';
import type { StatsSnapshot } from '../../../shared/snapshot.js';
import { send } from '../../helpers/client.js';
import { pointsOf, startOtlpReceiver, total, type Received } from '../../helpers/otlp-receiver.js';
import { spawnProcess, type Spawned } from '../../helpers/process-spawn.js';
import { startUsageProxy, startUsageUpstream } from '../../helpers/usage-upstream.js';

const CLI = fileURLToPath(new URL('../../../bin/memex-proxy.cjs', import.meta.url));

function otlpConfig(endpoint: string, headers: Record<string, string> = {}): Config {
  return { ...DEFAULT_CONFIG, otlp: { endpoint, headers, interval_ms: 1_000 } };
}

test('the endpoint is a base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is read', () => {
  assert.equal(metricsUrl('http://collector:4318'), 'http://collector:4318/v1/metrics');
  assert.equal(metricsUrl('http://collector:4318/'), 'http://collector:4318/v1/metrics');
  assert.equal(metricsUrl('https://otlp.example/otlp'), 'https://otlp.example/otlp/v1/metrics');
  assert.equal(metricsUrl('http://c:4318/v1/metrics'), 'http://c:4318/v1/metrics');
});

test('an unreachable collector is said at once, then at most once a minute, and its return once', () => {
  const lines: string[] = [];
  let now = 0;
  const problems = createExportProblems(
    'http://c:4318/v1/metrics',
    (line) => lines.push(line),
    () => now,
  );
  for (; now <= 180_000; now += 1_000) problems.failed('connect ECONNREFUSED 127.0.0.1:4318');
  problems.succeeded();
  problems.succeeded();
  assert.equal(lines.length, 5);
  assert.match(
    lines[0] ?? '',
    /^OTLP export to http:\/\/c:4318\/v1\/metrics failed: connect ECONNREFUSED/,
  );
  assert.match(lines[1] ?? '', /\(59 more failed since the last message\)/);
  assert.equal(lines[4], 'OTLP export to http://c:4318/v1/metrics works again');
});

test('a real proxy pushes GenAI-named metrics whose values are those of /_memex/stats', async (t) => {
  const receiver = await startOtlpReceiver(t);
  const pricing = { 'claude-*': { input_per_mtok: 1_000_000 } };
  const proxy = await startUsageProxy(t, { pricing });
  const problems: string[] = [];
  const keeper = keepOtlp(proxy.proxy.stats, '9.9.9', (line) => problems.push(line));
  t.after(() => keeper.close());
  await keeper.apply({ ...otlpConfig(receiver.url, { 'x-collector-key': 'k-1' }), pricing });

  const claude = { 'user-agent': 'claude-cli/2.0.14 (external, cli)' };
  for (let i = 0; i < 3; i++) await proxy.exchange('/anthropic/v1/messages', claude);
  await proxy.exchange('/openai/v1/chat/completions', { 'user-agent': 'OpenAI/JS 5.0.0' });
  await proxy.exchange('/anthropic/v1/messages', { ...claude, 'x-test-status': '429' });
  const stats = JSON.parse(
    (await send(`${proxy.url}/_memex/stats`)).body.toString(),
  ) as StatsSnapshot;

  const pushed = await receiver.waitFor(
    (received) => total(received, 'memex.requests', 'value') === 5,
    'all five requests',
  );
  assert.deepEqual(problems, []);
  assert.equal(pushed.headers['x-collector-key'], 'k-1');
  assert.equal(pushed.resource['service.name'], 'memex');
  assert.equal(pushed.resource['service.version'], '9.9.9');

  const anthropic = { 'gen_ai.provider.name': 'anthropic', 'gen_ai.operation.name': 'chat' };
  const usage = 'gen_ai.client.token.usage';
  // Anthropic reports 10 input, 3 cache reads, 2 cache writes: a 15-token prompt.
  assert.equal(total(pushed, usage, 'sum', { ...anthropic, 'gen_ai.token.type': 'input' }), 45);
  assert.equal(total(pushed, usage, 'count', { ...anthropic, 'gen_ai.token.type': 'input' }), 3);
  assert.equal(total(pushed, usage, 'sum', { ...anthropic, 'gen_ai.token.type': 'output' }), 15);
  const openai = { 'gen_ai.provider.name': 'openai', 'gen_ai.response.model': 'gpt-4.1' };
  assert.equal(total(pushed, usage, 'sum', { ...openai, 'gen_ai.token.type': 'input' }), 20);
  assert.equal(total(pushed, usage, 'sum', { ...openai, 'gen_ai.token.type': 'output' }), 7);
  const [point] = pointsOf(pushed, usage, anthropic);
  assert.ok(point !== undefined);
  assert.equal(point.unit, '{token}');
  assert.equal(point.attributes['gen_ai.response.model'], 'claude-sonnet-4-5');
  assert.equal(point.attributes['gen_ai.request.model'], undefined);

  const duration = 'gen_ai.client.operation.duration';
  assert.equal(total(pushed, duration, 'count'), 5);
  assert.equal(total(pushed, duration, 'count', { 'error.type': '429' }), 1);
  assert.equal(pointsOf(pushed, duration)[0]?.unit, 's');

  // memex's own counters sum to what /_memex/stats counted.
  const requests = Object.values(stats.requests).reduce((sum, count) => sum + count, 0);
  assert.equal(total(pushed, 'memex.requests', 'value'), requests);
  assert.equal(total(pushed, 'memex.requests', 'value', { 'http.response.status_code': 429 }), 1);
  assert.equal(total(pushed, 'memex.requests', 'value', { 'memex.client': 'Claude Code' }), 4);
  const tallies = Object.values(stats.usage.days).flatMap((day) => Object.values(day.schemas));
  const sumOf = (field: 'input' | 'output' | 'cacheRead' | 'cacheWrite'): number =>
    tallies.reduce((sum, tally) => sum + tally[field], 0);
  const tokens = (type: string): number =>
    total(pushed, 'memex.tokens', 'value', { 'memex.token.type': type });
  assert.deepEqual(
    [tokens('input'), tokens('output'), tokens('cache_read'), tokens('cache_write')],
    [sumOf('input'), sumOf('output'), sumOf('cacheRead'), sumOf('cacheWrite')],
  );
  assert.deepEqual([tokens('input'), tokens('output')], [46, 22]);
  // 30 uncached Claude input tokens at 1,000,000 a million; gpt-4.1 has no price.
  assert.equal(total(pushed, 'memex.cost', 'value'), 30);
});

test('a reload that drops otlp stops the push; closing pushes what was left', async (t) => {
  const receiver = await startOtlpReceiver(t);
  const proxy = await startUsageProxy(t);
  const keeper = keepOtlp(proxy.proxy.stats, '9.9.9', () => undefined);
  t.after(() => keeper.close());
  await keeper.apply(otlpConfig(receiver.url));
  await proxy.exchange('/anthropic/v1/messages');
  // Closing flushes: the request is pushed without waiting for the interval.
  await keeper.apply(DEFAULT_CONFIG);
  const last = receiver.exports.at(-1);
  assert.ok(last !== undefined, 'the push that stopped sent what it had');
  assert.equal(total(last, 'memex.requests', 'value'), 1);
  const count = receiver.exports.length;
  await proxy.exchange('/anthropic/v1/messages');
  await keeper.close();
  assert.equal(receiver.exports.length, count);
});

interface Cli {
  readonly process: Spawned;
  readonly url: string;
}

async function startCli(t: TestContext, config: string, env: NodeJS.ProcessEnv = {}): Promise<Cli> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-otlp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const upstream = await startUsageUpstream(t);
  const file = join(dir, 'memex.yml');
  await writeFile(file, `attribution:\n  processes: false\n${config}`);
  const cli = spawnProcess(
    t,
    process.execPath,
    [
      CLI,
      '--config',
      file,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--upstream',
      `anthropic=${upstream.url}`,
    ],
    { env: { PATH: process.env['PATH'], HOME: dir, ...env } },
  );
  const line = await cli.line('stdout', /listening on http:\/\/127\.0\.0\.1:\d+/);
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
  assert.ok(url !== undefined);
  return { process: cli, url };
}

async function message(url: string): Promise<number> {
  const reply = await send(`${url}/anthropic/v1/messages`, { method: 'POST' }, '{}');
  return reply.status;
}

test('memex-proxy pushes as otlp: says, and its last push goes out on SIGTERM', async (t) => {
  const receiver = await startOtlpReceiver(t);
  const cli = await startCli(t, `otlp:\n  endpoint: ${receiver.url}\n  interval_ms: 60000\n`);
  assert.match(cli.process.stdout(), new RegExp(`otlp: +${receiver.url}/v1/metrics`));
  assert.equal(await message(cli.url), 200);
  assert.equal(await message(cli.url), 200);
  process.kill(cli.process.pid, 'SIGTERM');
  assert.equal((await cli.process.exited).code, 0);
  const last: Received | undefined = receiver.exports.at(-1);
  assert.ok(last !== undefined, 'no push before the interval but the last one');
  assert.equal(total(last, 'gen_ai.client.operation.duration', 'count'), 2);
  assert.equal(
    total(last, 'gen_ai.client.token.usage', 'sum', { 'gen_ai.token.type': 'input' }),
    30,
  );
});

test('a collector that refuses costs one line, the proxy serves on, and the push resumes', async (t) => {
  const receiver = await startOtlpReceiver(t);
  receiver.refuseWith(400);
  const cli = await startCli(t, `otlp:\n  endpoint: ${receiver.url}\n  interval_ms: 1000\n`);
  assert.equal(await message(cli.url), 200);
  await cli.process.line('stderr', /OTLP export to \S+ failed/);
  await receiver.waitForRefused(3);
  assert.equal(await message(cli.url), 200);
  const failures = cli.process.stderr().match(/OTLP export to \S+ failed/g) ?? [];
  assert.equal(failures.length, 1, cli.process.stderr());
  receiver.refuseWith(null);
  await cli.process.line('stderr', /OTLP export to \S+ works again/);
  const pushed = await receiver.waitFor(
    (received) => total(received, 'memex.requests', 'value') === 2,
    'both requests',
  );
  assert.equal(total(pushed, 'gen_ai.client.operation.duration', 'count'), 2);
});

test('memex-proxy loads the OpenTelemetry SDK only when otlp.endpoint is set', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'memex-otlp-hook-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const hook = join(dir, 'hook.cjs');
  // Notes every module under @opentelemetry/ that is resolved, by require or import(), and
  // writes the list when the process ends.
  await writeFile(
    hook,
    "const { registerHooks } = require('node:module'); const fs = require('node:fs');\n" +
      'const seen = new Set();\n' +
      'registerHooks({ resolve(specifier, context, next) {\n' +
      "  if (specifier.startsWith('@opentelemetry/')) seen.add(specifier);\n" +
      '  return next(specifier, context);\n' +
      '} });\n' +
      "process.on('exit', () => fs.writeFileSync(process.env.MEMEX_HOOK_OUT, JSON.stringify([...seen])));\n",
  );
  const loaded = async (config: string, out: string): Promise<string[]> => {
    const receiver = await startOtlpReceiver(t);
    const cli = await startCli(t, config.replace('RECEIVER', receiver.url), {
      NODE_OPTIONS: `--require ${hook}`,
      MEMEX_HOOK_OUT: out,
    });
    assert.equal(await message(cli.url), 200);
    process.kill(cli.process.pid, 'SIGTERM');
    assert.equal((await cli.process.exited).code, 0);
    return JSON.parse(await readFile(out, 'utf8')) as string[];
  };
  assert.deepEqual(await loaded('', join(dir, 'off.json')), []);
  const on = await loaded('otlp:\n  endpoint: RECEIVER\n', join(dir, 'on.json'));
  assert.ok(on.includes('@opentelemetry/sdk-metrics'), JSON.stringify(on));
});
