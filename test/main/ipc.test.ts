import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { CHANNELS, type DashboardState } from '../../shared/bridge.js';
import {
  isTrustedSender,
  registerDashboardIpc,
  toSetting,
  type IpcRegistrar,
} from '../../main/ipc.js';

type Listener = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

const PAGE = 'file:///app/dist/renderer/index.html';

function setup(): {
  invoke: (channel: string, event: object, ...args: unknown[]) => unknown;
  registered: Map<string, Listener>;
  calls: unknown[][];
  window: Pick<WebContents, 'id'>;
  unregister: () => void;
} {
  const registered = new Map<string, Listener>();
  const ipc = {
    handle(channel: string, listener: Listener) {
      registered.set(channel, listener);
    },
    removeHandler(channel: string) {
      registered.delete(channel);
    },
  } satisfies IpcRegistrar;
  // Only identity matters for the sender check.
  const window: Pick<WebContents, 'id'> = { id: 1 };
  const calls: unknown[][] = [];
  const unregister = registerDashboardIpc(
    ipc,
    { contents: () => window, pageUrl: PAGE },
    {
      state: () => ({ time: 1 }) as unknown as DashboardState,
      start: () => calls.push(['start']),
      stop: () => calls.push(['stop']),
      copyEnv: (shell, mode) => calls.push(['copyEnv', shell, mode]),
      copyAgentSetup: (agent, shell) => calls.push(['copyAgentSetup', agent, shell]),
      openConfig: () => calls.push(['openConfig']),
      setSetting: (setting) => calls.push(['setSetting', setting]),
      queryHistory: (filter) => {
        calls.push(['queryHistory', filter]);
        return Promise.resolve({ rows: [], next: null });
      },
      historyTotals: (filter) => {
        calls.push(['historyTotals', filter]);
        return Promise.resolve({ days: [], models: [] });
      },
      historyDetail: (id) => {
        calls.push(['historyDetail', id]);
        return Promise.resolve(null);
      },
      exportHistory: (filter, format) => {
        calls.push(['exportHistory', filter, format]);
        return Promise.resolve(null);
      },
      clearHistory: () => {
        calls.push(['clearHistory']);
        return Promise.resolve();
      },
    },
  );
  const invoke = (channel: string, event: object, ...args: unknown[]): unknown => {
    const listener = registered.get(channel);
    assert.ok(listener !== undefined, channel);
    // The event is a boundary object: only sender and senderFrame are read.
    return listener(event as IpcMainInvokeEvent, ...args);
  };
  return { invoke, registered, calls, window, unregister };
}

function from(sender: Pick<WebContents, 'id'>, url = PAGE, parent: object | null = null): object {
  return { sender, senderFrame: { url, parent } };
}

test('every channel is registered, and unregister removes them all', () => {
  const { registered, unregister } = setup();
  assert.deepEqual(
    [...registered.keys()].sort(),
    Object.values(CHANNELS)
      .filter((c) => c !== CHANNELS.state)
      .sort(),
  );
  unregister();
  assert.equal(registered.size, 0);
});

test('calls from the dashboard reach their handlers with validated arguments', () => {
  const { invoke, calls, window } = setup();
  const event = from(window);
  assert.deepEqual(invoke(CHANNELS.getState, event), { time: 1 });
  invoke(CHANNELS.start, event);
  invoke(CHANNELS.stop, event);
  invoke(CHANNELS.copyEnv, event, 'fish', 'base-url');
  invoke(CHANNELS.copyAgentSetup, event, 'gemini-cli', 'cmd');
  invoke(CHANNELS.openConfig, event);
  invoke(CHANNELS.setSetting, event, { key: 'defaultShell', value: 'cmd' });
  const filter = { since: 5, schema: 'anthropic', status: '5xx', text: 'messages', limit: 50 };
  void invoke(CHANNELS.queryHistory, event, filter);
  void invoke(CHANNELS.historyTotals, event, { since: 5 });
  void invoke(CHANNELS.historyDetail, event, 42);
  void invoke(CHANNELS.exportHistory, event, {}, 'har');
  void invoke(CHANNELS.clearHistory, event);
  assert.deepEqual(calls, [
    ['start'],
    ['stop'],
    ['copyEnv', 'fish', 'base-url'],
    ['copyAgentSetup', 'gemini-cli', 'cmd'],
    ['openConfig'],
    ['setSetting', { key: 'defaultShell', value: 'cmd' }],
    ['queryHistory', filter],
    ['historyTotals', { since: 5 }],
    ['historyDetail', 42],
    ['exportHistory', {}, 'har'],
    ['clearHistory'],
  ]);
});

test('calls from any other sender, frame or page are refused', () => {
  const { invoke, calls, window } = setup();
  const stranger: Pick<WebContents, 'id'> = { id: 2 };
  for (const event of [
    from(stranger),
    from(window, 'https://evil.example/'),
    from(window, PAGE, { url: PAGE }),
    { sender: window, senderFrame: null },
  ]) {
    for (const channel of [CHANNELS.start, CHANNELS.getState, CHANNELS.openConfig]) {
      assert.throws(() => invoke(channel, event), /refused, not the dashboard/);
    }
  }
  assert.deepEqual(calls, []);
});

test('a closed dashboard trusts nobody', () => {
  const window: Pick<WebContents, 'id'> = { id: 1 };
  const event = {
    sender: window,
    senderFrame: { url: PAGE, parent: null },
  } as unknown as IpcMainInvokeEvent;
  assert.equal(isTrustedSender(event, { contents: () => undefined, pageUrl: PAGE }), false);
  assert.equal(isTrustedSender(event, { contents: () => window, pageUrl: PAGE }), true);
});

test('malformed arguments are rejected before any handler runs', () => {
  const { invoke, calls, window } = setup();
  const event = from(window);
  assert.throws(() => invoke(CHANNELS.copyEnv, event, 'zsh', 'proxy'), /unknown shell or mode/);
  assert.throws(() => invoke(CHANNELS.copyEnv, event, 'bash', 'rm -rf'), /unknown shell or mode/);
  for (const [agent, shell] of [
    ['aider', 'bash'],
    ['codex', 'zsh'],
    ['constructor', 'bash'],
    [undefined, undefined],
  ]) {
    assert.throws(
      () => invoke(CHANNELS.copyAgentSetup, event, agent, shell),
      /unknown agent or shell/,
    );
  }
  assert.throws(
    () => invoke(CHANNELS.setSetting, event, { key: 'windowBounds', value: {} }),
    /not a known setting/,
  );
  for (const filter of [null, { since: -1 }, { schema: 'mystery' }, { cursor: 'x' }, []]) {
    assert.throws(() => invoke(CHANNELS.queryHistory, event, filter), /not a history filter/);
  }
  assert.throws(() => invoke(CHANNELS.historyDetail, event, '1'), /not a row id/);
  assert.throws(() => invoke(CHANNELS.exportHistory, event, {}, 'xlsx'), /csv, json or har/);
  assert.deepEqual(calls, []);
});

test('toSetting accepts exactly the dashboard settings with the right value types', () => {
  assert.deepEqual(toSetting({ key: 'autostart', value: true }), { key: 'autostart', value: true });
  assert.deepEqual(toSetting({ key: 'startProxyOnLaunch', value: false }), {
    key: 'startProxyOnLaunch',
    value: false,
  });
  assert.deepEqual(toSetting({ key: 'defaultShell', value: 'powershell' }), {
    key: 'defaultShell',
    value: 'powershell',
  });
  assert.deepEqual(toSetting({ key: 'historyRetentionDays', value: 30 }), {
    key: 'historyRetentionDays',
    value: 30,
  });
  assert.deepEqual(toSetting({ key: 'historyMaxMb', value: 200 }), {
    key: 'historyMaxMb',
    value: 200,
  });
  assert.deepEqual(toSetting({ key: 'inspector', value: true }), { key: 'inspector', value: true });
  for (const bad of [
    null,
    'autostart',
    { key: 'autostart', value: 'yes' },
    { key: 'defaultShell', value: 'zsh' },
    { key: '__proto__', value: true },
    { key: 'historyRetentionDays', value: 0 },
    { key: 'historyRetentionDays', value: 1.5 },
    { key: 'historyMaxMb', value: 5 },
    { key: 'inspector', value: 'on' },
  ]) {
    assert.equal(toSetting(bad), null, JSON.stringify(bad));
  }
});
