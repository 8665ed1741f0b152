import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dayKey,
  MAX_MODELS_PER_DAY,
  UsageTotals,
  type UsageTally,
} from '../../../proxy-core/usage/totals.js';

const tokens = { input: 10, output: 20, cacheRead: 30, cacheWrite: 40 };

function tally(fields: Partial<UsageTally>): UsageTally {
  return {
    requests: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    unknown: 0,
    unparsed: 0,
    ...fields,
  };
}

test('dayKey is the local calendar date, zero-padded', () => {
  assert.equal(dayKey(new Date(2026, 0, 5, 23, 59)), '2026-01-05');
  assert.equal(dayKey(new Date(2026, 11, 31, 0, 0)), '2026-12-31');
});

test('outcomes add up per day, per family and per model', () => {
  const totals = new UsageTotals();
  totals.add('anthropic', { kind: 'counted', model: 'claude', tokens }, '2026-11-25');
  totals.add('anthropic', { kind: 'counted', model: 'claude', tokens }, '2026-11-25');
  totals.add('openai', { kind: 'unknown', model: 'gpt' }, '2026-11-25');
  totals.add('openai', { kind: 'unparsed', model: '' }, '2026-11-26');
  assert.deepEqual(totals.snapshot(), {
    version: 1,
    days: {
      '2026-11-25': {
        schemas: {
          anthropic: tally({ requests: 2, input: 20, output: 40, cacheRead: 60, cacheWrite: 80 }),
          openai: tally({ requests: 1, unknown: 1 }),
        },
        models: {
          claude: tally({ requests: 2, input: 20, output: 40, cacheRead: 60, cacheWrite: 80 }),
          gpt: tally({ requests: 1, unknown: 1 }),
        },
      },
      '2026-11-26': {
        schemas: { openai: tally({ requests: 1, unparsed: 1 }) },
        models: { '': tally({ requests: 1, unparsed: 1 }) },
      },
    },
  });
});

test('a snapshot is a copy that later adds do not change', () => {
  const totals = new UsageTotals();
  totals.add('gemini', { kind: 'counted', model: 'g', tokens }, '2026-11-25');
  const before = totals.snapshot();
  totals.add('gemini', { kind: 'counted', model: 'g', tokens }, '2026-11-25');
  assert.equal(before.days['2026-11-25']?.schemas.gemini?.requests, 1);
});

test('a persisted snapshot round-trips through JSON and merges by adding', () => {
  const first = new UsageTotals();
  first.add('ollama', { kind: 'counted', model: 'llama', tokens }, '2026-11-25');
  const saved: unknown = JSON.parse(JSON.stringify(first.snapshot()));
  const second = new UsageTotals();
  second.add('ollama', { kind: 'counted', model: 'llama', tokens }, '2026-11-25');
  assert.equal(second.merge(saved), 0);
  assert.equal(second.snapshot().days['2026-11-25']?.models['llama']?.input, 20);
});

test('merge skips malformed parts and keeps the rest', () => {
  const good = tally({ requests: 1, input: 5 });
  const totals = new UsageTotals();
  const skipped = totals.merge({
    version: 1,
    days: {
      '2026-11-25': {
        schemas: { anthropic: good, bogus: good, openai: { ...good, input: -1 } },
        models: { m: good, n: { ...good, output: 'x' }, o: null },
      },
      'not-a-day': { schemas: { anthropic: good }, models: {} },
      '2026-11-24': 'nope',
      '2026-11-23': { schemas: [], models: 7 },
    },
  });
  assert.equal(skipped, 6);
  assert.deepEqual(totals.snapshot(), {
    version: 1,
    days: { '2026-11-25': { schemas: { anthropic: good }, models: { m: good } } },
  });
});

test('merge of something that is not a snapshot changes nothing', () => {
  for (const value of [null, 42, 'x', [], {}, { version: 2, days: {} }, { version: 1 }]) {
    const totals = new UsageTotals();
    assert.equal(totals.merge(value), 1);
    assert.deepEqual(totals.snapshot(), { version: 1, days: {} });
  }
});

test('prune keeps the last N local days, today included', () => {
  const totals = new UsageTotals();
  for (const day of ['2026-10-25', '2026-10-26', '2026-11-24', '2026-11-25', '2026-11-27']) {
    totals.add('openai', { kind: 'unknown', model: 'm' }, day);
  }
  totals.prune(new Date(2026, 10, 25, 12), 31);
  assert.deepEqual(Object.keys(totals.snapshot().days), [
    '2026-10-26',
    '2026-11-24',
    '2026-11-25',
    '2026-11-27',
  ]);
  totals.prune(new Date(2026, 10, 25, 12), 1);
  assert.deepEqual(Object.keys(totals.snapshot().days), ['2026-11-25', '2026-11-27']);
});

test('models beyond the per-day cap are collected under the empty name', () => {
  const totals = new UsageTotals();
  for (let index = 0; index <= MAX_MODELS_PER_DAY; index++) {
    totals.add('openai', { kind: 'unknown', model: `m${index}` }, '2026-11-25');
  }
  const models = totals.snapshot().days['2026-11-25']?.models ?? {};
  assert.equal(Object.keys(models).length, MAX_MODELS_PER_DAY + 1);
  assert.equal(models['']?.requests, 1);
  assert.equal(models[`m${MAX_MODELS_PER_DAY}`], undefined);
});
