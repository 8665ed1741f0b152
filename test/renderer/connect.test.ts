// The "Connect an agent" panel in headless Chromium: each agent's exact setting, the copy call it
// makes, whether memex has seen the agent, and when the panel is open.

import assert from 'node:assert/strict';
import { AGENTS, agentSnippet } from '../../shared/agent-setup.js';
import type { ListenAddress } from '../../shared/env.js';
import type { ProxyStatus } from '../../shared/status.js';
import type { ClientStats } from '../../shared/who.js';
import { emptyStats } from '../../build/preview.js';
import {
  MINUTE,
  SETTINGS as DEFAULT_SETTINGS,
  TIME,
  request,
  setUpDashboard,
  state,
  statsOf,
} from './harness.js';

const { dashboardTest } = setUpDashboard();

const ADDRESS: ListenAddress = { host: '127.0.0.1', port: 9123 };
const RUNNING: ProxyStatus = { kind: 'running', ...ADDRESS };
const SETTINGS = { ...DEFAULT_SETTINGS, defaultShell: 'fish' } as const;

function client(name: string, overrides: Partial<ClientStats> = {}): ClientStats {
  return {
    name,
    version: null,
    sessionsToday: 0,
    requests: 0,
    errors: 0,
    bytesIn: 0,
    bytesOut: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    cost: null,
    tunnels: 0,
    firstSeen: TIME - 60 * MINUTE,
    lastSeen: TIME,
    today: { requests: 0, tokens: 0, cost: null },
    ...overrides,
  };
}

dashboardTest(
  'shows each agent its exact setting and copies it for the chosen shell',
  async (d) => {
    const { page } = d;
    await d.push(state({ status: RUNNING, settings: SETTINGS }));
    // Nothing has come through memex yet: the panel is open.
    assert.equal(await page.locator('#connect').getAttribute('open'), '');
    assert.equal(await page.locator('#connect-shell').inputValue(), 'fish');

    for (const agent of AGENTS) {
      await page.locator('#connect-agent').selectOption(agent.id);
      const snippet = agentSnippet(agent.id, 'fish', ADDRESS);
      assert.equal(await page.locator('#connect-text').textContent(), snippet.text, agent.id);
      assert.equal(
        await page.locator('#connect-where').textContent(),
        snippet.kind === 'shell'
          ? 'Paste into the terminal you start it from:'
          : `Put this in ${snippet.file}:`,
      );
      assert.equal(await page.locator('#connect-shell').isVisible(), snippet.kind === 'shell');
      assert.equal(await page.locator('#connect-note').isVisible(), agent.note !== '', agent.id);
      if (agent.note !== '') {
        assert.equal(await page.locator('#connect-note').textContent(), agent.note);
      }
      await page.getByRole('button', { name: 'Copy setup' }).click();
    }
    assert.equal(await page.locator('#connect-copied').textContent(), 'Copied');

    await page.locator('#connect-agent').selectOption('gemini-cli');
    await page.locator('#connect-shell').selectOption('powershell');
    assert.equal(
      await page.locator('#connect-text').textContent(),
      "$env:GOOGLE_GEMINI_BASE_URL = 'http://127.0.0.1:9123/gemini'",
    );
    await page.locator('#connect-copy').click();
    // The user's pick survives a later state naming another default shell.
    await d.push(state({ status: RUNNING, settings: { ...SETTINGS, defaultShell: 'cmd' } }));
    assert.equal(await page.locator('#connect-shell').inputValue(), 'powershell');

    assert.deepEqual(await d.calls(), [
      ...AGENTS.map((agent) => ({ name: 'copyAgentSetup', agent: agent.id, shell: 'fish' })),
      { name: 'copyAgentSetup', agent: 'gemini-cli', shell: 'powershell' },
    ]);
  },
);

dashboardTest('says whether the agent was seen, by requests or only through tunnels', async (d) => {
  const { page } = d;
  const stats = {
    ...statsOf([request()]),
    clients: [
      client('Claude Code', { requests: 14, lastSeen: TIME - 2 * MINUTE - 5000 }),
      client('Gemini CLI', { tunnels: 3, lastSeen: TIME - 20_000 }),
      client('OpenAI SDK (JS)', { requests: 1, lastSeen: TIME - 3 * 60 * MINUTE }),
      client('OpenAI SDK (Python)', { requests: 2, lastSeen: TIME - 5 * 60 * MINUTE }),
    ],
  };
  await d.push(state({ status: RUNNING, settings: SETTINGS, stats }));
  // Traffic has come through: the panel starts closed.
  assert.equal(await page.locator('#connect').getAttribute('open'), null);
  await page.locator('#connect-summary').click();

  const seen = async (agent: string): Promise<string | null> => {
    await page.locator('#connect-agent').selectOption(agent);
    return page.locator('#connect-seen').textContent();
  };
  assert.equal(await seen('claude-code'), 'Seen 2 min ago, 14 requests');
  assert.equal(
    await seen('gemini-cli'),
    'Seen just now, only through HTTPS_PROXY (3 tunnels): its tokens and limits need the ' +
      'base-URL setting above.',
  );
  assert.equal(await seen('openai-sdk'), 'Seen 3 h ago, 3 requests');
  assert.equal(await seen('opencode'), 'Not seen yet: its first request shows here.');

  // A later state's clock moves "ago" on.
  await page.locator('#connect-agent').selectOption('claude-code');
  await d.push(state({ status: RUNNING, settings: SETTINGS, stats, time: TIME + 10 * MINUTE }));
  assert.equal(await page.locator('#connect-seen').textContent(), 'Seen 12 min ago, 14 requests');
  // Opened by the user, it stays open.
  assert.equal(await page.locator('#connect').getAttribute('open'), '');
});

dashboardTest('stopped, it names no port and copies nothing', async (d) => {
  const { page } = d;
  await d.push(state({ status: { kind: 'stopped' }, statusLine: 'Stopped', stats: emptyStats() }));
  assert.equal(await page.locator('#connect-stopped').isVisible(), true);
  assert.equal(await page.locator('#connect-text').isVisible(), false);
  assert.equal(await page.locator('#connect-copy').isDisabled(), true);
  assert.equal(
    await page.locator('#connect-seen').textContent(),
    'Not seen yet: its first request shows here.',
  );
  // Closed by the user, it stays closed when traffic stops being fresh or starts again.
  await page.locator('#connect-summary').click();
  await d.push(state({ status: RUNNING, stats: emptyStats() }));
  assert.equal(await page.locator('#connect').getAttribute('open'), null);
  assert.deepEqual(await d.calls(), []);
});
