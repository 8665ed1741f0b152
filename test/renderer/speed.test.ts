// The model speed table in real headless Chromium: a row per model with its time to first byte
// (p50, p95), tokens per second and samples over the last hour, or today's when the last hour had
// none, and — for what was not measured.

import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { emptyStats } from '../../build/preview.js';
import type { LatencySummary, ModelLatency } from '../../shared/snapshot.js';
import { setUpDashboard, state, texts } from './harness.js';

const { dashboardTest } = setUpDashboard();

function summary(
  samples: number,
  ttfbMsP50: number | null,
  ttfbMsP95: number | null,
  outputTokensPerSecondP50: number | null,
): LatencySummary {
  return {
    samples,
    ttfbMsP50,
    ttfbMsP95,
    firstContentMsP50: null,
    firstContentMsP95: null,
    outputTokensPerSecondP50,
  };
}

const NONE = summary(0, null, null, null);

function withLatency(latency: Record<string, ModelLatency>) {
  return state({ stats: { ...emptyStats(), latency } });
}

async function speedRows(page: Page): Promise<string[][]> {
  const rows = page.locator('#speed-body tr:not([hidden])');
  const result: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    result.push(await texts(rows.nth(i).locator('td')));
  }
  return result;
}

dashboardTest("a row per model, busiest first, the last hour's or else today's", async (d) => {
  const { page } = d;
  await d.push(
    withLatency({
      'claude-haiku-4-5': {
        lastHour: summary(12, 480, 1210, 148.2),
        today: summary(90, 500, 1300, 140),
      },
      'claude-sonnet-4-5': {
        lastHour: summary(40, 1140, 2870, 8.54),
        today: summary(400, 1200, 3000, 60),
      },
      'claude-opus-4-1': { lastHour: NONE, today: summary(14, 1980, 4650, 38.6) },
      'text-embedding-3-small': {
        lastHour: summary(3, 180, 420, null),
        today: summary(9, 190, 430, null),
      },
    }),
  );
  assert.equal(await page.locator('#speed-table').isVisible(), true);
  assert.equal(await page.locator('#speed-none').isHidden(), true);
  assert.deepEqual(await texts(page.locator('#speed-table th')), [
    'Model',
    'TTFB p50',
    'TTFB p95',
    'Tokens/s p50',
    'Samples',
  ]);
  assert.deepEqual(await speedRows(page), [
    ['claude-sonnet-4-5', '1.14 s', '2.87 s', '8.5', '40'],
    ['claude-haiku-4-5', '480 ms', '1.21 s', '148', '12'],
    ['text-embedding-3-small', '180 ms', '420 ms', '—', '3'],
    ['claude-opus-4-1', '1.98 s', '4.65 s', '39', '14 today'],
  ]);
  const opus = page.locator('#speed-body tr').nth(3);
  assert.equal(await opus.getAttribute('class'), 'today');
  assert.match((await opus.locator('td').last().getAttribute('title')) ?? '', /since midnight/);
});

dashboardTest('a model without figures shows —, and no models a note', async (d) => {
  const { page } = d;
  await d.push(state());
  assert.equal(await page.locator('#speed-table').isHidden(), true);
  assert.deepEqual(await texts(page.locator('#speed-none')), [
    'No model speed yet: it appears after the first response that names its model.',
  ]);

  await d.push(withLatency({ '': { lastHour: summary(2, null, null, null), today: NONE } }));
  assert.deepEqual(await speedRows(page), [['(no model named)', '—', '—', '—', '2']]);
  await d.push(state({ stats: null }));
  assert.equal(await page.locator('#speed-body tr:not([hidden])').count(), 0);
  assert.equal(await page.locator('#speed-none').isVisible(), true);
});
