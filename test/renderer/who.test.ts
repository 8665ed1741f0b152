// Who is calling, in real headless Chromium: the panel's tabs (clients, projects, sessions), its
// sorting by header, costs only where priced, today's sessions and the empty state; untrusted
// names shown as text; and the recent requests filtered by client, project and session.

import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { emptyStats, whoOf } from '../../build/preview.js';
import type { DashboardState } from '../../shared/bridge.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import type {
  ClientStats,
  ProjectRef,
  ProjectStats,
  SessionStats,
  WhoTally,
} from '../../shared/who.js';
import {
  TIME,
  request,
  setUpDashboard,
  state,
  statsOf,
  texts,
  visibleRows,
  type PageWindow,
} from './harness.js';

const { dashboardTest } = setUpDashboard();

const HOUR = 3_600_000;
// TIME is 09:30:05 on Wednesday 2025-01-15 (UTC, the pages' time zone).
const MIDNIGHT = Date.UTC(2025, 0, 15);

function tally(overrides: Partial<WhoTally>): WhoTally {
  return {
    requests: 1,
    errors: 0,
    bytesIn: 0,
    bytesOut: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    cost: null,
    tunnels: 0,
    firstSeen: TIME - HOUR,
    lastSeen: TIME - 1000,
    today: { requests: 1, tokens: 0, cost: null },
    ...overrides,
  };
}

const MEMEX: ProjectRef = { root: '/home/me/src/memex', name: 'memex', branch: 'main' };
const GATEWAY: ProjectRef = { root: '/home/me/work/gateway', name: 'gateway', branch: null };
const SESSION_A = '3f2a9c1e-7b4d-4e8a-9c61-0d5f2b8e4a17';
const SESSION_B = 'b81e04d7-2c59-4f3a-8e1d-6a9c7f30b2e5';
const SESSION_C = '0199c2d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d';

// Claude Code: most requests, most recent, priced; Codex: most tokens, unpriced; curl: least.
const CLIENTS: ClientStats[] = [
  {
    ...tally({ requests: 40, input: 1000, cacheRead: 30_000, cacheWrite: 2000, output: 1500 }),
    cost: 1.25,
    name: 'Claude Code',
    version: '2.1.332',
    sessionsToday: 2,
  },
  {
    ...tally({ requests: 12, input: 50_000, output: 8000, lastSeen: TIME - 60_000 }),
    name: 'Codex',
    version: '0.58.0',
    sessionsToday: 0,
  },
  {
    ...tally({ requests: 3, cost: 0.004, lastSeen: TIME - HOUR }),
    name: 'curl',
    version: null,
    sessionsToday: 0,
  },
];

const PROJECTS: ProjectStats[] = [
  { ...tally({ requests: 30, output: 900 }), ...MEMEX, clients: ['Claude Code', 'Codex'] },
  { ...tally({ requests: 5, lastSeen: TIME - 60_000 }), ...GATEWAY, clients: ['Codex'] },
];

const SESSIONS: SessionStats[] = [
  {
    ...tally({
      requests: 25,
      input: 2000,
      output: 500,
      firstSeen: TIME - 2 * HOUR,
      today: { requests: 25, tokens: 2500, cost: 0.5 },
    }),
    cost: 0.5,
    id: SESSION_A,
    client: 'Claude Code',
    project: MEMEX,
    process: 'claude',
  },
  {
    // Started last night, seen again just after midnight.
    ...tally({
      requests: 15,
      firstSeen: MIDNIGHT - 110 * 60_000,
      lastSeen: MIDNIGHT + 5000,
      today: { requests: 2, tokens: 12_000, cost: null },
    }),
    id: SESSION_B,
    client: 'Claude Code',
    project: null,
    process: null,
  },
  {
    ...tally({ requests: 12, firstSeen: MIDNIGHT - 4 * HOUR, lastSeen: MIDNIGHT - 1000 }),
    id: SESSION_C,
    client: 'Codex',
    project: GATEWAY,
    process: 'codex',
  },
];

function withWho(who: {
  clients?: ClientStats[];
  projects?: ProjectStats[];
  sessions?: SessionStats[];
}): DashboardState {
  return state({ stats: { ...emptyStats(), ...who } });
}

const WHO = withWho({ clients: CLIENTS, projects: PROJECTS, sessions: SESSIONS });

async function rowsOf(page: Page, body: string): Promise<string[][]> {
  const rows = page.locator(`${body} tr:not([hidden])`);
  const result: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    result.push(await texts(rows.nth(i).locator('td:visible')));
  }
  return result;
}

const whoRows = (page: Page) => rowsOf(page, '#who-rows');
const names = (page: Page) => texts(page.locator('#who-rows tr:not([hidden]) td.name'));
const tab = (page: Page, name: string) => page.getByRole('tab', { name, exact: true });
const sortBy = (page: Page, name: string) =>
  page.locator('#who-table th').getByRole('button', { name, exact: true }).click();

dashboardTest('a tab each for clients, projects and sessions, most recent first', async (d) => {
  const { page } = d;
  await d.push(WHO);
  assert.equal(
    await page.locator('#who-summary').textContent(),
    '3 clients · 2 projects · 2 sessions today',
  );
  assert.equal(await tab(page, 'Clients').getAttribute('aria-selected'), 'true');
  assert.deepEqual(await texts(page.locator('#who-table th:visible')), [
    'Client',
    'Sessions today',
    'Last seen',
    'Requests',
    'Tokens',
    'Cost',
  ]);
  assert.deepEqual(await whoRows(page), [
    ['Claude Code 2.1.332', '2', '09:30:04', '40', '34.5k', '1.25'],
    ['Codex 0.58.0', '0', '09:29:05', '12', '58.0k', '—'],
    ['curl', '0', '08:30:05', '3', '0', '<0.01'],
  ]);
  assert.equal(
    await page.locator('#who-rows tr').first().locator('td:visible').nth(4).getAttribute('title'),
    '1,000 input, 30,000 cache read, 2,000 cache write, 1,500 output',
  );

  await tab(page, 'Projects').click();
  assert.equal(await tab(page, 'Clients').getAttribute('aria-selected'), 'false');
  assert.deepEqual(await whoRows(page), [
    ['memex · main', 'Claude Code, Codex', '09:30:04', '30', '900'],
    ['gateway', 'Codex', '09:29:05', '5', '0'],
  ]);
  assert.equal(await page.locator('#who-rows td.name').first().getAttribute('title'), MEMEX.root);

  await tab(page, 'Sessions').click();
  assert.deepEqual(await texts(page.locator('#who-table th:visible')), [
    'Session',
    'Client',
    'Project',
    'Process',
    'First seen',
    'Last seen',
    'Requests',
    'Tokens',
    'Cost',
  ]);
  assert.deepEqual(await whoRows(page), [
    [
      SESSION_A,
      'Claude Code',
      'memex · main',
      'claude',
      '07:30:05',
      '09:30:04',
      '25',
      '2.5k',
      '0.50',
    ],
    [SESSION_B, 'Claude Code', '—', '—', 'Tue 22:10', '00:00:05', '15', '0', '—'],
    [SESSION_C, 'Codex', 'gateway', 'codex', 'Tue 20:00', 'Tue 23:59', '12', '0', '—'],
  ]);
  // The choice survives the next state.
  await d.push(WHO);
  assert.equal(await tab(page, 'Sessions').getAttribute('aria-selected'), 'true');
});

dashboardTest('a header sorts by its column, a second click reverses it', async (d) => {
  const { page } = d;
  await d.push(WHO);
  const lastSeen = page.locator('#who-sort-lastSeen');
  assert.equal(await lastSeen.getAttribute('aria-sort'), 'descending');

  await sortBy(page, 'Requests');
  assert.deepEqual(await names(page), ['Claude Code 2.1.332', 'Codex 0.58.0', 'curl']);
  assert.equal(await page.locator('#who-sort-requests').getAttribute('aria-sort'), 'descending');
  assert.equal(await lastSeen.getAttribute('aria-sort'), null);
  await sortBy(page, 'Requests');
  assert.deepEqual(await names(page), ['curl', 'Codex 0.58.0', 'Claude Code 2.1.332']);
  assert.equal(await page.locator('#who-sort-requests').getAttribute('aria-sort'), 'ascending');

  await sortBy(page, 'Tokens');
  assert.deepEqual(await names(page), ['Codex 0.58.0', 'Claude Code 2.1.332', 'curl']);

  // Unpriced last, whichever way.
  await sortBy(page, 'Cost');
  assert.deepEqual(await names(page), ['Claude Code 2.1.332', 'curl', 'Codex 0.58.0']);
  await sortBy(page, 'Cost');
  assert.deepEqual(await names(page), ['curl', 'Claude Code 2.1.332', 'Codex 0.58.0']);

  await sortBy(page, 'Last seen');
  assert.deepEqual(await names(page), ['Claude Code 2.1.332', 'Codex 0.58.0', 'curl']);
  await sortBy(page, 'Last seen');
  assert.deepEqual(await names(page), ['curl', 'Codex 0.58.0', 'Claude Code 2.1.332']);

  // The order holds for the other tabs and for the next state.
  await tab(page, 'Sessions').click();
  await d.push(WHO);
  assert.deepEqual(await names(page), [SESSION_C, SESSION_B, SESSION_A]);
});

dashboardTest('the cost column shows only when something was priced', async (d) => {
  const { page } = d;
  await d.push(WHO);
  const costHead = page.locator('#who-sort-cost');
  assert.equal(await costHead.isVisible(), true);
  await tab(page, 'Projects').click();
  assert.equal(await costHead.isHidden(), true);
  assert.equal(await page.locator('#who-rows td.cost').first().isHidden(), true);

  await tab(page, 'Clients').click();
  await d.push(withWho({ clients: CLIENTS.map((client) => ({ ...client, cost: null })) }));
  assert.equal(await costHead.isHidden(), true);
  assert.deepEqual(await whoRows(page), [
    ['Claude Code 2.1.332', '2', '09:30:04', '40', '34.5k'],
    ['Codex 0.58.0', '0', '09:29:05', '12', '58.0k'],
    ['curl', '0', '08:30:05', '3', '0'],
  ]);
});

dashboardTest("today's sessions are listed with their projects", async (d) => {
  const { page } = d;
  await d.push(WHO);
  assert.equal(await page.locator('#who-today').isVisible(), true);
  assert.deepEqual(await rowsOf(page, '#who-today-rows'), [
    ['07:30–09:30', 'Claude Code', 'memex · main', '25 requests', '2.5k tokens', '0.50'],
    ['Tue 22:10–00:00', 'Claude Code', '—', '2 requests', '12.0k tokens', ''],
  ]);

  // A day later, none of them is of today.
  await d.push({ ...WHO, time: TIME + 24 * HOUR });
  assert.equal(await page.locator('#who-today').isHidden(), true);
  assert.equal(
    await page.locator('#who-summary').textContent(),
    '3 clients · 2 projects · 0 sessions today',
  );
});

dashboardTest('before anyone calls, the panel says so', async (d) => {
  const { page } = d;
  await d.push(state());
  const none = page.locator('#who-none');
  assert.equal(await none.isVisible(), true);
  assert.match((await texts(none))[0] ?? '', /^No callers yet/);
  assert.equal(await page.locator('#who-tabs').isHidden(), true);
  assert.equal(await page.locator('#who-body').isHidden(), true);
  assert.equal(await page.locator('#who-summary').textContent(), '');

  await d.push(withWho({ clients: CLIENTS }));
  assert.equal(await none.isHidden(), true);
  await tab(page, 'Sessions').click();
  assert.equal(await page.locator('#who-table').isHidden(), true);
  assert.match((await page.locator('#who-tab-none').textContent()) ?? '', /^No sessions yet/);

  await d.push(state({ stats: null }));
  assert.equal(await none.isVisible(), true);
});

dashboardTest('the arrow keys move between the tabs', async (d) => {
  const { page } = d;
  await d.push(WHO);
  await tab(page, 'Clients').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await tab(page, 'Projects').getAttribute('aria-selected'), 'true');
  assert.equal(await tab(page, 'Projects').getAttribute('tabindex'), '0');
  assert.equal(await tab(page, 'Clients').getAttribute('tabindex'), '-1');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await tab(page, 'Sessions').getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#who-body').getAttribute('aria-labelledby'), 'who-tab-session');
  const focused = await page.evaluate(
    () => (globalThis as unknown as PageWindow).document.activeElement?.id,
  );
  assert.equal(focused, 'who-tab-session');
});

const HOSTILE = '<img src=x onerror="globalThis.pwned=1">';

dashboardTest('names from the network are shown as text, never as markup', async (d) => {
  const { page } = d;
  const hostileProject = { root: `/tmp/${HOSTILE}`, name: HOSTILE, branch: '<b>x</b>' };
  const records = [
    request({
      client: { name: HOSTILE, version: '<script>1</script>' },
      session: HOSTILE,
      project: hostileProject,
    }),
  ];
  await d.push(state({ stats: { ...statsOf(records), ...whoOf(records, TIME) } }));
  assert.deepEqual(await names(page), [`${HOSTILE} <script>1</script>`]);
  await tab(page, 'Projects').click();
  assert.deepEqual(await names(page), [`${HOSTILE} · <b>x</b>`]);
  await tab(page, 'Sessions').click();
  assert.deepEqual(await names(page), [HOSTILE]);
  assert.equal(
    await visibleRows(page).locator('td.client').textContent(),
    `${HOSTILE} <script>1</script>`,
  );
  assert.deepEqual(await texts(page.locator('#client-filter option')), ['All', HOSTILE]);
  assert.equal(await page.locator('img, b, main script').count(), 0);
  assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
});

// Five requests: two Claude Code sessions in two projects, Codex in a third, curl with neither,
// and one from a client that named nothing.
const CALLED: RequestRecord[] = [
  request({
    time: TIME - 1000,
    client: { name: 'Claude Code', version: '2.1.332' },
    session: SESSION_A,
    project: MEMEX,
    process: { pid: 4242, name: 'claude', cwd: `${MEMEX.root}/renderer` },
  }),
  request({
    time: TIME - 2000,
    client: { name: 'Codex', version: '0.58.0' },
    session: SESSION_C,
    project: GATEWAY,
    schema: 'openai-responses',
  }),
  request({
    time: TIME - 3000,
    client: { name: 'Claude Code', version: '2.1.330' },
    session: SESSION_B,
    project: { root: '/home/me/src/memex-limits', name: 'memex-limits', branch: 'limits' },
  }),
  request({ time: TIME - 4000, client: { name: 'curl', version: '8.14.1' }, user: 'ci' }),
  request({ time: TIME - 5000 }),
];

const calledState = (records = CALLED): DashboardState =>
  state({ stats: { ...statsOf(records), ...whoOf(records, TIME) } });

const clientCells = (page: Page) => texts(visibleRows(page).locator('td.client'));

dashboardTest('recent requests show their client, and who called in its tooltip', async (d) => {
  const { page } = d;
  await d.push(calledState());
  assert.deepEqual(await clientCells(page), [
    'Claude Code 2.1.332',
    'Codex 0.58.0',
    'Claude Code 2.1.330',
    'curl 8.14.1',
    '—',
  ]);
  const cells = visibleRows(page).locator('td.client');
  assert.equal(
    await cells.nth(0).getAttribute('title'),
    [
      'Claude Code 2.1.332',
      `Project: memex · main (${MEMEX.root})`,
      `Session: ${SESSION_A}`,
      `Process: claude (pid 4242) in ${MEMEX.root}/renderer`,
    ].join('\n'),
  );
  assert.equal(await cells.nth(3).getAttribute('title'), 'curl 8.14.1\nUser: ci');
  assert.equal(await cells.nth(4).getAttribute('title'), 'Client not known');
});

dashboardTest('recent requests filter by client, project and session', async (d) => {
  const { page } = d;
  await d.push(calledState());
  const client = page.locator('#client-filter');
  const project = page.locator('#project-filter');
  const session = page.locator('#session-filter');
  assert.deepEqual(await texts(client.locator('option')), ['All', 'Claude Code', 'Codex', 'curl']);
  assert.deepEqual(await texts(project.locator('option')), [
    'All',
    'gateway',
    'memex',
    'memex-limits',
  ]);
  assert.deepEqual(await texts(session.locator('option')), [
    'All',
    'Claude Code · 3f2a9c1e…',
    'Claude Code · b81e04d7…',
    'Codex · 0199c2d4…',
  ]);

  await client.selectOption({ label: 'Claude Code' });
  assert.deepEqual(await clientCells(page), ['Claude Code 2.1.332', 'Claude Code 2.1.330']);
  await project.selectOption({ label: 'memex' });
  assert.deepEqual(await clientCells(page), ['Claude Code 2.1.332']);
  await client.selectOption('');
  await project.selectOption({ label: 'gateway' });
  assert.deepEqual(await clientCells(page), ['Codex 0.58.0']);
  await page
    .getByRole('region', { name: 'Recent requests' })
    .getByLabel('Schema')
    .selectOption('anthropic');
  assert.equal(await visibleRows(page).count(), 0);
  assert.equal(await page.locator('#requests-none').isVisible(), true);

  await page.getByRole('region', { name: 'Recent requests' }).getByLabel('Schema').selectOption('');
  await project.selectOption('');
  await session.selectOption(SESSION_B);
  assert.deepEqual(await clientCells(page), ['Claude Code 2.1.330']);

  // A chosen session that has left the recent requests stays chosen, under its name, until
  // the user chooses another.
  const later = CALLED.filter((record) => record.session !== SESSION_B);
  await d.push(calledState(later));
  assert.equal(await session.inputValue(), SESSION_B);
  assert.equal(await session.locator('option:checked').textContent(), 'Claude Code · b81e04d7…');
  assert.equal(await visibleRows(page).count(), 0);
  await session.selectOption('');
  assert.equal(await visibleRows(page).count(), 4);
  await d.push(calledState(later));
  assert.deepEqual(await texts(session.locator('option')), [
    'All',
    'Claude Code · 3f2a9c1e…',
    'Codex · 0199c2d4…',
  ]);
});

dashboardTest('without callers in the recent requests, their filters hide', async (d) => {
  const { page } = d;
  await d.push(state({ stats: statsOf([request()]) }));
  for (const id of ['client', 'project', 'session']) {
    assert.equal(await page.locator(`#${id}-filter-field`).isHidden(), true, id);
  }
  await d.push(calledState());
  for (const id of ['client', 'project', 'session']) {
    assert.equal(await page.locator(`#${id}-filter-field`).isVisible(), true, id);
  }
});

dashboardTest('clicking a row of the panel shows its requests below', async (d) => {
  const { page } = d;
  await d.push(calledState());
  await tab(page, 'Sessions').click();
  await page.locator('#who-rows td.name', { hasText: SESSION_C }).click();
  assert.equal(await page.locator('#session-filter').inputValue(), SESSION_C);
  assert.deepEqual(await clientCells(page), ['Codex 0.58.0']);

  // Another kind replaces the filter: the session's goes back to All.
  await tab(page, 'Projects').click();
  await page.locator('#who-rows td.name', { hasText: 'memex-limits' }).click();
  assert.equal(await page.locator('#session-filter').inputValue(), '');
  assert.equal(await page.locator('#project-filter').inputValue(), '/home/me/src/memex-limits');
  assert.deepEqual(await clientCells(page), ['Claude Code 2.1.330']);

  // A session none of the recent requests has still gets its option, from today's list.
  const gone = { ...SESSIONS[1], id: 'e5d4c3b2-a190-4f00-8000-7c1d2e3f4a5b' } as SessionStats;
  await d.push(state({ stats: { ...statsOf(CALLED), ...whoOf(CALLED, TIME), sessions: [gone] } }));
  await page.locator('#who-today-rows td', { hasText: 'Tue 22:10' }).click();
  assert.equal(await page.locator('#session-filter').inputValue(), gone.id);
  assert.equal(
    await page.locator('#session-filter option:checked').textContent(),
    'Claude Code · e5d4c3b2…',
  );
  assert.equal(await page.locator('#project-filter').inputValue(), '');
  assert.equal(await visibleRows(page).count(), 0);
});
