import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import type { TrayActions, TrayState } from '../../main/menu.js';
import { createTrayView, type TraySurface } from '../../main/tray.js';

type Template = MenuItemConstructorOptions[];

function fakeTray(): { tray: TraySurface<Template>; calls: string[]; menus: Template[] } {
  const calls: string[] = [];
  const menus: Template[] = [];
  const tray = {
    setContextMenu(menu: Template) {
      calls.push('menu');
      menus.push(menu);
    },
    setImage(image: NativeImage | string) {
      calls.push(`image ${typeof image === 'string' ? image : 'native'}`);
    },
    setToolTip(text: string) {
      calls.push(`tooltip ${text}`);
    },
    setTitle(title: string) {
      calls.push(`title ${title}`);
    },
  } satisfies TraySurface<Template>;
  return { tray, calls, menus };
}

const noop = (): void => undefined;
const ACTIONS: TrayActions = {
  start: noop,
  stop: noop,
  useAnotherPort: noop,
  copyEnv: noop,
  copyAgentSetup: noop,
  openDashboard: noop,
  openConfig: noop,
  setAutostart: noop,
  quit: noop,
};

function state(port: number, platform: NodeJS.Platform = 'linux'): TrayState {
  return {
    status: { kind: 'running', host: '127.0.0.1', port },
    stats: null,
    autostart: false,
    autostartAvailable: true,
    defaultShell: 'bash',
    configError: null,
    platform,
    usageToday: null,
    pricing: {},
  };
}

test('the first state is applied at once: menu, icon and tooltip', () => {
  const { tray, calls } = fakeTray();
  const view = createTrayView({
    tray,
    buildMenu: (t) => t,
    icon: (s) => `${s}.png`,
    actions: ACTIONS,
  });
  view.render(state(8080));
  assert.deepEqual(calls, [
    'menu',
    'image running.png',
    'tooltip memex — Running on 127.0.0.1:8080',
  ]);
});

test('every change sets the context menu again, at most once a second', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const { tray, calls, menus } = fakeTray();
  const view = createTrayView({ tray, buildMenu: (tpl) => tpl, icon: (s) => s, actions: ACTIONS });
  view.render(state(1));
  assert.equal(menus.length, 1);
  view.render(state(2));
  view.render(state(3));
  assert.equal(menus.length, 1, 'changes within the second wait');
  t.mock.timers.tick(999);
  assert.equal(menus.length, 1);
  t.mock.timers.tick(1);
  assert.equal(menus.length, 2, 'one update for the burst');
  assert.equal(menus[1]?.[0]?.label, 'Running on 127.0.0.1:3', 'with the latest state');
  assert.ok(calls.includes('tooltip memex — Running on 127.0.0.1:3'));
  t.mock.timers.tick(5_000);
  view.render(state(4));
  assert.equal(menus.length, 3, 'after a quiet second, at once');
});

test('a state that changes nothing visible is not applied', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const { tray, calls } = fakeTray();
  const view = createTrayView({ tray, buildMenu: (tpl) => tpl, icon: (s) => s, actions: ACTIONS });
  view.render(state(1));
  const applied = calls.length;
  t.mock.timers.tick(2_000);
  view.render(state(1));
  t.mock.timers.tick(2_000);
  assert.equal(calls.length, applied);
});

test('the title is set on macOS only', () => {
  const mac = fakeTray();
  createTrayView({
    tray: mac.tray,
    buildMenu: (tpl) => tpl,
    icon: (s) => s,
    actions: ACTIONS,
  }).render(state(1, 'darwin'));
  assert.ok(mac.calls.includes('title '));
  const linux = fakeTray();
  createTrayView({
    tray: linux.tray,
    buildMenu: (tpl) => tpl,
    icon: (s) => s,
    actions: ACTIONS,
  }).render(state(1, 'linux'));
  assert.equal(linux.calls.filter((call) => call.startsWith('title')).length, 0);
});

test('close drops a pending update', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const { tray, menus } = fakeTray();
  const view = createTrayView({ tray, buildMenu: (tpl) => tpl, icon: (s) => s, actions: ACTIONS });
  view.render(state(1));
  view.render(state(2));
  view.close();
  t.mock.timers.tick(5_000);
  assert.equal(menus.length, 1);
});
