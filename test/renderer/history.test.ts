// The History panel in headless Chromium with the fake bridge: the filters each control asks
// history for, the rows a page at a time, the sums and the chart per day, a request's detail with
// its capture, exports, and what the panel says while the proxy is stopped or the file is in
// trouble.

import assert from 'node:assert/strict';
import type { BridgeCall } from '../../build/preview.js';
import type { Capture, HistoryFilter, HistoryTotals, TotalsEntry } from '../../shared/history.js';
import {
  TIME,
  history,
  historyRow,
  setUpDashboard,
  state,
  texts,
  type Dashboard,
} from './harness.js';

const { dashboardTest } = setUpDashboard();

const DAY = 24 * 60 * 60 * 1000;
/** TIME's day, 2025-01-15, from midnight (the tests run in UTC). */
const TODAY = Date.UTC(2025, 0, 15);
const STOPPED = state({ status: { kind: 'stopped' }, statusLine: 'Stopped' });

function filtersOf(calls: readonly BridgeCall[], name: BridgeCall['name']): HistoryFilter[] {
  return calls.flatMap((call) => (call.name === name && 'filter' in call ? [call.filter] : []));
}

/** Opens the panel and waits for its first answer (a totals and a rows call). */
async function openHistory(d: Dashboard): Promise<void> {
  const before = (await d.calls()).length;
  await d.page.locator('#history summary').click();
  await d.waitForCalls(before + 2);
}

/** The filter of the latest rows query, once `count` calls have been made in all. */
async function lastQuery(d: Dashboard, count: number): Promise<HistoryFilter | undefined> {
  await d.waitForCalls(count);
  return filtersOf(await d.calls(), 'queryHistory').at(-1);
}

function entry(key: string, requests: number, tokens: number, cost: number | null): TotalsEntry {
  return {
    key,
    requests,
    errors: 1,
    input: tokens / 2,
    output: tokens / 4,
    cacheRead: tokens / 8,
    cacheWrite: tokens / 8,
    tokens,
    cost,
  };
}

const TOTALS: HistoryTotals = {
  days: [
    entry('2025-01-10', 3, 1_000, null),
    entry('2025-01-14', 10, 50_000, 0.3),
    entry('2025-01-15', 5, 20_000, 0.12),
  ],
  models: [entry('claude-sonnet-4-5', 15, 70_000, 0.42), entry('', 3, 1_000, null)],
};

dashboardTest('asks nothing until opened, then the sums and first page of today', async (d) => {
  const { page } = d;
  await d.setHistory(history({ rows: [historyRow()], totals: TOTALS }));
  await d.push(state());
  assert.deepEqual(await d.calls(), []);
  assert.equal(await page.locator('#history-kept').textContent(), 'kept 90 days');

  await openHistory(d);
  assert.deepEqual(await d.calls(), [
    { name: 'historyTotals', filter: { since: TODAY } },
    { name: 'queryHistory', filter: { since: TODAY } },
  ]);
  assert.deepEqual(await texts(page.locator('#history-rows td.path')), ['/v1/messages']);
  assert.deepEqual(await texts(page.locator('#history-rows td.time')), ['2025-01-15 09:30:04']);
  assert.deepEqual(await texts(page.locator('#history-rows tr').first().locator('td')), [
    '2025-01-15 09:30:04',
    'Claude Code',
    'api.anthropic.com',
    '/v1/messages',
    'claude-sonnet-4-5',
    '200',
    '1.23 s',
    '30.5k → 345',
    '0.01',
  ]);
  // Closing and opening again keeps what was shown: nothing changed to ask about.
  await page.locator('#history summary').click();
  await page.locator('#history summary').click();
  assert.equal((await d.calls()).length, 2);
});

dashboardTest('the range buttons ask for today, the last 7 or 30 days, or two dates', async (d) => {
  const { page } = d;
  await d.push(state());
  await openHistory(d);
  const range = async (name: string, count: number) => {
    await page.getByRole('button', { name, exact: true }).click();
    const filter = await lastQuery(d, count);
    assert.equal(
      await page.getByRole('button', { name, exact: true }).getAttribute('aria-pressed'),
      'true',
    );
    return filter;
  };
  assert.deepEqual(await range('7 days', 4), { since: TODAY - 6 * DAY });
  assert.deepEqual(await range('30 days', 6), { since: TODAY - 29 * DAY });
  assert.equal(await page.locator('#history-custom').isHidden(), true);
  // Custom starts as the last 7 days, to the end of today.
  assert.deepEqual(await range('Custom', 8), { since: TODAY - 6 * DAY, until: TODAY + DAY });
  assert.equal(await page.locator('#history-from').inputValue(), '2025-01-09');
  await page.locator('#history-from').fill('2025-01-01');
  assert.deepEqual(await lastQuery(d, 10), { since: Date.UTC(2025, 0, 1), until: TODAY + DAY });
  await page.locator('#history-to').fill('2025-01-03');
  assert.deepEqual(await lastQuery(d, 12), {
    since: Date.UTC(2025, 0, 1),
    until: Date.UTC(2025, 0, 4),
  });
  assert.equal(
    await page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed'),
    'false',
  );
  assert.deepEqual(await range('Today', 14), { since: TODAY });
  // Each change asked for the sums of the same filter as the rows.
  const calls = await d.calls();
  assert.deepEqual(filtersOf(calls, 'historyTotals'), filtersOf(calls, 'queryHistory'));
});

dashboardTest('filters and a debounced path search narrow what is asked', async (d) => {
  const { page } = d;
  const rows = [
    historyRow({ id: 2 }),
    historyRow({ id: 1, model: '', client: 'curl', projectRoot: null, session: null }),
  ];
  await d.setHistory(history({ rows, totals: TOTALS }));
  await d.push(state());
  await openHistory(d);
  const panel = page.getByRole('region', { name: 'History' });

  await panel.getByLabel('Status').selectOption('error');
  assert.deepEqual(await lastQuery(d, 4), { since: TODAY, status: 'error' });
  await panel.getByLabel('Schema').selectOption('openai');
  assert.deepEqual(await lastQuery(d, 6), { since: TODAY, status: 'error', schema: 'openai' });
  await panel.getByLabel('Schema').selectOption('');
  await panel.getByLabel('Status').selectOption('');
  await lastQuery(d, 10);

  // The lists offer what history answered: a model none named is a value too.
  assert.deepEqual(await texts(panel.getByLabel('Model').locator('option')), [
    'All',
    'claude-sonnet-4-5',
    'None named',
  ]);
  await panel.getByLabel('Model').selectOption({ label: 'None named' });
  assert.deepEqual(await lastQuery(d, 12), { since: TODAY, model: '' });
  await panel.getByLabel('Model').selectOption({ label: 'claude-sonnet-4-5' });
  await panel.getByLabel('Client').selectOption({ label: 'Claude Code' });
  await panel.getByLabel('Project').selectOption({ label: 'memex' });
  await panel.getByLabel('Session').selectOption({ label: 'Claude Code · 3f2a9c1e…' });
  assert.deepEqual(await lastQuery(d, 20), {
    since: TODAY,
    model: 'claude-sonnet-4-5',
    client: 'Claude Code',
    project: '/Users/dana/src/memex',
    session: '3f2a9c1e-7b4d-4e8a-9c61-0d5f2b8e4a17',
  });

  // Typing asks once, after a pause, with the whole word.
  await page.locator('#history-text').pressSequentially('  Mess');
  assert.deepEqual(await lastQuery(d, 22), {
    since: TODAY,
    model: 'claude-sonnet-4-5',
    client: 'Claude Code',
    project: '/Users/dana/src/memex',
    session: '3f2a9c1e-7b4d-4e8a-9c61-0d5f2b8e4a17',
    text: 'Mess',
  });
  assert.equal((await d.calls()).length, 22);
  assert.equal(await page.locator('#history-rows tr').count(), 1);
});

dashboardTest('Load more asks for the next page with its cursor and appends it', async (d) => {
  const { page } = d;
  const rows = Array.from({ length: 150 }, (_, i) =>
    historyRow({ id: 150 - i, time: TIME - (i + 1) * 1000, path: `/v1/messages/${i}` }),
  );
  await d.setHistory(
    history({ rows, totals: { days: [entry('2025-01-15', 150, 0, null)], models: [] } }),
  );
  await d.push(state());
  await openHistory(d);
  assert.equal(await page.locator('#history-rows tr').count(), 100);
  assert.equal(await page.locator('#history-count').textContent(), 'Showing 100 of 150 requests');
  await page.getByRole('button', { name: 'Load more' }).click();
  await d.waitForCalls(3);
  assert.deepEqual((await d.calls())[2], {
    name: 'queryHistory',
    filter: { since: TODAY, cursor: '100' },
  });
  assert.equal(await page.locator('#history-rows tr').count(), 150);
  assert.deepEqual((await texts(page.locator('#history-rows td.path'))).slice(98, 102), [
    '/v1/messages/98',
    '/v1/messages/99',
    '/v1/messages/100',
    '/v1/messages/101',
  ]);
  assert.equal(await page.locator('#history-more').isHidden(), true);
  assert.equal(await page.locator('#history-count').textContent(), 'Showing 150 of 150 requests');
});

dashboardTest('shows the sums for the range, a bar per day and a row per model', async (d) => {
  const { page } = d;
  await d.setHistory(history({ rows: [historyRow()], totals: TOTALS }));
  await d.push(state());
  await openHistory(d);
  await page.getByRole('button', { name: '7 days' }).click();
  await d.waitForCalls(4);
  assert.equal(
    await page.locator('#history-totals').textContent(),
    '18 requests · 3 errors · 71.0k tokens · cost 0.42',
  );
  const bars = () =>
    page
      .locator('#history-chart .day')
      .evaluateAll((groups: { getAttribute(name: string): string | null }[]) =>
        groups.map((group) => [group.getAttribute('data-day'), group.getAttribute('data-value')]),
      );
  assert.deepEqual(await bars(), [
    ['2025-01-09', '0'],
    ['2025-01-10', '1000'],
    ['2025-01-11', '0'],
    ['2025-01-12', '0'],
    ['2025-01-13', '0'],
    ['2025-01-14', '50000'],
    ['2025-01-15', '20000'],
  ]);
  assert.match(
    (await page.locator('#history-chart svg').getAttribute('aria-label')) ?? '',
    /^Tokens per day, 2025-01-09 to 2025-01-15/,
  );
  assert.equal(
    await page.locator('#history-chart .day[data-day="2025-01-14"] title').textContent(),
    '2025-01-14: 10 requests, 50.0k tokens',
  );
  await page.getByLabel('Show').selectOption('requests');
  assert.deepEqual(
    (await bars()).map(([, value]) => value),
    ['0', '3', '0', '0', '0', '10', '5'],
  );
  assert.deepEqual(await texts(page.locator('#history-axis span, .history-axis span')), [
    '2025-01-09',
    '2025-01-15',
  ]);
  assert.deepEqual(await texts(page.locator('#history-models-body tr').first().locator('td')), [
    'claude-sonnet-4-5',
    '15',
    '1',
    '35.0k',
    '17.5k',
    '8.8k',
    '8.8k',
    '0.42',
  ]);
  assert.equal(
    await page.locator('#history-models-body tr').nth(1).locator('td').first().textContent(),
    'none named, or not read',
  );
  assert.equal(await page.locator('#history-models th.cost').isVisible(), true);
});

const SSE_REPLY = [
  { event: 'message_start', data: '{"type":"message_start","message":{"content":[]}}' },
  {
    event: 'content_block_delta',
    data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi! "}}',
  },
  {
    event: 'content_block_delta',
    data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"How can I help?"}}',
  },
  { event: 'message_stop', data: '{"type":"message_stop"}' },
];

const PROMPT = JSON.stringify({
  model: 'claude-sonnet-4-5',
  system: [{ type: 'text', text: 'Be brief.' }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }],
  stream: true,
});

const CAPTURE: Capture = {
  requestHeaders: [
    ['content-type', 'application/json'],
    ['x-api-key', '[redacted]'],
  ],
  responseHeaders: [
    ['content-type', 'text/event-stream'],
    ['request-id', 'req_011'],
  ],
  requestBody: { text: PROMPT, bytes: PROMPT.length, truncated: false },
  responseBody: { text: 'event: message_start\ndata: {…}\n\n', bytes: 900, truncated: true },
  events: SSE_REPLY,
};

dashboardTest('a row opens its detail: every field, headers, prompt, reply, events', async (d) => {
  const { page } = d;
  await d.setHistory(
    history({
      rows: [historyRow({ id: 7 }), historyRow({ id: 6, path: '/v1/messages/count_tokens' })],
      captures: { 7: CAPTURE },
    }),
  );
  await d.push(state());
  await openHistory(d);
  await page.locator('#history-rows tr').first().locator('td.path').click();
  await d.waitForCalls(3);
  assert.deepEqual((await d.calls())[2], { name: 'historyDetail', id: 7 });
  const dialog = page.getByRole('dialog');
  assert.equal(await dialog.isVisible(), true);
  assert.equal(
    await page.locator('#history-detail-heading').textContent(),
    'POST api.anthropic.com/v1/messages',
  );
  const fields = await texts(dialog.locator('dt'));
  for (const label of ['Id', 'Time', 'Status', 'Model', 'Cost', 'Client', 'Session', 'Project']) {
    assert.ok(fields.includes(label), `lists ${label}`);
  }
  assert.equal(fields.length, 26);
  assert.ok((await texts(dialog.locator('dd'))).includes('memex · main (/Users/dana/src/memex)'));
  assert.deepEqual(await texts(dialog.locator('.request-headers tr')), [
    'content-typeapplication/json',
    'x-api-key[redacted]',
  ]);
  assert.equal(await dialog.locator('.request-headers td').nth(1).textContent(), '[redacted]');
  assert.deepEqual(await texts(dialog.locator('.prompt .role')), ['system', 'user']);
  assert.deepEqual(await texts(dialog.locator('.prompt .turn')), ['Be brief.', 'Hello there']);
  assert.equal(await dialog.locator('.reply').textContent(), 'Hi! How can I help?');
  assert.equal(await dialog.locator('.request-body').textContent(), PROMPT);
  assert.match((await dialog.textContent()) ?? '', /shown up to the inspector's size limit/);
  assert.deepEqual(await texts(dialog.locator('.events .event')), [
    'message_start',
    'content_block_delta',
    'content_block_delta',
    'message_stop',
  ]);
  assert.equal(
    await dialog.locator('.events .data').nth(3).textContent(),
    '{"type":"message_stop"}',
  );
  await dialog.getByRole('button', { name: 'Close' }).click();
  assert.equal(await dialog.isHidden(), true);

  // Keyboard: the row's time is a button; without a capture the detail says so.
  await page.locator('#history-rows tr').nth(1).getByRole('button').focus();
  await page.keyboard.press('Enter');
  await d.waitForCalls(4);
  assert.match(
    (await page.locator('#history-detail-body').textContent()) ?? '',
    /Capture: none \(inspector off\)/,
  );
  await page.keyboard.press('Escape');
  assert.equal(await dialog.isHidden(), true);
});

dashboardTest('hostile text in paths, headers and bodies is shown as text', async (d) => {
  const { page } = d;
  const path = '/v1/<img src=x onerror="globalThis.pwned=1">';
  const body = JSON.stringify({
    messages: [{ role: 'user', content: '<script>globalThis.pwned=1</script><b>hi</b>' }],
  });
  const capture: Capture = {
    requestHeaders: [['x-note', '<img src=y onerror="globalThis.pwned=2">']],
    responseHeaders: [],
    requestBody: { text: body, bytes: body.length, truncated: false },
    responseBody: {
      text: '<iframe src="https://example.com"></iframe>',
      bytes: 44,
      truncated: false,
    },
    events: [{ event: '<i>x</i>', data: '<svg onload="globalThis.pwned=3">' }],
  };
  await d.setHistory(
    history({ rows: [historyRow({ id: 3, path, client: '<b>me</b>' })], captures: { 3: capture } }),
  );
  await d.push(state());
  await openHistory(d);
  assert.equal(await page.locator('#history-rows td.path').textContent(), path);
  assert.equal(await page.locator('#history-rows td.client').textContent(), '<b>me</b>');
  await page.locator('#history-rows tr').first().click();
  await d.waitForCalls(3);
  const dialog = page.getByRole('dialog');
  await dialog.locator('.events').waitFor();
  assert.equal(
    await dialog.locator('.prompt .turn').textContent(),
    '<script>globalThis.pwned=1</script><b>hi</b>',
  );
  assert.equal(await dialog.locator('.events .event').textContent(), '<i>x</i>');
  assert.equal(
    await page.locator('#history-rows img, #history-detail img, #history-detail script').count(),
    0,
  );
  assert.equal(
    await page.locator('#history-detail b, #history-detail i, #history-detail iframe').count(),
    0,
  );
  assert.equal(await page.locator('#history-detail-body svg').count(), 0);
  assert.equal(
    await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned),
    undefined,
  );
});

dashboardTest('exports send the current filter and format and show where they went', async (d) => {
  const { page } = d;
  await d.setHistory(history({ rows: [historyRow()], exportPath: '/home/me/memex-history.csv' }));
  await d.push(state());
  await openHistory(d);
  await page.getByRole('region', { name: 'History' }).getByLabel('Status').selectOption('5xx');
  await d.waitForCalls(4);
  await page.getByRole('button', { name: 'CSV' }).click();
  await d.waitForCalls(5);
  assert.deepEqual((await d.calls())[4], {
    name: 'exportHistory',
    filter: { since: TODAY, status: '5xx' },
    format: 'csv',
  });
  const status = page.locator('#history-export-status');
  assert.equal(await status.textContent(), 'Saved to /home/me/memex-history.csv');

  // Cancelled in the save dialog: nothing to say.
  await d.setHistory(history({ rows: [historyRow()], exportPath: null }));
  await page.getByRole('button', { name: 'HAR' }).click();
  await d.waitForCalls(6);
  assert.deepEqual((await d.calls())[5], {
    name: 'exportHistory',
    filter: { since: TODAY, status: '5xx' },
    format: 'har',
  });
  assert.equal(await status.textContent(), '');

  await d.setHistory(history({ failure: 'ENOSPC: no space left on device' }));
  await page.getByRole('button', { name: 'JSON' }).click();
  await d.waitForCalls(7);
  assert.equal(
    await status.textContent(),
    'Could not export history: ENOSPC: no space left on device',
  );
});

dashboardTest('while the proxy is stopped it says history needs it, then asks again', async (d) => {
  const { page } = d;
  await d.setHistory(history({ failure: 'the proxy is not running' }));
  await d.push(STOPPED);
  await openHistory(d);
  const message = page.locator('#history-message');
  assert.equal(await message.textContent(), 'History is available while the proxy runs.');
  assert.equal(await message.isVisible(), true);
  assert.equal(await page.locator('#history-results').isHidden(), true);
  await page.getByRole('button', { name: 'CSV' }).click();
  await d.waitForCalls(3);
  assert.equal(
    await page.locator('#history-export-status').textContent(),
    'History is available while the proxy runs.',
  );

  // Once the proxy runs, the panel asks again by itself.
  await d.setHistory(history({ rows: [historyRow()] }));
  await d.push(state());
  await d.waitForCalls(5);
  assert.equal(await message.isHidden(), true);
  assert.equal(await page.locator('#history-rows tr').count(), 1);
});

dashboardTest("shows the history file's problem, even with the panel closed", async (d) => {
  const { page } = d;
  const problem = 'the file was corrupt: set aside as history.db.corrupt-1736933405000';
  await d.push(state({ history: { file: '/home/me/.config/memex/history.db', problem } }));
  const banner = page.locator('#history-problem');
  assert.equal(await banner.isVisible(), true);
  assert.equal(await banner.textContent(), `History: ${problem}`);
  await d.push(state());
  assert.equal(await banner.isHidden(), true);
});
