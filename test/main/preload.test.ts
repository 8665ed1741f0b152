// The preload as Electron loads it: the bundled dist/main/preload.cjs, run in a fresh context
// whose `require` knows only 'electron' (as a sandboxed preload's does), with a fake
// contextBridge and ipcRenderer that record what the bridge does.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import type { ContextBridge, IpcRenderer } from 'electron';
import { CHANNELS, type DashboardState, type MemexBridge } from '../../shared/bridge.js';

const BUNDLE = new URL('../../main/preload.cjs', import.meta.url);

type Handler = (event: unknown, state: DashboardState) => void;

async function loadPreload(): Promise<{
  bridge: MemexBridge;
  exposedAs: string;
  invoked: unknown[][];
  listeners: Map<string, Handler>;
}> {
  const code = await readFile(BUNDLE, 'utf8');
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Handler>();
  let exposed: { key: string; api: MemexBridge } | undefined;
  const contextBridge: Pick<ContextBridge, 'exposeInMainWorld'> = {
    exposeInMainWorld(key, api) {
      exposed = { key, api: api as MemexBridge };
    },
  };
  const ipcRenderer = {
    invoke(channel: string, ...args: unknown[]) {
      invoked.push([channel, ...args]);
      return Promise.resolve(channel === CHANNELS.getState ? { time: 42 } : undefined);
    },
    on(channel: string, listener: Handler) {
      listeners.set(channel, listener);
      return ipcRenderer;
    },
    removeListener(channel: string) {
      listeners.delete(channel);
      return ipcRenderer;
    },
  } satisfies Pick<IpcRenderer, 'invoke'> & Record<'on' | 'removeListener', unknown>;
  const required: string[] = [];
  const module = { exports: {} };
  runInNewContext(code, {
    module,
    exports: module.exports,
    require: (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return { contextBridge, ipcRenderer };
    },
  });
  assert.deepEqual(required, ['electron']);
  assert.ok(exposed !== undefined, 'nothing exposed');
  return { bridge: exposed.api, exposedAs: exposed.key, invoked, listeners };
}

test('the bundled preload needs only electron and exposes window.memex', async () => {
  const { bridge, exposedAs } = await loadPreload();
  assert.equal(exposedAs, 'memex');
  assert.deepEqual(Object.keys(bridge).sort(), [
    'clearHistory',
    'copyAgentSetup',
    'copyEnv',
    'exportHistory',
    'historyDetail',
    'historyTotals',
    'onState',
    'openConfig',
    'queryHistory',
    'setSetting',
    'start',
    'stop',
  ]);
});

test('each bridge function invokes its channel with its arguments', async () => {
  const { bridge, invoked } = await loadPreload();
  await bridge.start();
  await bridge.stop();
  await bridge.copyEnv('fish', 'proxy');
  await bridge.copyAgentSetup('opencode', 'powershell');
  await bridge.openConfig();
  await bridge.setSetting({ key: 'autostart', value: true });
  await bridge.queryHistory({ since: 1 });
  await bridge.historyTotals({});
  await bridge.historyDetail(7);
  await bridge.exportHistory({ model: 'm' }, 'csv');
  await bridge.clearHistory();
  assert.deepEqual(invoked, [
    [CHANNELS.start],
    [CHANNELS.stop],
    [CHANNELS.copyEnv, 'fish', 'proxy'],
    [CHANNELS.copyAgentSetup, 'opencode', 'powershell'],
    [CHANNELS.openConfig],
    [CHANNELS.setSetting, { key: 'autostart', value: true }],
    [CHANNELS.queryHistory, { since: 1 }],
    [CHANNELS.historyTotals, {}],
    [CHANNELS.historyDetail, 7],
    [CHANNELS.exportHistory, { model: 'm' }, 'csv'],
    [CHANNELS.clearHistory],
  ]);
});

test('onState delivers the current state at once, then pushes, until unsubscribed', async () => {
  const { bridge, invoked, listeners } = await loadPreload();
  const seen: number[] = [];
  let first!: () => void;
  const gotFirst = new Promise<void>((resolve) => (first = resolve));
  const unsubscribe = bridge.onState((state) => {
    seen.push(state.time);
    first();
  });
  await gotFirst;
  assert.deepEqual(invoked, [[CHANNELS.getState]]);
  listeners.get(CHANNELS.state)?.({}, { time: 43 } as DashboardState);
  assert.deepEqual(seen, [42, 43]);
  unsubscribe();
  assert.equal(listeners.has(CHANNELS.state), false);
});
