// The Limits panel and the errors strip in real headless Chromium: a gauge per provider window
// with its use, colour, reset countdown from the state's clock and line over the day; why no
// limits show; and 429 / 529 / 5xx per hour summed over schemas and models.

import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { emptyStats } from '../../build/preview.js';
import { TUNNELED_LIMITS_TEXT } from '../../shared/limits-text.js';
import type { AccountLimits, ErrorHour, SeenWindow, StatsSnapshot } from '../../shared/snapshot.js';
import { MINUTE, TIME, setUpDashboard, state, texts, type PageWindow } from './harness.js';

const { dashboardTest } = setUpDashboard();

const HOUR = 60 * MINUTE;
const NO_LIMITS =
  'No limits reported yet: they appear after the first response from a provider that sends ' +
  'them (Anthropic, OpenAI, Codex).';

function limitWindow(overrides: Partial<SeenWindow> & Pick<SeenWindow, 'id'>): SeenWindow {
  return {
    usedFraction: null,
    limit: null,
    remaining: null,
    resetsAt: null,
    windowMinutes: null,
    status: 'allowed',
    seenAt: TIME,
    ...overrides,
  };
}

function account(overrides: Partial<AccountLimits> = {}): AccountLimits {
  return {
    provider: 'anthropic-subscription',
    host: 'api.anthropic.com',
    fingerprint: 'a1b2c3',
    windows: [],
    history: {},
    binding: null,
    plan: null,
    retryAfterMs: null,
    rateLimited: 0,
    seenAt: TIME,
    ...overrides,
  };
}

/** Wednesday 15 January 2025 09:30:05 UTC; 2 h 13 min 30 s later; Saturday 18th 14:05. */
const IN_2H13 = TIME + 2 * HOUR + 13 * MINUTE + 30_000;
const SATURDAY = Date.UTC(2025, 0, 18, 14, 5);

const CLAUDE = account({
  windows: [
    limitWindow({ id: '7d', usedFraction: 0.18, resetsAt: SATURDAY, windowMinutes: 10_080 }),
    limitWindow({ id: '5h', usedFraction: 0.42, resetsAt: IN_2H13, windowMinutes: 300 }),
  ],
  history: {
    '5h': [
      [TIME - 20 * HOUR, 0.6],
      [TIME - 3 * HOUR, 0.05],
      [TIME - HOUR, 0.3],
      [TIME, 0.42],
    ],
    '7d': [
      [TIME - HOUR, 0.17],
      [TIME, 0.18],
    ],
  },
  binding: '5h',
});

const CODEX = account({
  provider: 'codex',
  host: 'chatgpt.com',
  fingerprint: 'f00d42',
  plan: 'pro',
  windows: [
    limitWindow({ id: 'primary', usedFraction: 0.12, windowMinutes: 300 }),
    limitWindow({
      id: 'secondary',
      usedFraction: 0.94,
      windowMinutes: 10_080,
      resetsAt: TIME + 45 * MINUTE,
    }),
  ],
});

function withLimits(
  accounts: readonly AccountLimits[],
  errors: readonly ErrorHour[] = [],
  stats: StatsSnapshot = emptyStats(),
): StatsSnapshot {
  return { ...stats, limits: { accounts, errors } };
}

const blocks = (page: Page): Locator => page.locator('.limit-account:not([hidden])');
const rowsOf = (block: Locator): Locator => block.locator('.limit-window:not([hidden])');

async function pointCounts(block: Locator): Promise<number[]> {
  return rowsOf(block)
    .locator('polyline')
    .evaluateAll((lines: { getAttribute(name: string): string | null }[]) =>
      lines.map((line) => (line.getAttribute('points') ?? '').split(' ').filter(Boolean).length),
    );
}

async function fillColor(row: Locator): Promise<string> {
  return row
    .locator('.gauge-fill')
    .evaluate(
      (element) => (globalThis as unknown as PageWindow).getComputedStyle(element).backgroundColor,
    );
}

dashboardTest('a gauge per window, binding first, with its use and reset time', async (d) => {
  const { page } = d;
  await d.push(state({ stats: withLimits([CODEX, CLAUDE]) }));
  // Claude before Codex whichever was seen last, so blocks never swap places.
  assert.deepEqual(await texts(blocks(page).locator('.limit-provider')), ['Claude', 'Codex']);
  assert.deepEqual(await texts(blocks(page).locator('.limit-where')), [
    'api.anthropic.com',
    'chatgpt.com · Pro plan',
  ]);
  const claude = blocks(page).nth(0);
  assert.deepEqual(await texts(rowsOf(claude).locator('.limit-label')), ['5h', '7d']);
  assert.deepEqual(await texts(rowsOf(claude).locator('.limit-percent')), ['42%', '18%']);
  assert.deepEqual(await texts(rowsOf(claude).locator('.limit-meta')), [
    'resets in 2 h 13 min',
    'resets Sat 14:05',
  ]);
  const gauge = page.getByRole('meter', { name: 'Claude 5h' });
  assert.equal(await gauge.getAttribute('aria-valuenow'), '42');
  assert.equal(await gauge.getAttribute('aria-valuetext'), '42% used');
  assert.equal(
    await gauge.locator('.gauge-fill').evaluate((element: { style: { width: string } }) => {
      return element.style.width;
    }),
    '42%',
  );
  // Codex names no binding window: the fullest comes first.
  const codex = blocks(page).nth(1);
  assert.deepEqual(await texts(rowsOf(codex).locator('.limit-label')), ['7d', '5h']);
  assert.deepEqual(await texts(rowsOf(codex).locator('.limit-meta')), ['resets in 45 min', '']);
  assert.equal(await page.locator('#limits-none').isHidden(), true);
});

dashboardTest("each window's line has a point per reading of the day", async (d) => {
  const { page } = d;
  await d.push(state({ stats: withLimits([CLAUDE, CODEX]) }));
  assert.deepEqual(await pointCounts(blocks(page).nth(0)), [4, 2]);
  assert.deepEqual(await pointCounts(blocks(page).nth(1)), [0, 0]);
  const line = rowsOf(blocks(page).nth(0)).first().locator('svg');
  assert.equal(
    await line.getAttribute('aria-label'),
    '5h used over the last 24 hours: 4 readings, peak 60%',
  );
  // Oldest on the left, newest at the right edge; 0 % at the bottom, 100 % at the top.
  const points = ((await line.locator('polyline').getAttribute('points')) ?? '')
    .split(' ')
    .map((pair) => pair.split(',').map(Number));
  const xs = points.map(([x]) => x ?? NaN);
  assert.deepEqual(
    xs,
    [...xs].sort((a, b) => a - b),
  );
  assert.equal(xs[xs.length - 1], 96);
  const ys = points.map(([, y]) => y ?? NaN);
  assert.ok((ys[0] ?? 0) < (ys[1] ?? 0), '60 % is drawn above 5 %');
  assert.equal(await rowsOf(blocks(page).nth(1)).first().locator('circle').isHidden(), true);
});

dashboardTest('amber from 90 % or when the provider warns, red once refused', async (d) => {
  const { page } = d;
  const limited = account({
    windows: [
      limitWindow({ id: '5h', usedFraction: 1, status: 'rejected', resetsAt: IN_2H13 }),
      limitWindow({ id: '7d', usedFraction: 0.5, status: 'warning' }),
      limitWindow({ id: '7d-opus', usedFraction: 0.89 }),
    ],
  });
  await d.push(state({ stats: withLimits([limited, CODEX]) }));
  const claude = rowsOf(blocks(page).nth(0));
  assert.deepEqual(
    await claude.evaluateAll((rows: { className: string }[]) => rows.map((row) => row.className)),
    ['limit-window rejected', 'limit-window', 'limit-window warning'],
  );
  assert.deepEqual(await texts(claude.locator('.limit-label')), ['5h', '7d Opus', '7d']);
  assert.equal(
    await claude.nth(0).locator('.limit-meta').textContent(),
    'limit reached · resets in 2 h 13 min',
  );
  assert.equal(await fillColor(claude.nth(0)), 'rgb(198, 40, 40)');
  assert.equal(await fillColor(claude.nth(1)), 'rgb(36, 89, 214)');
  assert.equal(await fillColor(claude.nth(2)), 'rgb(183, 121, 31)');
  const codex = rowsOf(blocks(page).nth(1));
  assert.equal(await codex.nth(0).getAttribute('class'), 'limit-window warning');
  assert.equal(await codex.nth(0).locator('.limit-percent').textContent(), '94%');
});

dashboardTest('API-key windows say what is left; a window without use shows —', async (d) => {
  const { page } = d;
  const openai = account({
    provider: 'openai',
    host: 'api.openai.com',
    windows: [
      limitWindow({
        id: 'requests',
        usedFraction: 0.1,
        limit: 5000,
        remaining: 4500,
        resetsAt: TIME + 12_000,
      }),
      limitWindow({ id: 'input-tokens', limit: 800_000 }),
    ],
  });
  await d.push(state({ stats: withLimits([openai]) }));
  const rows = rowsOf(blocks(page).nth(0));
  assert.deepEqual(await texts(rows.locator('.limit-label')), ['requests', 'input tokens']);
  assert.deepEqual(await texts(rows.locator('.limit-meta')), [
    'resets in 12 s · 4,500 of 5,000 left',
    '',
  ]);
  assert.deepEqual(await texts(rows.locator('.limit-percent')), ['10%', '—']);
  const unknown = page.getByRole('meter', { name: 'OpenAI input tokens' });
  assert.equal(await unknown.getAttribute('aria-valuenow'), null);
  assert.equal(await unknown.getAttribute('aria-valuetext'), 'use not reported');
});

dashboardTest("reset countdowns follow the state's clock", async (d) => {
  const { page } = d;
  const meta = page.locator('.limit-window .limit-meta').first();
  await d.push(state({ stats: withLimits([CLAUDE]) }));
  assert.equal(await meta.textContent(), 'resets in 2 h 13 min');
  await d.push(state({ stats: withLimits([CLAUDE]), time: TIME + HOUR + 30 * MINUTE }));
  assert.equal(await meta.textContent(), 'resets in 43 min');
  await d.push(state({ stats: withLimits([CLAUDE]), time: IN_2H13 - 5000 }));
  assert.equal(await meta.textContent(), 'resets in 5 s');
  await d.push(state({ stats: withLimits([CLAUDE]), time: IN_2H13 }));
  assert.equal(await meta.textContent(), 'resets now');
  assert.equal(await meta.getAttribute('title'), 'Resets Wed 11:43');
});

dashboardTest('without accounts the panel says why no limits show', async (d) => {
  const { page } = d;
  const none = page.locator('#limits-none');
  await d.push(state({ stats: null }));
  assert.equal(await none.textContent(), NO_LIMITS);
  await d.push(state());
  assert.equal(await none.isVisible(), true);
  assert.equal(await none.textContent(), NO_LIMITS);

  const stats = emptyStats();
  const tunneled = { ...stats, tunnels: { ...stats.tunnels, total: 3, active: 1 } };
  await d.push(state({ stats: tunneled }));
  assert.equal(await none.textContent(), TUNNELED_LIMITS_TEXT);

  await d.push(state({ stats: withLimits([CLAUDE, CODEX], [], tunneled) }));
  assert.equal(await none.isHidden(), true);
  assert.equal(await blocks(page).count(), 2);
  await d.push(state({ stats: withLimits([CODEX]) }));
  assert.deepEqual(await texts(blocks(page).locator('.limit-provider')), ['Codex']);
  assert.deepEqual(await texts(rowsOf(blocks(page).nth(0)).locator('.limit-label')), ['7d', '5h']);
  await d.push(state());
  assert.equal(await blocks(page).count(), 0);
  assert.equal(await none.isVisible(), true);
});

function errorHour(hour: number, overrides: Partial<ErrorHour> = {}): ErrorHour {
  return {
    hour,
    schema: 'anthropic',
    model: 'claude-sonnet-4-5',
    rateLimited: 0,
    overloaded: 0,
    serverErrors: 0,
    ...overrides,
  };
}

async function errorBars(page: Page, kind: string): Promise<number[]> {
  return page
    .locator(`#errors-chart .bar.${kind}`)
    .evaluateAll((bars: { getAttribute(name: string): string | null }[]) =>
      bars.map((bar) => Number(bar.getAttribute('data-count'))),
    );
}

dashboardTest('the errors strip sums 429, 529 and 5xx per hour over the last day', async (d) => {
  const { page } = d;
  const thisHour = Math.floor(TIME / HOUR) * HOUR;
  const errors = [
    // 24 hours back: no longer in the strip.
    errorHour(thisHour - 24 * HOUR, { rateLimited: 50 }),
    errorHour(thisHour - 23 * HOUR, { serverErrors: 1 }),
    errorHour(thisHour - 2 * HOUR, { rateLimited: 2 }),
    errorHour(thisHour - 2 * HOUR, { schema: 'openai', model: 'gpt-4.1', rateLimited: 1 }),
    errorHour(thisHour, { overloaded: 1, serverErrors: 1 }),
    errorHour(thisHour, { model: '', serverErrors: 1 }),
  ];
  await d.push(state({ stats: withLimits([], errors) }));
  assert.equal(await page.locator('#errors-chart').isVisible(), true);
  assert.equal(
    await page.locator('#errors-summary').textContent(),
    '3 rate limited · 1 overloaded · 3 server errors in the last 24 h',
  );
  const zeros = (count: number): number[] => Array<number>(count).fill(0);
  assert.deepEqual(await errorBars(page, 'rate-limited'), [...zeros(21), 3, 0, 0]);
  assert.deepEqual(await errorBars(page, 'overloaded'), [...zeros(23), 1]);
  assert.deepEqual(await errorBars(page, 'server-errors'), [1, ...zeros(22), 2]);
  assert.match(
    (await page.locator('#errors-chart svg').getAttribute('aria-label')) ?? '',
    /last 24 hours: 10:00: 1 server error; 07:00: 3 rate limited; 09:00: 1 overloaded · 2 server errors$/,
  );

  // An hour on, the oldest hour has left the strip.
  await d.push(state({ stats: withLimits([], errors), time: TIME + HOUR }));
  assert.deepEqual(await errorBars(page, 'server-errors'), [...zeros(22), 2, 0]);
  assert.equal(
    await page.locator('#errors-summary').textContent(),
    '3 rate limited · 1 overloaded · 2 server errors in the last 24 h',
  );
});

dashboardTest('with no failures the errors strip says so, muted', async (d) => {
  const { page } = d;
  await d.push(state());
  const summary = page.locator('#errors-summary');
  assert.equal(await summary.textContent(), 'No rate limits or server errors in the last 24 h');
  assert.equal(await summary.getAttribute('class'), 'errors-summary muted');
  assert.equal(await page.locator('#errors-chart').isHidden(), true);

  await d.push(state({ stats: withLimits([], [errorHour(TIME, { serverErrors: 1 })]) }));
  assert.equal(await summary.textContent(), '1 server error in the last 24 h');
  assert.equal(await summary.getAttribute('class'), 'errors-summary');
});

dashboardTest('in a one-column window the limits come right after the cards', async (d) => {
  const { page } = d;
  await page.setViewportSize({ width: 960, height: 720 });
  await d.push(state({ stats: withLimits([CLAUDE, CODEX]) }));
  const top = async (selector: string): Promise<number> =>
    (await page.locator(selector).boundingBox())?.y ?? NaN;
  const cards = await top('#cards');
  const limits = await top('.limits');
  const usage = await top('.usage');
  assert.ok(cards < limits && limits < usage, `cards ${cards}, limits ${limits}, usage ${usage}`);
  // Wide enough for the two accounts side by side.
  const [claude, codex] = await Promise.all([0, 1].map((i) => blocks(page).nth(i).boundingBox()));
  assert.equal(claude?.y, codex?.y);
});
