// The history settings and the header's inspector badge in headless Chromium: whole numbers
// within bounds go to main and others are refused, the inspector toggle, and clearing history
// only after a second, in-page confirmation.

import assert from 'node:assert/strict';
import { SETTINGS, history, historyRow, setUpDashboard, state } from './harness.js';

const { dashboardTest } = setUpDashboard();

dashboardTest('retention and size cap send whole numbers within their bounds', async (d) => {
  const { page } = d;
  await d.push(state());
  const days = page.getByLabel('Keep requests for (days)');
  const size = page.getByLabel('Size cap (MB)');
  assert.equal(await days.inputValue(), '90');
  assert.equal(await size.inputValue(), '500');
  await days.fill('30');
  await days.press('Enter');
  await size.fill('2000');
  await size.press('Tab');
  assert.deepEqual(await d.calls(), [
    { name: 'setSetting', setting: { key: 'historyRetentionDays', value: 30 } },
    { name: 'setSetting', setting: { key: 'historyMaxMb', value: 2000 } },
  ]);
  // Main's next state is the truth; until it comes, a state does not undo what the user typed.
  await d.push(state({ settings: { ...SETTINGS, historyRetentionDays: 30, historyMaxMb: 2000 } }));
  assert.equal(await days.inputValue(), '30');
  await d.push(state());
  assert.equal(await days.inputValue(), '90');
});

dashboardTest('numbers out of bounds or not whole are refused with the reason', async (d) => {
  const { page } = d;
  await d.push(state());
  const days = page.getByLabel('Keep requests for (days)');
  const size = page.getByLabel('Size cap (MB)');
  const problem = page.locator('#setting-history-problem');
  for (const value of ['0', '3651', '2.5', '-4', '']) {
    await days.fill(value);
    await days.press('Enter');
    assert.equal(await problem.textContent(), 'Keep history for 1 to 3650 days, a whole number.');
    assert.equal(await days.getAttribute('aria-invalid'), 'true', value);
  }
  // A refused number stays for the user to fix, whatever states arrive.
  await d.push(state());
  assert.equal(await days.inputValue(), '');
  for (const value of ['9', '100001']) {
    await size.fill(value);
    await size.press('Enter');
  }
  assert.deepEqual(await d.calls(), []);

  await days.fill('3650');
  await days.press('Enter');
  assert.equal(await days.getAttribute('aria-invalid'), null);
  // The size cap is still wrong: its reason is shown now.
  assert.equal(await problem.textContent(), 'The size cap is 10 to 100000 MB, a whole number.');
  await size.fill('10');
  await size.press('Enter');
  assert.equal(await problem.isHidden(), true);
  assert.deepEqual(await d.calls(), [
    { name: 'setSetting', setting: { key: 'historyRetentionDays', value: 3650 } },
    { name: 'setSetting', setting: { key: 'historyMaxMb', value: 10 } },
  ]);
});

dashboardTest('the inspector toggle says what it records and sends the setting', async (d) => {
  const { page } = d;
  await d.push(state());
  const toggle = page.getByLabel('Request inspector');
  assert.equal(await toggle.isChecked(), false);
  assert.match(
    (await page.locator('#inspector-note').textContent()) ?? '',
    /headers \(credentials replaced by \[redacted\]\) and bodies\s.*\sfor 24 hours/s,
  );
  await toggle.check();
  assert.deepEqual(await d.calls(), [
    { name: 'setSetting', setting: { key: 'inspector', value: true } },
  ]);
  assert.equal(
    await page.locator('#history-file').textContent(),
    '/home/me/.config/memex/history.db',
  );
  await d.push(state({ history: { file: null, problem: null } }));
  assert.equal(
    await page.locator('#history-file').textContent(),
    'Not open: the proxy opens it when it starts',
  );
});

dashboardTest('the header shows a badge while the inspector records bodies', async (d) => {
  const { page } = d;
  await d.push(state());
  const badge = page.locator('#inspector-badge');
  assert.equal(await badge.isHidden(), true);
  await d.push(state({ settings: { ...SETTINGS, inspector: true } }));
  assert.equal(await badge.isVisible(), true);
  assert.equal((await badge.textContent())?.trim(), 'Inspector on: bodies are being recorded');
  await d.push(state());
  assert.equal(await badge.isHidden(), true);
});

dashboardTest('clearing history takes a second confirmation in the page', async (d) => {
  const { page } = d;
  await d.setHistory(history({ rows: [historyRow()] }));
  await d.push(state());
  await page.locator('#history summary').click();
  await d.waitForCalls(2);

  await page.getByRole('button', { name: 'Clear history…' }).click();
  const yes = page.getByRole('button', { name: 'Yes, delete all history' });
  assert.equal(await yes.isVisible(), true);
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await yes.isHidden(), true);
  assert.equal((await d.calls()).length, 2);

  await page.getByRole('button', { name: 'Clear history…' }).click();
  await yes.click();
  // Cleared, then the open History panel asks again and finds nothing.
  await d.waitForCalls(5);
  assert.deepEqual(
    (await d.calls()).slice(2).map((call) => call.name),
    ['clearHistory', 'historyTotals', 'queryHistory'],
  );
  assert.equal(await page.locator('#history-clear-status').textContent(), 'History cleared.');
  assert.equal(await yes.isHidden(), true);
  assert.equal(await page.locator('#history-rows tr').count(), 0);
  assert.equal(await page.locator('#history-none').isVisible(), true);
});
