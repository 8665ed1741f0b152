// The token-totals file with real files in a temporary directory: load, replace-by-day updates,
// pruning, throttled atomic writes, flush, and a malformed file set aside without a crash.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createUsageStore, USAGE_WRITE_INTERVAL_MS } from '../../main/usage-store.js';
import { dayKey, type UsageSnapshot, type UsageTally } from '../../proxy-core/usage/totals.js';
import { createFakeClock } from '../helpers/supervisor-harness.js';

// Noon local time on 2025-06-12, so day arithmetic is clear of any DST edge.
const NOON = new Date(2025, 5, 12, 12).getTime();
const DAY = 24 * 60 * 60 * 1000;
const TODAY = dayKey(new Date(NOON));

function tally(input: number, output: number): UsageTally {
  return { requests: 1, input, output, cacheRead: 0, cacheWrite: 0, unknown: 0, unparsed: 0 };
}

function usage(days: Record<string, number>): UsageSnapshot {
  const snapshot: UsageSnapshot = { version: 1, days: {} };
  for (const [day, input] of Object.entries(days)) {
    snapshot.days[day] = {
      schemas: { anthropic: tally(input, 10) },
      models: { 'claude-sonnet-4-5': tally(input, 10) },
    };
  }
  return snapshot;
}

async function setUp(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'memex-usage-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'usage.json');
  const clock = createFakeClock();
  clock.advance(NOON);
  const logged: string[] = [];
  const store = createUsageStore({
    file,
    clock,
    log: (message) => logged.push(message),
  });
  t.after(() => store.close());
  const onDisk = async (): Promise<unknown> => JSON.parse(await readFile(file, 'utf8')) as unknown;
  return { dir, file, clock, store, logged, onDisk };
}

test('a missing file is an empty store, and nothing is written until something changes', async (t) => {
  const { dir, store, clock, logged } = await setUp(t);
  await store.load();
  assert.deepEqual(store.snapshot(), { version: 1, days: {} });
  assert.equal(store.day(TODAY), undefined);
  await store.flush();
  assert.deepEqual(await readdir(dir), []);
  assert.deepEqual(clock.pending(), []);
  assert.deepEqual(logged, []);
});

test('updates replace the days they carry, and are written at most once per interval', async (t) => {
  const { file, store, clock, onDisk } = await setUp(t);
  await writeFile(file, JSON.stringify(usage({ '2025-06-10': 5, '2025-06-11': 7, [TODAY]: 100 })));
  await store.load();
  assert.equal(store.day(TODAY)?.schemas.anthropic?.input, 100);

  // The worker was seeded with 100 today, so its 130 already includes them: replaced, not added.
  store.update(usage({ '2025-06-11': 7, [TODAY]: 130 }));
  assert.equal(store.day(TODAY)?.schemas.anthropic?.input, 130);
  assert.equal(store.day('2025-06-10')?.schemas.anthropic?.input, 5);
  assert.deepEqual(clock.pending(), [USAGE_WRITE_INTERVAL_MS]);
  store.update(usage({ [TODAY]: 150 }));
  assert.deepEqual(clock.pending(), [USAGE_WRITE_INTERVAL_MS], 'one write scheduled, not two');
  assert.deepEqual(await onDisk(), usage({ '2025-06-10': 5, '2025-06-11': 7, [TODAY]: 100 }));

  clock.advance(USAGE_WRITE_INTERVAL_MS);
  await store.flush();
  assert.deepEqual(await onDisk(), usage({ '2025-06-10': 5, '2025-06-11': 7, [TODAY]: 150 }));

  // An unchanged snapshot (the worker sends one per change of anything) schedules nothing.
  store.update(usage({ [TODAY]: 150 }));
  assert.deepEqual(clock.pending(), []);
});

test('flush writes at once, atomically, leaving no temporary file', async (t) => {
  const { dir, store, clock, onDisk } = await setUp(t);
  await store.load();
  store.update(usage({ [TODAY]: 42 }));
  await store.flush();
  assert.deepEqual(clock.pending(), []);
  assert.deepEqual(await onDisk(), usage({ [TODAY]: 42 }));
  assert.deepEqual(await readdir(dir), ['usage.json']);
});

test('days older than 31 are pruned on load and as the days go by', async (t) => {
  const { file, store, clock, onDisk } = await setUp(t);
  const old = dayKey(new Date(NOON - 31 * DAY));
  const kept = dayKey(new Date(NOON - 30 * DAY));
  await writeFile(file, JSON.stringify(usage({ [old]: 1, [kept]: 2, [TODAY]: 3 })));
  await store.load();
  assert.deepEqual(Object.keys(store.snapshot().days), [kept, TODAY]);

  clock.advance(DAY);
  store.update(usage({ [dayKey(new Date(NOON + DAY))]: 4 }));
  assert.deepEqual(Object.keys(store.snapshot().days), [TODAY, dayKey(new Date(NOON + DAY))]);
  await store.close();
  assert.deepEqual(Object.keys((await onDisk()) as UsageSnapshot['days']), ['version', 'days']);
  assert.deepEqual(Object.keys(((await onDisk()) as UsageSnapshot).days), [
    TODAY,
    dayKey(new Date(NOON + DAY)),
  ]);
});

test('a malformed file is set aside as .bad and the store starts empty', async (t) => {
  const { dir, file, store, logged } = await setUp(t);
  await writeFile(file, '{"version": 1, "days": {');
  await store.load();
  assert.deepEqual(store.snapshot(), { version: 1, days: {} });
  assert.deepEqual((await readdir(dir)).sort(), ['usage.json.bad']);
  assert.equal(logged.length, 1);
  assert.match(logged[0] ?? '', /malformed/);
  assert.equal(await readFile(`${file}.bad`, 'utf8'), '{"version": 1, "days": {');
});

test('a file with some bad parts keeps the good ones', async (t) => {
  const { file, store, onDisk } = await setUp(t);
  const snapshot = usage({ [TODAY]: 9 }) as unknown as { days: Record<string, unknown> };
  snapshot.days['not-a-day'] = {};
  snapshot.days['2025-06-11'] = { schemas: { anthropic: { requests: -1 } }, models: {} };
  await writeFile(file, JSON.stringify(snapshot));
  await store.load();
  assert.deepEqual(Object.keys(store.snapshot().days), [TODAY]);
  await store.flush();
  assert.deepEqual(await onDisk(), usage({ [TODAY]: 9 }));
});

test('updates from an untrusted snapshot skip what is not a tally', async (t) => {
  const { store } = await setUp(t);
  await store.load();
  store.update({ version: 1, days: { [TODAY]: { schemas: { nope: tally(1, 1) }, models: {} } } });
  store.update('garbage');
  assert.equal(store.day(TODAY), undefined);
  assert.deepEqual(store.snapshot(), { version: 1, days: {} });
});

test('a failed write is reported and tried again on the next flush', async (t) => {
  const { dir, store, logged } = await setUp(t);
  await store.load();
  store.update(usage({ [TODAY]: 1 }));
  // A directory where the file should be: rename fails.
  await rm(dir, { recursive: true, force: true });
  await writeFile(dir, 'not a directory');
  t.after(() => rm(dir, { force: true }));
  await store.flush();
  assert.equal(logged.length, 1);
  assert.match(logged[0] ?? '', /could not save token totals/);
  await rm(dir, { force: true });
  await store.flush();
  assert.deepEqual(
    JSON.parse(await readFile(join(dir, 'usage.json'), 'utf8')),
    usage({ [TODAY]: 1 }),
  );
});

test('retire sets the file aside as .imported and writes no more', async (t) => {
  const { dir, file, store } = await setUp(t);
  await writeFile(file, JSON.stringify(usage({ [TODAY]: 5 })));
  await store.load();
  await store.retire();
  store.update(usage({ [TODAY]: 9 }));
  await store.flush();
  assert.deepEqual(await readdir(dir), ['usage.json.imported']);
  assert.deepEqual(JSON.parse(await readFile(`${file}.imported`, 'utf8')), usage({ [TODAY]: 5 }));
});
