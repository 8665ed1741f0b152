// Token usage in the dashboard, in real headless Chromium: today's tokens on the schema cards,
// the per-model table with costs when priced, tokens per minute from the growth between states,
// and the tokens column of the recent requests.

import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { SchemaId } from '../../proxy-core/http/schema.js';
import type { UsageOutcome } from '../../proxy-core/usage/outcome.js';
import { UsageTotals, type DayTotals } from '../../proxy-core/usage/totals.js';
import {
  MINUTE,
  TIME,
  request,
  setUpDashboard,
  state,
  statsOf,
  texts,
  visibleRows,
} from './harness.js';

const { dashboardTest } = setUpDashboard();

const counted = (
  model: string,
  input: number,
  output: number,
  cacheRead = 0,
  cacheWrite = 0,
): UsageOutcome => ({ kind: 'counted', model, tokens: { input, output, cacheRead, cacheWrite } });

/** Today's totals as the worker and the store make them, through the real UsageTotals. */
function today(outcomes: readonly (readonly [SchemaId, UsageOutcome])[]): DayTotals {
  const totals = new UsageTotals();
  for (const [schema, outcome] of outcomes) totals.add(schema, outcome, '2025-01-15');
  return totals.snapshot().days['2025-01-15'] ?? { schemas: {}, models: {} };
}

const DAY = today([
  ['anthropic', counted('claude-sonnet-4-5', 4_000, 1_500, 30_100, 0)],
  ['anthropic', counted('claude-sonnet-4-5', 1_000, 800, 0, 2_000)],
  ['anthropic', counted('claude-haiku-4-5', 500, 100)],
  ['openai', { kind: 'unknown', model: 'gpt-4.1' }],
  ['openai', { kind: 'unparsed', model: 'gpt-4.1' }],
]);

async function modelRows(page: Page): Promise<string[][]> {
  const rows = page.locator('#usage-body tr:not([hidden])');
  const result: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    result.push(await texts(rows.nth(i).locator('td:visible')));
  }
  return result;
}

async function tokenBars(page: Page): Promise<number[]> {
  return page
    .locator('#usage-chart .bar')
    .evaluateAll((elements: { getAttribute(name: string): string | null }[]) =>
      elements.map((bar) => Number(bar.getAttribute('data-count'))),
    );
}

dashboardTest('before any tokens today the panel says so and cards say none', async (d) => {
  const { page } = d;
  await d.push(state());
  assert.equal(await page.locator('#usage-none').isVisible(), true);
  assert.equal(await page.locator('#usage-table').isHidden(), true);
  assert.equal(await page.locator('#usage-summary').textContent(), '');
  assert.deepEqual(await texts(page.locator('.card-tokens')), [
    'No tokens today',
    'No tokens today',
  ]);
});

dashboardTest("cards show today's tokens per schema, or that they are unknown", async (d) => {
  const { page } = d;
  await d.push(state({ usageToday: DAY }));
  const anthropic = page.locator('.card[data-schema="anthropic"] .card-tokens');
  // In: 4,000 + 30,100 cached + 1,000 + 2,000 written + 500 = 37,600; out: 2,400.
  assert.equal(await anthropic.textContent(), '37.6k in / 2.4k out today');
  assert.equal(
    await page.locator('.card[data-schema="openai"] .card-tokens').textContent(),
    'Tokens unknown today',
  );
  assert.equal(
    await page.locator('#usage-summary').textContent(),
    '40.0k tokens · 37.6k in / 2.4k out',
  );
});

dashboardTest(
  'the model table lists today per model, busiest first, no cost unpriced',
  async (d) => {
    const { page } = d;
    await d.push(state({ usageToday: DAY }));
    assert.equal(await page.locator('#usage-table').isVisible(), true);
    assert.equal(await page.locator('#usage-table th.cost').isHidden(), true);
    assert.deepEqual(await modelRows(page), [
      ['claude-sonnet-4-5', '2', '5.0k', '2.3k', '30.1k', '2.0k', '0'],
      ['claude-haiku-4-5', '1', '500', '100', '0', '0', '0'],
      ['gpt-4.1', '2', '—', '—', '—', '—', '2'],
    ]);
    assert.equal(
      await page.locator('#usage-body tr').first().locator('td').nth(4).getAttribute('title'),
      '30,100',
    );
  },
);

dashboardTest(
  'with pricing, costs per model and for the day; unpriced models show —',
  async (d) => {
    const { page } = d;
    const pricing = {
      'claude-sonnet-4*': {
        input_per_mtok: 3,
        output_per_mtok: 15,
        cache_read_per_mtok: 0.3,
        cache_write_per_mtok: 3.75,
      },
    };
    await d.push(state({ usageToday: DAY, pricing }));
    assert.equal(await page.locator('#usage-table th.cost').isVisible(), true);
    // 5,000 × 3 + 2,300 × 15 + 30,100 × 0.3 + 2,000 × 3.75 per million = 0.06603.
    const rows = await modelRows(page);
    assert.deepEqual(
      rows.map((row) => row.at(-1)),
      ['0.07', '—', '—'],
    );
    // Haiku has tokens but no price: the day's cost is a lower bound.
    assert.equal(
      await page.locator('#usage-summary').textContent(),
      '40.0k tokens · 37.6k in / 2.4k out · cost ≥ 0.07',
    );

    await d.push(
      state({ usageToday: DAY, pricing: { ...pricing, 'claude-*': { output_per_mtok: 1 } } }),
    );
    assert.equal(
      await page.locator('#usage-summary').textContent(),
      '40.0k tokens · 37.6k in / 2.4k out · cost 0.07',
    );
  },
);

dashboardTest('charts tokens per minute from the growth of today between states', async (d) => {
  const { page } = d;
  const first = today([['anthropic', counted('m', 1_000, 200)]]);
  await d.push(state({ usageToday: first, time: TIME }));
  // What was counted before the window opened, with no request to date it, stays out.
  assert.deepEqual(await tokenBars(page), Array<number>(15).fill(0));

  const second = today([
    ['anthropic', counted('m', 1_000, 200)],
    ['anthropic', counted('m', 3_000, 500, 1_500)],
  ]);
  await d.push(state({ usageToday: second, time: TIME + 10_000 }));
  assert.deepEqual((await tokenBars(page)).slice(-2), [0, 5_000]);
  assert.equal(await page.locator('#usage-rate').textContent(), '5.0k/min now · peak 5.0k');

  // Past midnight today starts again from zero: what the new day counted is new.
  const midnight = today([['anthropic', counted('m', 700, 50)]]);
  await d.push(state({ usageToday: midnight, time: TIME + MINUTE + 5_000 }));
  assert.deepEqual((await tokenBars(page)).slice(-2), [5_000, 750]);
  assert.match(
    (await page.locator('#usage-chart svg').getAttribute('aria-label')) ?? '',
    /^Tokens per minute, last 15 minutes/,
  );
});

dashboardTest('the first state places recent counted tokens in their minutes', async (d) => {
  const { page } = d;
  const records = [
    request({ time: TIME - 1000, usage: counted('m', 100, 20, 880) }),
    request({ time: TIME - 2 * MINUTE, usage: counted('m', 10, 5) }),
    request({ time: TIME - 3000, usage: { kind: 'unknown', model: 'm' } }),
    request({ time: TIME - 4000 }),
  ];
  await d.push(state({ stats: statsOf(records), usageToday: today([]) }));
  assert.deepEqual((await tokenBars(page)).slice(-3), [15, 0, 1_000]);
});

dashboardTest('recent requests show prompt → output tokens, unknown, or —', async (d) => {
  const { page } = d;
  const records = [
    request({ time: TIME - 1000, usage: counted('claude-sonnet-4-5', 1_234, 56, 30_000, 766) }),
    request({ time: TIME - 2000, usage: counted('claude-haiku-4-5', 12, 3) }),
    request({ time: TIME - 3000, usage: { kind: 'unknown', model: 'gpt-4.1' } }),
    request({ time: TIME - 4000, usage: { kind: 'unparsed', model: '' } }),
    request({ time: TIME - 5000, status: 529 }),
  ];
  await d.push(state({ stats: statsOf(records) }));
  const cells = visibleRows(page).locator('td.tokens');
  assert.deepEqual(await texts(cells), ['32.0k → 56', '12 → 3', 'unknown', 'unknown', '—']);
  assert.equal(
    await cells.nth(0).getAttribute('title'),
    'claude-sonnet-4-5: 1,234 input, 30,000 cache read, 766 cache write, 56 output',
  );
  assert.equal(
    await cells.nth(2).getAttribute('title'),
    'gpt-4.1: the response carried no token counts',
  );
  assert.equal(await cells.nth(3).getAttribute('title'), 'the response could not be read');
});
