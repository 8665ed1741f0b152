// The worker's history, through the real worker entry: it imports the app's usage.json seed once,
// starts its day totals from the database (so a restart neither loses nor doubles today), and
// answers main's history calls.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DEFAULT_CONFIG, type Config } from '../../../proxy-core/config/config.js';
import { dayKey } from '../../../proxy-core/usage/totals.js';
import { parseCaptureMap, parseDetail } from '../../../proxy-core/history/protocol.js';
import { send } from '../../helpers/client.js';
import { forkWorker, type Worker } from '../../helpers/process-worker.js';
import { startUpstream } from '../../helpers/servers.js';
import type { UsageSnapshot, UsageTally } from '../../../shared/usage.js';

const MESSAGE = JSON.stringify({
  id: 'msg_1',
  type: 'message',
  model: 'claude-sonnet-4-5',
  usage: { input_tokens: 11, output_tokens: 7 },
});

function tally(requests: number, input: number, output: number): UsageTally {
  return { requests, input, output, cacheRead: 0, cacheWrite: 0, unknown: 0, unparsed: 0 };
}

async function setUp(
  t: TestContext,
): Promise<{ config: Config; seed: UsageSnapshot; today: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-worker-history-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
  });
  const today = dayKey(new Date());
  const seed: UsageSnapshot = {
    version: 1,
    days: {
      [today]: {
        schemas: { anthropic: tally(3, 100, 50) },
        models: { 'claude-sonnet-4-5': tally(3, 100, 50) },
      },
    },
  };
  const config: Config = {
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    port: 0,
    upstreams: { anthropic: upstream.url },
    attribution: { processes: false },
    history: { ...DEFAULT_CONFIG.history, path: join(dir, 'history.db') },
    inspector: { ...DEFAULT_CONFIG.inspector, enabled: true },
  };
  return { config, seed, today };
}

async function start(
  t: TestContext,
  config: Config,
  usage?: UsageSnapshot,
): Promise<{ worker: Worker; url: string }> {
  const worker = forkWorker(t);
  await worker.send(
    usage === undefined ? { type: 'start', config } : { type: 'start', config, usage },
  );
  const { port } = await worker.next('listening');
  return { worker, url: `http://127.0.0.1:${port}` };
}

async function stop(worker: Worker): Promise<void> {
  await worker.send({ type: 'stop' });
  assert.deepEqual(await worker.exited, { code: 0, signal: null });
}

test('usage.json is imported once; today carries on from the database across restarts; main asks the history', async (t) => {
  const { config, seed, today } = await setUp(t);
  const first = await start(t, config, seed);
  const initial = await first.worker.next('stats');
  assert.deepEqual(initial.snapshot.usage.days[today]?.schemas.anthropic, tally(3, 100, 50));

  const response = await send(`${first.url}/anthropic/v1/messages`, { method: 'POST' }, '{}');
  assert.equal(response.status, 200);
  const counted = await first.worker.next(
    'stats',
    (m) => m.snapshot.usage.days[today]?.schemas.anthropic?.requests === 4,
  );
  assert.deepEqual(counted.snapshot.usage.days[today]?.schemas.anthropic, tally(4, 111, 57));

  await first.worker.send({
    type: 'history',
    id: 7,
    call: { method: 'query', filter: { limit: 10 } },
  });
  const page = await first.worker.next('history-reply', (m) => m.id === 7);
  const rows = (
    page.value as { rows: { id: number; path: string; input: number; output: number }[] }
  ).rows;
  assert.deepEqual(
    rows.map((row) => [row.path, row.input, row.output]),
    [['/anthropic/v1/messages', 11, 7]],
  );
  const rowId = rows[0]?.id ?? -1;
  await first.worker.send({ type: 'history', id: 10, call: { method: 'detail', id: rowId } });
  const detail = await first.worker.next('history-reply', (m) => m.id === 10);
  const capture = parseDetail(detail.value)?.capture;
  assert.equal(capture?.responseBody?.text, MESSAGE);
  await first.worker.send({ type: 'history', id: 11, call: { method: 'captures', ids: [rowId] } });
  const captures = await first.worker.next('history-reply', (m) => m.id === 11);
  assert.deepEqual([...(parseCaptureMap(captures.value)?.keys() ?? [])], [rowId]);
  await first.worker.send({ type: 'history', id: 8, call: { method: 'totals', filter: {} } });
  const totals = await first.worker.next('history-reply', (m) => m.id === 8);
  const models = (totals.value as { models: { key: string; requests: number }[] }).models;
  assert.deepEqual(
    models.map((model) => [model.key, model.requests]),
    [['claude-sonnet-4-5', 1]],
  );
  await first.worker.send({
    type: 'history',
    id: 9,
    call: { method: 'query', filter: { cursor: 'nope' } },
  });
  const refused = await first.worker.next('error');
  assert.equal(refused.code, 'BAD_MESSAGE');
  await stop(first.worker);

  // The same seed again (main sends it at every start until it retires the file): not doubled.
  const second = await start(t, config, seed);
  const carried = await second.worker.next('stats');
  assert.deepEqual(carried.snapshot.usage.days[today]?.schemas.anthropic, tally(4, 111, 57));
  await stop(second.worker);
});

test('without history the worker says so to main, and still starts from the seed', async (t) => {
  const { config, seed, today } = await setUp(t);
  const { worker } = await start(t, { ...config, history: DEFAULT_CONFIG.history }, seed);
  const initial = await worker.next('stats');
  assert.deepEqual(initial.snapshot.usage.days[today]?.schemas.anthropic, tally(3, 100, 50));
  await worker.send({ type: 'history', id: 1, call: { method: 'clear' } });
  const reply = await worker.next('history-reply');
  assert.deepEqual(reply, { type: 'history-reply', id: 1, problem: 'history is off' });
});
