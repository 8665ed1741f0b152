// The dashboard window's renderer, built (dist/renderer/) and run in real headless Chromium with a
// fake window.memex: what a user sees after each pushed state, and what the controls call.

import assert from 'node:assert/strict';
import { emptyStats, type FakeBridgePage } from '../../build/preview.js';
import { envSnippet } from '../../shared/env.js';
import type { ProxyStatus } from '../../shared/status.js';
import type { SchemaId } from '../../proxy-core/http/schema.js';
import {
  MINUTE,
  SETTINGS,
  TIME,
  bars,
  request,
  requests,
  setUpDashboard,
  state,
  statsOf,
  texts,
  visibleRows,
  type InlineScriptWindow,
  type PageWindow,
} from './harness.js';

const { dashboardTest, server } = setUpDashboard();

dashboardTest('shows the running address, and Stop and Start call the bridge', async (d) => {
  const { page } = d;
  await d.push(state());
  assert.equal(await page.locator('#status-line').textContent(), 'Running on 127.0.0.1:8080');
  assert.equal(await page.locator('#status').getAttribute('data-tone'), 'ok');
  assert.equal(await page.locator('#address').textContent(), 'http://127.0.0.1:8080');
  await page.getByRole('button', { name: 'Stop proxy' }).click();

  await d.push(state({ status: { kind: 'stopped' }, statusLine: 'Stopped' }));
  assert.equal(await page.locator('#status-line').textContent(), 'Stopped');
  assert.equal(await page.locator('#address').isHidden(), true);
  await page.getByRole('button', { name: 'Start proxy' }).click();
  assert.deepEqual(await d.calls(), [{ name: 'stop' }, { name: 'start' }]);
});

dashboardTest('says when the port is in use and offers Start again', async (d) => {
  const { page } = d;
  await d.push(
    state({
      status: { kind: 'failed', code: 'PORT_IN_USE', reason: 'listen EADDRINUSE', port: 8080 },
      statusLine: 'Port 8080 is in use',
    }),
  );
  assert.equal(await page.locator('#status-line').textContent(), 'Port 8080 is in use');
  assert.equal(await page.locator('#status').getAttribute('data-tone'), 'error');
  assert.match((await page.locator('#status-detail').textContent()) ?? '', /another port/);
  assert.equal(await page.locator('#address').isHidden(), true);
  assert.equal(await page.locator('#toggle').textContent(), 'Start proxy');
});

dashboardTest('shows a config error with its file and line', async (d) => {
  const { page } = d;
  await d.push(
    state({
      configError: {
        file: '/home/me/.memex.yml',
        issues: [
          { line: 4, column: 7, key: 'port', message: 'must be an integer from 0 to 65535' },
        ],
      },
    }),
  );
  const banner = page.locator('#config-error');
  assert.equal(await banner.isVisible(), true);
  assert.equal(
    await page.locator('#config-error-where').textContent(),
    'in /home/me/.memex.yml, line 4',
  );
  assert.equal(
    await page.locator('#config-error-message').textContent(),
    'port: must be an integer from 0 to 65535',
  );
  assert.match((await banner.textContent()) ?? '', /keeps running with the last good config/);
  assert.equal(
    await page.locator('#config-problem').textContent(),
    'Error in /home/me/.memex.yml, line 4: port: must be an integer from 0 to 65535',
  );

  await d.push(state());
  assert.equal(await banner.isHidden(), true);
  assert.equal(await page.locator('#config-problem').isHidden(), true);
});

dashboardTest('has a card per schema with traffic, Anthropic and OpenAI always', async (d) => {
  const { page } = d;
  await d.push(state());
  assert.deepEqual(await texts(page.locator('.card-title')), ['Anthropic', 'OpenAI']);

  const records = [
    request({ status: 529, bytesIn: 1500, bytesOut: 500 }),
    request({ bytesIn: 1500, bytesOut: 1_250_000 }),
    request({ schema: 'gemini', host: 'generativelanguage.googleapis.com' }),
  ];
  await d.push(state({ stats: statsOf(records, { anthropic: 1200 }) }));
  assert.deepEqual(await texts(page.locator('.card-title')), ['Anthropic', 'OpenAI', 'Gemini']);
  const anthropic = page.locator('.card[data-schema="anthropic"]');
  assert.equal(await anthropic.locator('.card-count').textContent(), '1,202');
  assert.equal(await anthropic.locator('.card-errors').textContent(), '1 error');
  assert.equal(await anthropic.locator('.card-bytes').textContent(), '3.0 kB in · 1.3 MB out');
  const openai = page.locator('.card[data-schema="openai"]');
  assert.equal(await openai.locator('.card-count').textContent(), '0');
  assert.equal(await openai.locator('.card-errors').textContent(), '0 errors');
});

dashboardTest('charts requests per minute from the growth between states', async (d) => {
  const { page } = d;
  await d.push(state({ stats: statsOf([]), time: TIME }));
  assert.deepEqual(
    (await bars(page, 'anthropic')).map((bar) => bar.count),
    Array<number>(15).fill(0),
  );

  // Four requests in this minute, then two in the next: the bars slide left as minutes pass.
  await d.push(state({ stats: statsOf(requests(4, TIME + 9000)), time: TIME + 10_000 }));
  let counts = (await bars(page, 'anthropic')).map((bar) => bar.count);
  assert.deepEqual(counts.slice(-2), [0, 4]);
  assert.ok(((await bars(page, 'anthropic'))[14]?.height ?? 0) > 0);
  assert.equal(
    await page.locator('.card[data-schema="anthropic"] .card-rate').textContent(),
    '4/min now · peak 4',
  );

  await d.push(state({ stats: statsOf(requests(6, TIME + MINUTE)), time: TIME + MINUTE + 5000 }));
  const heights = await bars(page, 'anthropic');
  assert.deepEqual(
    heights.map((bar) => bar.count),
    [...Array<number>(13).fill(0), 4, 2],
  );
  assert.ok(
    (heights[13]?.height ?? 0) > (heights[14]?.height ?? 0),
    'taller bar for more requests',
  );

  // Fifteen minutes after the four, they have left the window; the two are oldest.
  await d.push(state({ stats: statsOf(requests(6, TIME)), time: TIME + 15 * MINUTE }));
  counts = (await bars(page, 'anthropic')).map((bar) => bar.count);
  assert.deepEqual(counts, [2, ...Array<number>(14).fill(0)]);
  assert.match(
    (await page.locator('.card[data-schema="anthropic"] svg').getAttribute('aria-label')) ?? '',
    /^Anthropic requests per minute, last 15 minutes/,
  );
});

dashboardTest(
  'places the requests already there in their minutes on the first state',
  async (d) => {
    const { page } = d;
    const records = [
      request({ time: TIME - 1000 }),
      request({ time: TIME - 2 * MINUTE }),
      request({ time: TIME - 2 * MINUTE - 1000 }),
      request({ time: TIME - 20 * MINUTE }),
    ];
    await d.push(state({ stats: statsOf(records, { anthropic: 500 }) }));
    const counts = (await bars(page, 'anthropic')).map((bar) => bar.count);
    assert.deepEqual(counts, [...Array<number>(12).fill(0), 2, 0, 1]);

    // A new worker (uptime went down) counts from zero: all of its requests are new.
    await d.push(state({ stats: statsOf(requests(3, TIME + 2000), {}, 100), time: TIME + 3000 }));
    assert.deepEqual((await bars(page, 'anthropic')).map((bar) => bar.count).slice(-1), [4]);
  },
);

dashboardTest('lists recent requests newest first, failures marked, no query', async (d) => {
  const { page } = d;
  const records = [
    request({
      time: TIME - 1000,
      status: 502,
      ttfbMs: 9,
      durationMs: 12,
      bytesIn: 10,
      bytesOut: 180,
    }),
    request({
      time: TIME - 2000,
      method: 'GET',
      host: 'generativelanguage.googleapis.com',
      path: '/v1beta/models/gemini-2.5-flash:generateContent?key=SECRET',
      schema: 'gemini',
      complete: false,
      durationMs: 65_000,
    }),
    request({
      time: TIME - 3000,
      host: 'api.openai.com',
      path: '/v1/chat/completions',
      schema: 'openai',
    }),
  ];
  await d.push(state({ stats: statsOf(records) }));
  const rows = visibleRows(page);
  assert.equal(await rows.count(), 3);
  assert.deepEqual(await texts(rows.nth(0).locator('td')), [
    '09:30:04',
    '—',
    'POST',
    'api.anthropic.com',
    '/v1/messages',
    'Anthropic',
    '502',
    '9 ms',
    '12 ms',
    '10 B / 180 B',
    '—',
  ]);
  assert.deepEqual(await texts(rows.nth(1).locator('td')), [
    '09:30:03',
    '—',
    'GET',
    'generativelanguage.googleapis.com',
    '/v1beta/models/gemini-2.5-flash:generateContent',
    'Gemini',
    '200 cut',
    '—',
    '1 min 05 s',
    '2.0 kB / 15 kB',
    '—',
  ]);
  assert.equal((await page.content()).includes('SECRET'), false);
  assert.deepEqual(
    await rows.evaluateAll((elements: { className: string }[]) =>
      elements.map((row) => row.className),
    ),
    ['failed', 'failed', ''],
  );
});

dashboardTest('keeps the schema filter across updates', async (d) => {
  const { page } = d;
  const schemaAt = (i: number): SchemaId => (i % 3 === 0 ? 'openai' : 'anthropic');
  await d.push(state({ stats: statsOf(requests(30, TIME, schemaAt)) }));
  await page
    .getByRole('region', { name: 'Recent requests' })
    .getByLabel('Schema')
    .selectOption('openai');
  assert.equal(await visibleRows(page).count(), 10);

  await d.push(state({ stats: statsOf(requests(60, TIME + 5000, schemaAt)), time: TIME + 6000 }));
  assert.equal(
    await page.getByRole('region', { name: 'Recent requests' }).getByLabel('Schema').inputValue(),
    'openai',
  );
  assert.equal(await visibleRows(page).count(), 20);
  assert.deepEqual([...new Set(await texts(visibleRows(page).locator('td.schema')))], ['OpenAI']);

  await page
    .getByRole('region', { name: 'Recent requests' })
    .getByLabel('Schema')
    .selectOption('gemini');
  assert.equal(await visibleRows(page).count(), 0);
  assert.equal(await page.locator('#requests-none').isVisible(), true);
  await page.getByRole('region', { name: 'Recent requests' }).getByLabel('Schema').selectOption('');
  assert.equal(await visibleRows(page).count(), 60);
});

dashboardTest('keeps the scroll position while rows update', async (d) => {
  const { page } = d;
  await d.push(state({ stats: statsOf(requests(200, TIME)) }));
  assert.equal(await visibleRows(page).count(), 200);
  const scroller = page.locator('#requests-scroll');
  await scroller.evaluate((element: { scrollTop: number }) => {
    element.scrollTop = 700;
  });
  for (let i = 1; i <= 3; i++) {
    const newest = TIME + i * 1000;
    await d.push(state({ stats: statsOf(requests(200, newest)), time: newest + 500 }));
  }
  assert.equal(await scroller.evaluate((element: { scrollTop: number }) => element.scrollTop), 700);
  assert.equal(await visibleRows(page).first().locator('td.time').textContent(), '09:30:08');
});

dashboardTest('lists HTTPS tunnels by host, busiest first', async (d) => {
  const { page } = d;
  await d.push(state());
  assert.equal(await page.locator('#tunnels-none').isVisible(), true);
  const stats = emptyStats();
  await d.push(
    state({
      stats: {
        ...stats,
        tunnels: {
          total: 12,
          active: 2,
          failed: 1,
          bytesIn: 4000,
          bytesOut: 96_000,
          byHost: {
            'api.openai.com': { schema: 'openai', count: 3 },
            'api.anthropic.com': { schema: 'anthropic', count: 8 },
            'example.com': { schema: 'unknown', count: 1 },
          },
        },
      },
    }),
  );
  assert.equal(await page.locator('#tunnels-none').isHidden(), true);
  assert.deepEqual(await texts(page.locator('.tunnel:not([hidden]) .tunnel-host')), [
    'api.anthropic.com',
    'api.openai.com',
    'example.com',
  ]);
  assert.deepEqual(await texts(page.locator('.tunnel:not([hidden]) .tunnel-count')), [
    '8',
    '3',
    '1',
  ]);
  assert.equal(
    await page.locator('#tunnels-summary').textContent(),
    '12 total · 2 open · 1 failed · 100 kB',
  );
});

dashboardTest('shows and copies the env-var text for the chosen shell and mode', async (d) => {
  const { page } = d;
  const address = { host: '127.0.0.1', port: 9123 };
  const running: ProxyStatus = { kind: 'running', ...address };
  const settings = { ...SETTINGS, defaultShell: 'fish' } as const;
  await d.push(state({ status: running, statusLine: 'Running on 127.0.0.1:9123', settings }));
  assert.equal(await page.locator('#env-shell').inputValue(), 'fish');
  assert.equal(
    await page.locator('#env-text').textContent(),
    envSnippet('fish', 'base-url', address),
  );

  await page.locator('#env-mode').selectOption('proxy');
  await page.locator('#env-shell').selectOption('powershell');
  assert.equal(
    await page.locator('#env-text').textContent(),
    envSnippet('powershell', 'proxy', address),
  );
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  assert.equal(await page.locator('#env-copied').textContent(), 'Copied');
  // The user's pick survives a later state naming another default shell.
  await d.push(state({ status: running, settings: { ...settings, defaultShell: 'cmd' } }));
  assert.equal(await page.locator('#env-shell').inputValue(), 'powershell');

  // Stopped: no address to name, except in the unset text.
  await d.push(state({ status: { kind: 'stopped' }, statusLine: 'Stopped', settings }));
  assert.equal(await page.locator('#env-note').isVisible(), true);
  assert.equal(await page.locator('#env-copy').isDisabled(), true);
  await page.locator('#env-mode').selectOption('unset');
  assert.equal(
    await page.locator('#env-text').textContent(),
    envSnippet('powershell', 'unset', address),
  );
  await page.locator('#env-copy').click();
  assert.deepEqual(await d.calls(), [
    { name: 'copyEnv', shell: 'powershell', mode: 'proxy' },
    { name: 'copyEnv', shell: 'powershell', mode: 'unset' },
  ]);
});

dashboardTest('settings show main state and send changes to the bridge', async (d) => {
  const { page } = d;
  await d.push(state());
  const login = page.getByLabel('Start memex at login');
  const launch = page.getByLabel('Start the proxy when memex launches');
  const notices = page.getByLabel("Notify when a provider's limit is near, reached or reset");
  assert.equal(await login.isChecked(), false);
  assert.equal(await launch.isChecked(), true);
  assert.equal(await notices.isChecked(), true);
  assert.equal(await page.locator('#config-path').textContent(), '/home/me/.memex.yml');

  await login.check();
  await launch.uncheck();
  await notices.uncheck();
  await page.getByLabel('Default shell').selectOption('powershell');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  assert.deepEqual(await d.calls(), [
    { name: 'setSetting', setting: { key: 'autostart', value: true } },
    { name: 'setSetting', setting: { key: 'startProxyOnLaunch', value: false } },
    { name: 'setSetting', setting: { key: 'limitNotifications', value: false } },
    { name: 'setSetting', setting: { key: 'defaultShell', value: 'powershell' } },
    { name: 'openConfig' },
  ]);

  // Main's next state is the truth (say, the login item could not be set).
  await d.push(state({ configPath: null }));
  assert.equal(await login.isChecked(), false);
  assert.equal(await page.getByLabel('Default shell').inputValue(), 'bash');
  assert.equal(
    await page.locator('#config-path').textContent(),
    'None yet: memex runs on its defaults',
  );
  assert.equal(await page.locator('#config-open').textContent(), 'Create and open');
});

dashboardTest('a fresh install shows what to paste and a first curl request', async (d) => {
  const { page } = d;
  await d.push(
    state({
      status: { kind: 'running', host: '127.0.0.1', port: 9123 },
      statusLine: 'Running on 127.0.0.1:9123',
      stats: null,
    }),
  );
  assert.equal(await page.locator('#empty').isVisible(), true);
  assert.equal(await page.locator('#requests-scroll').isHidden(), true);
  assert.equal(
    await page.locator('#empty-env').textContent(),
    [
      "export ANTHROPIC_BASE_URL='http://127.0.0.1:9123/anthropic'",
      "export OPENAI_BASE_URL='http://127.0.0.1:9123/openai/v1'",
    ].join('\n'),
  );
  assert.match(
    (await page.locator('#empty-curl').textContent()) ?? '',
    /^curl http:\/\/127\.0\.0\.1:9123\/anthropic\/v1\/messages \\\n/,
  );

  await d.push(state({ stats: statsOf([request()]) }));
  assert.equal(await page.locator('#empty').isHidden(), true);
  assert.equal(await visibleRows(page).count(), 1);
});

dashboardTest('a fresh install while stopped says to start the proxy first', async (d) => {
  const { page } = d;
  await d.push(state({ status: { kind: 'stopped' }, statusLine: 'Stopped', stats: null }));
  assert.match((await page.locator('#empty-intro').textContent()) ?? '', /^Start the proxy/);
  assert.equal(await page.locator('#empty-env').isHidden(), true);
});

dashboardTest('the keyboard reaches every control, with a visible focus ring', async (d) => {
  const { page } = d;
  await d.push(state({ stats: statsOf([request()]) }));
  const reached: string[] = [];
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    reached.push(
      await page.evaluate(
        () => (globalThis as unknown as PageWindow).document.activeElement?.id ?? '',
      ),
    );
  }
  for (const id of [
    'toggle',
    'schema-filter',
    'requests-scroll',
    'env-shell',
    'env-mode',
    'env-copy',
    'setting-autostart',
    'setting-launch',
    'setting-shell',
    'config-open',
  ]) {
    assert.ok(reached.includes(id), `Tab reaches #${id} (reached ${reached.join(', ')})`);
  }
  assert.ok(reached.indexOf('toggle') < reached.indexOf('env-copy'), 'header first');

  await page.locator('#env-copy').focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  assert.equal(
    await page
      .locator('#env-copy')
      .evaluate(
        (element) => (globalThis as unknown as PageWindow).getComputedStyle(element).outlineStyle,
      ),
    'solid',
  );
  await page.keyboard.press('Enter');
  assert.deepEqual(await d.calls(), [{ name: 'copyEnv', shell: 'bash', mode: 'base-url' }]);
});

dashboardTest('follows the system light or dark appearance', async (d) => {
  const { page } = d;
  await d.push(state({ stats: statsOf([request()]) }));
  const colors = (): Promise<{ backgroundColor: string; color: string }> =>
    page.locator('html').evaluate((element) => {
      const style = (globalThis as unknown as PageWindow).getComputedStyle(element);
      return { backgroundColor: style.backgroundColor, color: style.color };
    });
  assert.deepEqual(await colors(), {
    backgroundColor: 'rgb(244, 245, 247)',
    color: 'rgb(28, 33, 40)',
  });
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await colors(), {
    backgroundColor: 'rgb(14, 17, 22)',
    color: 'rgb(228, 232, 238)',
  });
});

dashboardTest('growing numbers move nothing on the page', async (d) => {
  const { page } = d;
  const boxes = (): Promise<(string | undefined)[]> =>
    Promise.all(
      ['.card[data-schema="anthropic"]', '#toggle', '#requests-body tr >> nth=0', '.side'].map(
        async (selector) => JSON.stringify(await page.locator(selector).boundingBox()),
      ),
    );
  await d.push(state({ stats: statsOf(requests(3, TIME)) }));
  const before = await boxes();
  const big = requests(3, TIME + 5000).map((record) => ({
    ...record,
    durationMs: 345_678,
    bytesIn: 987_654_321,
    bytesOut: 123_456_789_012,
  }));
  await d.push(state({ stats: statsOf(big, { anthropic: 1_234_567 }), time: TIME + 6000 }));
  assert.deepEqual(await boxes(), before);
});

dashboardTest('the page runs under its CSP, also sent as a header', async (d) => {
  const { page } = d;
  const response = await page.goto(server().url);
  assert.equal(await response?.headerValue('content-security-policy'), server().csp);
  assert.match(server().csp, /script-src 'self'; style-src 'self';/);
  // An inline script is refused, and the fake bridge's listener reports the violation.
  const ran = await page.evaluate(() => {
    const page = globalThis as unknown as InlineScriptWindow;
    const script = page.document.createElement('script');
    script.textContent = 'globalThis.inlineRan = true';
    page.document.body.append(script);
    return page.inlineRan === true;
  });
  assert.equal(ran, false);
  const violations = await d.violations();
  // Once per policy: the meta tag's and the header's.
  assert.equal(violations.length, 2);
  for (const violation of violations) assert.match(violation, /^script-src-elem inline$/);
  // Expected: drop the report so the shared check still sees a clean page.
  await page.evaluate(() => {
    (globalThis as unknown as FakeBridgePage).__memex.violations.length = 0;
  });
  d.problems.splice(
    0,
    d.problems.length,
    ...d.problems.filter((text) => !/inline script/.test(text)),
  );
});
