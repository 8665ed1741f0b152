import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import { createStats } from '../../proxy-core/stats.js';
import type { StatsSnapshot } from '../../shared/snapshot.js';
import type { ClientStats } from '../../shared/who.js';
import {
  clientLines,
  iconState,
  menuTemplate,
  statusLine,
  tooltip,
  trayTitle,
  type TrayActions,
  type TrayState,
} from '../../main/menu.js';
import type { ProxyStatus } from '../../shared/status.js';
import { formatTokens } from '../../shared/usage-text.js';
import type { SchemaId } from '../../proxy-core/http/schema.js';
import type { UsageOutcome } from '../../proxy-core/usage/outcome.js';
import { UsageTotals } from '../../proxy-core/usage/totals.js';

type Call = readonly [string, ...unknown[]];

function recorder(): { actions: TrayActions; calls: Call[] } {
  const calls: Call[] = [];
  const actions: TrayActions = {
    start: () => calls.push(['start']),
    stop: () => calls.push(['stop']),
    useAnotherPort: () => calls.push(['useAnotherPort']),
    copyEnv: (shell, mode) => calls.push(['copyEnv', shell, mode]),
    copyAgentSetup: (agent, shell) => calls.push(['copyAgentSetup', agent, shell]),
    openDashboard: () => calls.push(['openDashboard']),
    openConfig: () => calls.push(['openConfig']),
    setAutostart: (enabled) => calls.push(['setAutostart', enabled]),
    quit: () => calls.push(['quit']),
  };
  return { actions, calls };
}

const RUNNING: ProxyStatus = { kind: 'running', host: '127.0.0.1', port: 8080 };

function state(overrides: Partial<TrayState> = {}): TrayState {
  return {
    status: RUNNING,
    stats: null,
    autostart: false,
    autostartAvailable: true,
    defaultShell: 'bash',
    configError: null,
    platform: 'linux',
    usageToday: null,
    pricing: {},
    ...overrides,
  };
}

function labels(items: readonly MenuItemConstructorOptions[]): string[] {
  return items.map((item) => (item.type === 'separator' ? '---' : (item.label ?? '')));
}

function find(
  items: readonly MenuItemConstructorOptions[],
  label: string,
): MenuItemConstructorOptions {
  const item = items.find((candidate) => candidate.label === label);
  assert.ok(item !== undefined, `no item "${label}" in ${labels(items).join(' | ')}`);
  return item;
}

function click(item: MenuItemConstructorOptions, checked = false): void {
  assert.ok(item.click !== undefined, `"${item.label ?? ''}" has no click`);
  // Only `checked` of the MenuItem is read by our handlers.
  (item.click as (menuItem: { checked: boolean }) => void)({ checked });
}

function snapshot(mix: readonly (readonly [string, number])[] = []): StatsSnapshot {
  const stats = createStats(() => 0);
  for (const [schema, status] of mix) {
    stats.requestStarted();
    stats.requestEnded({
      time: 0,
      method: 'POST',
      host: 'h',
      path: '/',
      schema: schema as 'anthropic',
      status,
      complete: true,
      durationMs: 1,
      bytesIn: 0,
      bytesOut: 0,
    });
  }
  return stats.snapshot();
}

test('the status line says what the proxy is doing, for every state', () => {
  const rows: readonly (readonly [ProxyStatus, string, 'running' | 'stopped' | 'error'])[] = [
    [RUNNING, 'Running on 127.0.0.1:8080', 'running'],
    [{ kind: 'running', host: '::1', port: 9000 }, 'Running on [::1]:9000', 'running'],
    [{ kind: 'stopped' }, 'Stopped', 'stopped'],
    [{ kind: 'starting' }, 'Starting…', 'stopped'],
    [{ kind: 'stopping' }, 'Stopping…', 'stopped'],
    [
      { kind: 'restarting', retryInMs: 2000, attempt: 2, lastError: 'x' },
      'Crashed, restarting in 2 s',
      'error',
    ],
    [
      { kind: 'restarting', retryInMs: 500, attempt: 1, lastError: 'x' },
      'Crashed, restarting in 0.5 s',
      'error',
    ],
    [
      { kind: 'failed', code: 'PORT_IN_USE', reason: 'in use', port: 8080 },
      'Port 8080 is in use',
      'error',
    ],
    [
      { kind: 'failed', code: 'CONFIG_INVALID', reason: 'memex.yml:1:1: prot: unknown key' },
      'Stopped: memex.yml:1:1: prot: unknown key',
      'error',
    ],
    [
      { kind: 'failed', code: 'WORKER_CRASHED', reason: 'crashed 5 times in a row: exit code 1' },
      'Stopped: crashed 5 times in a row: exit code 1',
      'error',
    ],
  ];
  for (const [status, line, icon] of rows) {
    assert.equal(statusLine(status), line);
    assert.equal(iconState(status), icon);
    assert.equal(tooltip(state({ status })), `memex — ${line}`);
    assert.deepEqual(menuTemplate(state({ status }), recorder().actions)[0], {
      label: line,
      enabled: false,
    });
  }
});

test('the running menu lists counts, actions and the checkbox in order', () => {
  const items = menuTemplate(
    state({
      stats: snapshot([
        ['anthropic', 200],
        ['anthropic', 500],
        ['gemini', 200],
      ]),
    }),
    recorder().actions,
  );
  assert.deepEqual(labels(items), [
    'Running on 127.0.0.1:8080',
    '---',
    'Anthropic: 2 requests (1 error)',
    'OpenAI: 0 requests',
    'Gemini: 1 request',
    '---',
    'Stop proxy',
    'Copy env vars',
    '---',
    'Open dashboard',
    'Open config file',
    'Start at login',
    '---',
    'Quit memex',
  ]);
});

test('Anthropic and OpenAI are always listed, before any traffic', () => {
  const items = menuTemplate(state({ stats: null }), recorder().actions);
  assert.deepEqual(labels(items).slice(2, 4), ['Anthropic: 0 requests', 'OpenAI: 0 requests']);
});

test('HTTPS tunnels are counted with the top three hosts', () => {
  const stats = createStats(() => 0);
  for (const [host, times] of [
    ['api.anthropic.com', 5],
    ['api.openai.com', 3],
    ['a.example', 1],
    ['b.example', 2],
  ] as const) {
    for (let i = 0; i < times; i++) stats.tunnelOpened(host, 'unknown');
  }
  const items = labels(menuTemplate(state({ stats: stats.snapshot() }), recorder().actions));
  const at = items.indexOf('HTTPS tunnels: 11');
  assert.ok(at > 0);
  assert.deepEqual(items.slice(at + 1, at + 4), [
    '    api.anthropic.com: 5',
    '    api.openai.com: 3',
    '    b.example: 2',
  ]);
});

test('Start/Stop follows the state, and each item calls its action', () => {
  const { actions, calls } = recorder();
  click(find(menuTemplate(state(), actions), 'Stop proxy'));
  click(find(menuTemplate(state({ status: { kind: 'stopped' } }), actions), 'Start proxy'));
  const stopping = find(
    menuTemplate(state({ status: { kind: 'stopping' } }), actions),
    'Start proxy',
  );
  assert.equal(stopping.enabled, false);
  const items = menuTemplate(state(), actions);
  click(find(items, 'Open dashboard'));
  click(find(items, 'Open config file'));
  click(find(items, 'Start at login'), true);
  click(find(items, 'Quit memex'));
  assert.deepEqual(calls, [
    ['stop'],
    ['start'],
    ['openDashboard'],
    ['openConfig'],
    ['setAutostart', true],
    ['quit'],
  ]);
});

test('Start at login is disabled where it cannot work (an unpackaged app)', () => {
  const item = find(
    menuTemplate(state({ autostartAvailable: false }), recorder().actions),
    'Start at login',
  );
  assert.equal(item.enabled, false);
  assert.equal(find(menuTemplate(state(), recorder().actions), 'Start at login').enabled, true);
});

test('the Start at login checkbox shows the real state', () => {
  assert.equal(
    find(menuTemplate(state({ autostart: true }), recorder().actions), 'Start at login').checked,
    true,
  );
  assert.equal(
    find(menuTemplate(state({ autostart: false }), recorder().actions), 'Start at login').checked,
    false,
  );
});

test('port in use offers another port', () => {
  const { actions, calls } = recorder();
  const items = menuTemplate(
    state({ status: { kind: 'failed', code: 'PORT_IN_USE', reason: 'x', port: 8080 } }),
    actions,
  );
  click(find(items, 'Use another port'));
  assert.deepEqual(calls, [['useAnotherPort']]);
  assert.equal(labels(menuTemplate(state(), actions)).includes('Use another port'), false);
});

test('a config error shows its file and line under the status', () => {
  const items = menuTemplate(
    state({
      configError: {
        file: 'memex.yml',
        issues: [
          {
            line: 7,
            column: 3,
            key: 'upstreams.openai',
            message: '"htp://x" is not an http(s) URL',
          },
        ],
      },
    }),
    recorder().actions,
  );
  assert.equal(
    items[1]?.label,
    'Config error: memex.yml:7:3: upstreams.openai: "htp://x" is not an http(s) URL',
  );
});

test('Copy env vars offers every mode and shell, the default shell first, for the live port', () => {
  const { actions, calls } = recorder();
  const copy = find(menuTemplate(state({ defaultShell: 'fish' }), actions), 'Copy env vars');
  const modes = copy.submenu as MenuItemConstructorOptions[];
  assert.deepEqual(labels(modes), [
    'Proxy (HTTP_PROXY…)',
    'Base URLs (ANTHROPIC_BASE_URL…)',
    'Unset',
    '---',
    'Connect an agent',
  ]);
  const shells = modes[1]?.submenu as MenuItemConstructorOptions[];
  assert.deepEqual(labels(shells), ['fish', 'bash / zsh', 'PowerShell', 'cmd']);
  click(find(shells, 'PowerShell'));
  assert.deepEqual(calls, [['copyEnv', 'powershell', 'base-url']]);

  const stopped = find(
    menuTemplate(state({ status: { kind: 'stopped' } }), actions),
    'Copy env vars',
  );
  assert.deepEqual(
    (stopped.submenu as MenuItemConstructorOptions[]).map((item) => item.enabled),
    [false, false, true, undefined, false],
  );
});

test('the macOS title is the total request count', () => {
  assert.equal(trayTitle(state({ stats: null })), '');
  assert.equal(trayTitle(state({ stats: snapshot() })), '');
  assert.equal(
    trayTitle(
      state({
        stats: snapshot([
          ['anthropic', 200],
          ['openai', 200],
          ['unknown', 404],
        ]),
      }),
    ),
    '3',
  );
});

/** A day's totals built through the real UsageTotals, as the worker and the store make them. */
function usageDay(
  outcomes: readonly (readonly [SchemaId, UsageOutcome])[],
): NonNullable<TrayState['usageToday']> {
  const totals = new UsageTotals();
  for (const [schema, outcome] of outcomes) totals.add(schema, outcome, '2025-06-12');
  return totals.snapshot().days['2025-06-12'] ?? { schemas: {}, models: {} };
}

const counted = (model: string, input: number, output: number, cacheRead = 0): UsageOutcome => ({
  kind: 'counted',
  model,
  tokens: { input, output, cacheRead, cacheWrite: 0 },
});

test("schema lines add today's tokens, the prompt counted with its cache", () => {
  const today = usageDay([
    ['anthropic', counted('claude-sonnet-4-5', 4_000, 1_500, 30_100)],
    ['anthropic', counted('claude-sonnet-4-5', 0, 800)],
    ['openai', { kind: 'unknown', model: 'gpt-4.1' }],
    ['openai', { kind: 'unparsed', model: '' }],
    ['gemini', counted('gemini-2.5-flash', 999, 1)],
  ]);
  const items = labels(
    menuTemplate(
      state({ stats: snapshot([['anthropic', 200]]), usageToday: today }),
      recorder().actions,
    ),
  );
  assert.deepEqual(items.slice(2, 5), [
    'Anthropic: 1 request · 34.1k in / 2.3k out today',
    'OpenAI: 0 requests · tokens unknown',
    // Tokens today keep a schema listed even when this worker has not seen it yet.
    'Gemini: 0 requests · 999 in / 1 out today',
  ]);
});

test('the tooltip adds tokens today, and their cost once the models are priced', () => {
  const today = usageDay([
    ['anthropic', counted('claude-sonnet-4-5', 1_000_000, 100_000)],
    ['openai', counted('gpt-4.1', 200_000, 60_000)],
  ]);
  const base = 'memex — Running on 127.0.0.1:8080';
  assert.equal(tooltip(state({ usageToday: usageDay([]) })), base);
  assert.equal(tooltip(state({ usageToday: today })), `${base} · 1.4M tokens today`);
  const sonnet = { input_per_mtok: 3, output_per_mtok: 15 };
  assert.equal(
    tooltip(state({ usageToday: today, pricing: { 'claude-sonnet-4*': sonnet } })),
    `${base} · 1.4M tokens today · cost ≥ 4.50`,
  );
  assert.equal(
    tooltip(
      state({
        usageToday: today,
        pricing: { 'claude-*': sonnet, 'gpt-4.1': { input_per_mtok: 2, output_per_mtok: 8 } },
      }),
    ),
    `${base} · 1.4M tokens today · cost 5.38`,
  );
});

test('token counts are written in three significant digits at most', () => {
  const cases: readonly (readonly [number, string])[] = [
    [0, '0'],
    [999, '999'],
    [1000, '1.0k'],
    [34_149, '34.1k'],
    [99_949, '99.9k'],
    [99_950, '100k'],
    [999_499, '999k'],
    [999_500, '1.0M'],
    [12_345_678, '12.3M'],
    [4_200_000_000, '4.2B'],
  ];
  for (const [count, text] of cases) assert.equal(formatTokens(count), text, String(count));
});

test('limits: one line per provider account, the icon amber at 90 % and red when refused', () => {
  const stats = createStats(() => Date.now());
  const reading = (usedFraction: number, status: 'allowed' | 'rejected') => ({
    provider: 'codex' as const,
    windows: [
      {
        id: 'primary',
        usedFraction,
        limit: null,
        remaining: null,
        resetsAt: null,
        windowMinutes: 300,
        status,
      },
    ],
    retryAfterMs: null,
    binding: null,
    plan: 'plus',
  });
  stats.limitsRead('chatgpt.com', 'abc', reading(0.42, 'allowed'), 200);
  const items = labels(menuTemplate(state({ stats: stats.snapshot() }), recorder().actions));
  assert.ok(items.includes('Codex: 5h 42%'), items.join(' | '));
  assert.equal(iconState(RUNNING, stats.snapshot()), 'running');
  assert.match(tooltip(state({ stats: stats.snapshot() })), /\nCodex: 5h 42%$/);

  stats.limitsRead('chatgpt.com', 'abc', reading(0.93, 'allowed'), 200);
  assert.equal(iconState(RUNNING, stats.snapshot()), 'warning');
  stats.limitsRead('chatgpt.com', 'abc', reading(1, 'rejected'), 429);
  assert.equal(iconState(RUNNING, stats.snapshot()), 'limited');
  assert.equal(iconState({ kind: 'stopped' }, stats.snapshot()), 'stopped');
});

test('limits behind CONNECT tunnels cannot show, and the tray says why', () => {
  const stats = createStats(() => 0);
  stats.tunnelOpened('api.anthropic.com', 'anthropic');
  const items = labels(menuTemplate(state({ stats: stats.snapshot() }), recorder().actions));
  assert.ok(items.includes('Limits not visible through HTTPS_PROXY; use the base-URL settings'));
});

test("Connect an agent copies each agent's setup for the default shell", () => {
  const { actions, calls } = recorder();
  const copy = find(menuTemplate(state({ defaultShell: 'fish' }), actions), 'Copy env vars');
  const connect = find(copy.submenu as MenuItemConstructorOptions[], 'Connect an agent');
  assert.equal(connect.enabled, true);
  const agents = connect.submenu as MenuItemConstructorOptions[];
  assert.deepEqual(labels(agents), [
    'Claude Code',
    'Codex CLI (API key) — config.toml',
    'Codex CLI (ChatGPT plan) — config.toml',
    'Gemini CLI',
    'opencode — opencode.json',
    'Anthropic SDK (JS, Python)',
    'OpenAI SDK (JS, Python)',
  ]);
  for (const item of agents) click(item);
  assert.deepEqual(calls, [
    ['copyAgentSetup', 'claude-code', 'fish'],
    ['copyAgentSetup', 'codex', 'fish'],
    ['copyAgentSetup', 'codex-chatgpt', 'fish'],
    ['copyAgentSetup', 'gemini-cli', 'fish'],
    ['copyAgentSetup', 'opencode', 'fish'],
    ['copyAgentSetup', 'anthropic-sdk', 'fish'],
    ['copyAgentSetup', 'openai-sdk', 'fish'],
  ]);
});

function client(name: string, today: ClientStats['today'], sessionsToday = 0): ClientStats {
  return {
    name,
    version: null,
    sessionsToday,
    requests: today.requests,
    errors: 0,
    bytesIn: 0,
    bytesOut: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    cost: null,
    tunnels: 0,
    firstSeen: 0,
    lastSeen: 0,
    today,
  };
}

test('the busiest clients today get a line each, most tokens first, four at most', () => {
  const clients = [
    client('curl', { requests: 2, tokens: 0, cost: null }),
    client('Claude Code', { requests: 40, tokens: 41_000, cost: null }, 3),
    client('Codex CLI', { requests: 9, tokens: 1_200_000, cost: null }, 1),
    client('Gemini CLI', { requests: 0, tokens: 0, cost: null }),
    client('OpenAI SDK (Python)', { requests: 12, tokens: 3400, cost: null }),
    client('opencode', { requests: 5, tokens: 41_000, cost: null }, 2),
  ];
  const stats = { ...snapshot(), clients };
  const expected = [
    'Codex CLI · 1 session · 1.2M tokens today',
    'Claude Code · 3 sessions · 41.0k tokens today',
    'opencode · 2 sessions · 41.0k tokens today',
    'OpenAI SDK (Python) · 12 requests · 3.4k tokens today',
  ];
  assert.deepEqual(clientLines(stats), expected);
  const items = labels(menuTemplate(state({ stats }), recorder().actions));
  const at = items.indexOf(expected[0] ?? '');
  assert.equal(items[at - 1], '---');
  assert.deepEqual(items.slice(at, at + 5), [...expected, '---']);
});

test('no client lines while no client is busy today', () => {
  const idle = {
    ...snapshot(),
    clients: [client('Claude Code', { requests: 0, tokens: 0, cost: null })],
  };
  assert.deepEqual(clientLines(idle), []);
  assert.deepEqual(clientLines(null), []);
  assert.deepEqual(
    labels(menuTemplate(state({ stats: idle }), recorder().actions)),
    labels(menuTemplate(state({ stats: snapshot() }), recorder().actions)),
  );
});

test('the inspector says it is recording, right under the status line, only while on', () => {
  const on = labels(menuTemplate(state({ inspector: true }), recorder().actions));
  assert.equal(on[1], 'Inspector on: bodies are being recorded');
  const off = labels(menuTemplate(state(), recorder().actions));
  assert.equal(off.includes('Inspector on: bodies are being recorded'), false);
});
