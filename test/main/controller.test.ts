// The tray app's behaviour end to end under Node: the real supervisor running the real worker
// (child_process.fork), a config file in a temporary home directory, and small fakes for what
// only Electron provides (clipboard, shell.openPath, the window, app exit).

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Autostart } from '../../main/autostart.js';
import { createController, toConfigProblem, type Controller } from '../../main/controller.js';
import { launchNode } from '../helpers/launcher-node.js';
import { menuTemplate, statusLine, type TrayState } from '../../main/menu.js';
import { defaultSettings, type Settings, type SettingsStore } from '../../main/settings.js';
import { createSupervisor } from '../../main/supervisor.js';
import { createUsageStore } from '../../main/usage-store.js';
import { ConfigError } from '../../proxy-core/errors.js';
import { dayKey, type UsageSnapshot } from '../../proxy-core/usage/totals.js';
import { configProblemText } from '../../shared/config-text.js';
import { send } from '../helpers/client.js';
import { withGuard } from '../helpers/process-spawn.js';
import { recordLaunches } from '../helpers/supervisor-harness.js';
import { startUpstream } from '../helpers/servers.js';

function memorySettings(overrides: Partial<Settings> = {}): SettingsStore {
  const store: Settings = { ...defaultSettings('linux'), ...overrides };
  return {
    get: (key) => store[key],
    set: (key, value) => {
      store[key] = value;
    },
    get store() {
      return store;
    },
  };
}

function fakeAutostart(): Autostart & { enabled: boolean } {
  const fake = {
    enabled: false,
    isEnabled: () => Promise.resolve(fake.enabled),
    setEnabled: (enabled: boolean) => {
      fake.enabled = enabled;
      return Promise.resolve();
    },
  };
  return fake;
}

interface App {
  controller: Controller;
  home: string;
  clipboard: string[];
  opened: string[];
  /** Desktop notifications shown, as `title: body`. */
  notices: string[];
  exited: Promise<void>;
  /** Resolves with the first rendered state that satisfies `predicate` (seen already or later). */
  until(predicate: (state: TrayState) => boolean, what: string): Promise<TrayState>;
}

async function startApp(
  t: TestContext,
  configText: string | null,
  settings = memorySettings(),
  autostart: Autostart | null = fakeAutostart(),
  usageFile?: string,
): Promise<App> {
  const home = await mkdtemp(join(tmpdir(), 'memex-app-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  if (configText !== null) await writeFile(join(home, 'memex.yml'), configText);
  const { launcher } = recordLaunches(t, launchNode);
  const usage = usageFile === undefined ? undefined : createUsageStore({ file: usageFile });
  const supervisor = createSupervisor(
    usage === undefined ? { launcher } : { launcher, usage: () => usage.snapshot() },
  );
  t.after(() => supervisor.close());
  const states: TrayState[] = [];
  const waiters: {
    predicate: (state: TrayState) => boolean;
    resolve: (state: TrayState) => void;
  }[] = [];
  const clipboard: string[] = [];
  const opened: string[] = [];
  const notices: string[] = [];
  let markExited!: () => void;
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  const controller = createController({
    supervisor,
    settings,
    autostart,
    places: { homeDir: home, env: {} },
    platform: 'linux',
    render: (state) => {
      states.push(state);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(state)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(state);
        }
      }
    },
    writeClipboard: (text) => {
      clipboard.push(text);
    },
    openPath: (path) => {
      opened.push(path);
      return Promise.resolve('');
    },
    openDashboard: () => undefined,
    exit: markExited,
    log: () => undefined,
    notify: (notice) => notices.push(`${notice.title}: ${notice.body}`),
    ...(usage === undefined ? {} : { usage }),
  });
  return {
    controller,
    home,
    clipboard,
    opened,
    notices,
    exited,
    until(predicate, what) {
      const seen = states.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return withGuard(
        new Promise<TrayState>((resolve) => waiters.push({ predicate, resolve })),
        `${what}; states: ${states.map((state) => statusLine(state.status)).join(' → ')}`,
      );
    },
  };
}

const running = (state: TrayState): boolean => state.status.kind === 'running';
function portOf(state: TrayState): number {
  assert.ok(state.status.kind === 'running');
  return state.status.port;
}

test('launch reads the home config, starts the proxy, and Copy env vars names its real port', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.end('from upstream');
  });
  const app = await startApp(t, `port: 0\nupstreams:\n  anthropic: ${upstream.url}\n`);
  await app.controller.launch(true);
  const port = portOf(await app.until(running, 'running'));
  const res = await send(
    `http://127.0.0.1:${port}/anthropic/v1/messages`,
    { method: 'POST' },
    '{}',
  );
  assert.equal(res.body.toString(), 'from upstream');
  await app.until(
    (state) => (state.stats?.requests.anthropic ?? 0) === 1,
    'stats with one anthropic request',
  );

  app.controller.actions.copyEnv('bash', 'base-url');
  assert.deepEqual(app.clipboard, [
    `export ANTHROPIC_BASE_URL='http://127.0.0.1:${port}/anthropic'\n` +
      `export OPENAI_BASE_URL='http://127.0.0.1:${port}/openai/v1'`,
  ]);
  app.controller.actions.copyAgentSetup('gemini-cli', 'fish');
  app.controller.actions.copyAgentSetup('codex', 'fish');
  assert.deepEqual(app.clipboard.slice(1), [
    `set -gx GOOGLE_GEMINI_BASE_URL 'http://127.0.0.1:${port}/gemini'`,
    `openai_base_url = "http://127.0.0.1:${port}/openai/v1"`,
  ]);
});

test('with start-on-launch off the proxy waits for Start, and the tray toggle flips it', async (t) => {
  const app = await startApp(t, 'port: 0\n');
  await app.controller.launch(false);
  assert.equal(app.controller.state().status.kind, 'stopped');
  // No port to name yet.
  app.controller.actions.copyAgentSetup('claude-code', 'bash');
  assert.deepEqual(app.clipboard, []);
  app.controller.toggle();
  await app.until(running, 'running after toggle');
  app.controller.toggle();
  await app.until((state) => state.status.kind === 'stopped', 'stopped after toggle');
});

test('a bad config at launch shows file:line in the status line, and fixing the file starts the proxy', async (t) => {
  const app = await startApp(t, 'port: 0\nprot: 1\n');
  await app.controller.launch(true);
  const failed = app.controller.state();
  assert.equal(failed.status.kind, 'failed');
  assert.match(
    statusLine(failed.status),
    /^Stopped: \/.*\/memex\.yml:2:1: prot: unknown key \(did you mean "port"\?\)/,
  );
  await writeFile(join(app.home, 'memex.yml'), 'port: 0\n');
  await app.until(running, 'running once the file is fixed');
});

test('a broken edit while running keeps the proxy up and shows the error; a good edit applies', async (t) => {
  const a = await startUpstream(t, (_req, res) => res.end('a'));
  const b = await startUpstream(t, (_req, res) => res.end('b'));
  const app = await startApp(t, `port: 0\nupstreams:\n  anthropic: ${a.url}\n`);
  await app.controller.launch(true);
  const port = portOf(await app.until(running, 'running'));
  await writeFile(join(app.home, 'memex.yml'), `port: 0\nupstreams:\n  anthropic: htp://x\n`);
  const broken = await app.until((state) => state.configError !== null, 'a config error');
  assert.match(
    broken.configError === null ? '' : configProblemText(broken.configError),
    /memex\.yml:3:3: upstreams\.anthropic: "htp:\/\/x" is not an http\(s\) URL$/,
  );
  assert.deepEqual(broken.configError?.issues, [
    { key: 'upstreams.anthropic', message: '"htp://x" is not an http(s) URL', line: 3, column: 3 },
  ]);
  assert.equal(broken.status.kind, 'running');
  assert.equal((await send(`http://127.0.0.1:${port}/anthropic/x`)).body.toString(), 'a');

  await writeFile(join(app.home, 'memex.yml'), `port: 0\nupstreams:\n  anthropic: ${b.url}\n`);
  await app.until(
    (state) => state.configError === null && state.status.kind === 'running',
    'error cleared',
  );
  // The worker applies the reload in order; the next request sees it.
  await withGuard(
    (async () => {
      while ((await send(`http://127.0.0.1:${port}/anthropic/x`)).body.toString() !== 'b');
    })(),
    'requests reaching upstream b',
  );
});

test('port in use fails clearly, and Use another port runs on a free one', async (t) => {
  const taken = await startUpstream(t, (_req, res) => res.end());
  const app = await startApp(t, `port: ${taken.port}\n`);
  await app.controller.launch(true);
  const failed = await app.until((state) => state.status.kind === 'failed', 'failed');
  assert.equal(statusLine(failed.status), `Port ${taken.port} is in use`);
  app.controller.actions.useAnotherPort();
  const port = portOf(await app.until(running, 'running on another port'));
  assert.notEqual(port, taken.port);
});

test('Open config file creates the commented example in ~/.config when there is none', async (t) => {
  const app = await startApp(t, null);
  await app.controller.launch(false);
  app.controller.actions.openConfig();
  const expected = join(app.home, '.config', 'memex.yml');
  await withGuard(
    (async () => {
      while (app.opened.length === 0) await new Promise((resolve) => setImmediate(resolve));
    })(),
    'openPath',
  );
  assert.deepEqual(app.opened, [expected]);
  const example = await readFile(
    new URL('../../../proxy-core/config/examples/memex.yml', import.meta.url),
    'utf8',
  );
  assert.equal(await readFile(expected, 'utf8'), example);
});

test('Open config file opens the existing file and never overwrites it', async (t) => {
  const app = await startApp(t, 'port: 0 # mine\n');
  await mkdir(join(app.home, '.config'));
  await app.controller.launch(false);
  app.controller.actions.openConfig();
  await withGuard(
    (async () => {
      while (app.opened.length === 0) await new Promise((resolve) => setImmediate(resolve));
    })(),
    'openPath',
  );
  assert.deepEqual(app.opened, [join(app.home, 'memex.yml')]);
  assert.equal(await readFile(join(app.home, 'memex.yml'), 'utf8'), 'port: 0 # mine\n');
});

test('Start at login shows what the system reports after the change', async (t) => {
  const settings = memorySettings();
  const app = await startApp(t, 'port: 0\n', settings);
  await app.controller.launch(false);
  assert.equal(app.controller.state().autostart, false);
  app.controller.actions.setAutostart(true);
  await app.until((state) => state.autostart, 'autostart on');
  assert.equal(settings.get('autostart'), true);
});

test('without autostart support the checkbox is unavailable and clicking it changes nothing', async (t) => {
  const app = await startApp(t, 'port: 0\n', memorySettings(), null);
  await app.controller.launch(false);
  assert.equal(app.controller.state().autostartAvailable, false);
  app.controller.actions.setAutostart(true);
  assert.equal(app.controller.state().autostart, false);
});

test('Quit stops the worker, then exits', async (t) => {
  const app = await startApp(t, 'port: 0\n');
  await app.controller.launch(true);
  const port = portOf(await app.until(running, 'running'));
  app.controller.actions.quit();
  await withGuard(app.exited, 'exit');
  await assert.rejects(send(`http://127.0.0.1:${port}/_memex/health`), { code: 'ECONNREFUSED' });
});

test("today's tokens survive an app restart: seeded from usage.json, saved again on quit", async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    const usage = { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 1_000 };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ type: 'message', model: 'claude-sonnet-4-5', usage }));
  });
  const today = dayKey(new Date());
  const tally = (input: number, output: number, cacheRead: number, requests: number) => ({
    requests,
    input,
    output,
    cacheRead,
    cacheWrite: 0,
    unknown: 0,
    unparsed: 0,
  });
  const earlier: UsageSnapshot = {
    version: 1,
    days: {
      '2020-01-01': { schemas: { anthropic: tally(1, 1, 0, 1) }, models: {} },
      [today]: {
        schemas: { anthropic: tally(100, 10, 0, 1) },
        models: { 'claude-sonnet-4-5': tally(100, 10, 0, 1) },
      },
    },
  };
  const home = await mkdtemp(join(tmpdir(), 'memex-usage-app-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const file = join(home, 'usage.json');
  await writeFile(file, JSON.stringify(earlier));
  const app = await startApp(
    t,
    `port: 0\nupstreams:\n  anthropic: ${upstream.url}\n`,
    memorySettings(),
    fakeAutostart(),
    file,
  );
  await app.controller.launch(true);
  const port = portOf(await app.until(running, 'running'));
  await send(`http://127.0.0.1:${port}/anthropic/v1/messages`, { method: 'POST' }, '{}');

  const counted = await app.until(
    (state) => state.usageToday?.schemas.anthropic?.requests === 2,
    'the seed plus one counted response today',
  );
  const expected = tally(120, 15, 1_000, 2);
  assert.deepEqual(counted.usageToday, {
    schemas: { anthropic: expected },
    models: { 'claude-sonnet-4-5': expected },
  });
  const labels = menuTemplate(counted, app.controller.actions).map((item) => item.label);
  assert.ok(labels.includes('Anthropic: 1 request · 1.1k in / 15 out today'), labels.join(' | '));
  assert.equal(app.controller.dashboardState().usageToday, counted.usageToday);

  app.controller.actions.quit();
  await withGuard(app.exited, 'exit');
  const saved = JSON.parse(await readFile(file, 'utf8')) as UsageSnapshot;
  // A day older than the 31 kept is dropped; today holds the seed and the new response.
  assert.deepEqual(saved, { version: 1, days: { [today]: counted.usageToday } });
});

test('a config error keeps its file and issues; any other error becomes one issue', () => {
  const issues = [
    { keyPath: 'port', message: 'must be an integer', line: 2, column: 7 },
    { keyPath: '', message: 'not a mapping', line: 9 },
    { keyPath: 'host', message: 'must be a string' },
  ];
  const err = new ConfigError('CONFIG_INVALID', '/home/me/memex.yml', issues);
  const problem = toConfigProblem(err);
  assert.deepEqual(problem, {
    file: '/home/me/memex.yml',
    issues: [
      { key: 'port', message: 'must be an integer', line: 2, column: 7 },
      { key: '', message: 'not a mapping', line: 9 },
      { key: 'host', message: 'must be a string' },
    ],
  });
  // The tray and the dashboard write it as ConfigError itself does.
  assert.equal(configProblemText(problem), err.message);
  assert.deepEqual(toConfigProblem(new Error('EACCES: permission denied')), {
    file: '',
    issues: [{ key: '', message: 'EACCES: permission denied' }],
  });
  const whole = new ConfigError('CONFIG_INVALID', '', [
    { keyPath: '', message: 'needs credentials' },
  ]);
  assert.equal(configProblemText(toConfigProblem(whole)), whole.message);
});

test('a limit window crossing a configured threshold notifies once; turned off, it does not', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-codex-primary-used-percent': '62',
      'x-codex-primary-window-minutes': '300',
    });
    res.end('{}');
  });
  const config = `port: 0\nupstreams:\n  up: ${upstream.url}\nnotify:\n  thresholds: [50, 90]\n`;
  const app = await startApp(t, config);
  await app.controller.launch(true);
  const port = portOf(await app.until(running, 'running'));
  for (let i = 0; i < 2; i++) await send(`http://127.0.0.1:${port}/up/codex/responses`);
  const seen = await app.until(
    (state) => (state.stats?.limits.accounts.length ?? 0) > 0,
    'the limits in a stats snapshot',
  );
  assert.equal(seen.stats?.limits.accounts[0]?.provider, 'codex');
  assert.deepEqual(app.notices, ['Codex 5h at 62%: Over 50% of the limit is used.']);
  assert.ok(
    menuTemplate(seen, app.controller.actions).some((item) => item.label === 'Codex: 5h 62%'),
  );

  const quiet = await startApp(t, config, memorySettings({ limitNotifications: false }));
  await quiet.controller.launch(true);
  const quietPort = portOf(await quiet.until(running, 'running'));
  await send(`http://127.0.0.1:${quietPort}/up/codex/responses`);
  await quiet.until(
    (state) => (state.stats?.limits.accounts.length ?? 0) > 0,
    'the limits in a stats snapshot',
  );
  assert.deepEqual(quiet.notices, []);
});
