// electron-store loads Electron, so these tests drive conf, the store electron-store wraps, with
// the same options: electron-store's `name` becomes conf's `configName`, and `cwd` and
// `projectVersion` (which electron-store takes from the app) are given here.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Conf from 'conf';
import {
  defaultSettings,
  SETTINGS_NAME,
  SETTINGS_SCHEMA,
  settingsOptions,
  SHELL_IDS,
  type Settings,
  type SettingsStore,
  type Shell,
  type WindowBounds,
} from '../../main/settings.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-settings-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function openStore(
  cwd: string,
  platform: NodeJS.Platform = 'linux',
  projectVersion = '0.1.0',
): Conf<Settings> {
  const { name, ...options } = settingsOptions(platform);
  return new Conf<Settings>({ ...options, configName: name, cwd, projectVersion });
}

const settingsFile = (dir: string): string => join(dir, `${SETTINGS_NAME}.json`);

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

test('a new store holds the defaults, with the shell chosen by platform', async (t) => {
  const rows: readonly (readonly [NodeJS.Platform, Shell])[] = [
    ['linux', 'bash'],
    ['darwin', 'bash'],
    ['freebsd', 'bash'],
    ['win32', 'powershell'],
  ];
  for (const [platform, shell] of rows) {
    const store = openStore(await tempDir(t), platform);
    assert.deepEqual(
      { ...store.store },
      {
        startProxyOnLaunch: true,
        autostart: false,
        defaultShell: shell,
        windowBounds: null,
        limitNotifications: true,
        historyRetentionDays: null,
        historyMaxMb: null,
        inspector: null,
      },
      platform,
    );
    assert.deepEqual(defaultSettings(platform), { ...store.store }, platform);
  }
});

test('the store satisfies the accessor interface main code uses', async (t) => {
  const store: SettingsStore = openStore(await tempDir(t));
  store.set('defaultShell', 'fish');
  assert.equal(store.get('defaultShell'), 'fish');
  assert.equal(store.store.startProxyOnLaunch, true);
});

test('the schema accepts every shell and rejects any other', async (t) => {
  const store = openStore(await tempDir(t));
  for (const shell of SHELL_IDS) {
    store.set('defaultShell', shell);
    assert.equal(store.get('defaultShell'), shell);
  }
  for (const bad of ['zsh', 'sh', 'PowerShell', '']) {
    assert.throws(() => {
      store.set('defaultShell', bad as Shell);
    }, /schema violation/);
  }
  assert.equal(store.get('defaultShell'), 'cmd');
  assert.deepEqual(SETTINGS_SCHEMA.defaultShell.enum, [...SHELL_IDS]);
});

test('the schema rejects wrong types and malformed window bounds', async (t) => {
  const store = openStore(await tempDir(t));
  const violations: readonly (readonly [keyof Settings, unknown])[] = [
    ['startProxyOnLaunch', 'yes'],
    ['autostart', 1],
    ['windowBounds', { x: 0, y: 0, width: 800 }],
    ['windowBounds', { x: 0, y: 0, width: 0, height: 600 }],
    ['windowBounds', { x: 0.5, y: 0, width: 800, height: 600 }],
    ['windowBounds', { x: 0, y: 0, width: 800, height: 600, maximized: true }],
    ['windowBounds', [0, 0, 800, 600]],
    ['windowBounds', 'center'],
  ];
  for (const [key, value] of violations) {
    assert.throws(
      () => {
        store.set(key, value as never);
      },
      /schema violation/,
      `${key}: ${JSON.stringify(value)}`,
    );
  }
  assert.deepEqual({ ...store.store }, defaultSettings('linux'));
});

test('window bounds survive a reopen, including off-primary negative positions and null', async (t) => {
  const dir = await tempDir(t);
  const bounds: WindowBounds = { x: -1280, y: 40, width: 960, height: 640 };
  openStore(dir).set('windowBounds', bounds);

  assert.deepEqual(openStore(dir).get('windowBounds'), bounds);

  openStore(dir).set('windowBounds', null);
  assert.equal(openStore(dir).get('windowBounds'), null);
});

test('a changed setting survives a reopen and the others keep their defaults', async (t) => {
  const dir = await tempDir(t);
  openStore(dir).set('startProxyOnLaunch', false);
  assert.deepEqual(
    { ...openStore(dir).store },
    { ...defaultSettings('linux'), startProxyOnLaunch: false },
  );
});

test('migration 0.1.0 renames startAtLogin to autostart in a file from an older version', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    settingsFile(dir),
    JSON.stringify({
      startAtLogin: true,
      defaultShell: 'fish',
      __internal__: { migrations: { version: '0.0.9' } },
    }),
  );

  const store = openStore(dir);

  assert.deepEqual(
    { ...store.store },
    {
      startProxyOnLaunch: true,
      autostart: true,
      defaultShell: 'fish',
      windowBounds: null,
      limitNotifications: true,
      historyRetentionDays: null,
      historyMaxMb: null,
      inspector: null,
    },
  );
  const onDisk = await readJson(settingsFile(dir));
  assert.equal('startAtLogin' in onDisk, false);
  assert.deepEqual(onDisk['__internal__'], { migrations: { version: '0.1.0' } });
});

test('migration 0.1.0 runs for a file that records no version', async (t) => {
  const dir = await tempDir(t);
  await writeFile(settingsFile(dir), JSON.stringify({ startAtLogin: false, autostart: true }));

  // The old key is the user's choice; the new one can only be a default written alongside it.
  assert.equal(openStore(dir).get('autostart'), false);
});

test('migration 0.1.0 drops an old value of the wrong type instead of failing', async (t) => {
  const dir = await tempDir(t);
  await writeFile(settingsFile(dir), JSON.stringify({ startAtLogin: 'yes' }));

  const store = openStore(dir);

  assert.equal(store.get('autostart'), false);
  assert.equal('startAtLogin' in (await readJson(settingsFile(dir))), false);
});

test('migrations do not run again for a file already at 0.1.0', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    settingsFile(dir),
    JSON.stringify({ startAtLogin: true, __internal__: { migrations: { version: '0.1.0' } } }),
  );

  assert.equal(openStore(dir).get('autostart'), false);
  assert.equal((await readJson(settingsFile(dir)))['startAtLogin'], true);
});

test('a first launch records the current version without migrating', async (t) => {
  const dir = await tempDir(t);
  openStore(dir).set('autostart', true);
  assert.deepEqual((await readJson(settingsFile(dir)))['__internal__'], {
    migrations: { version: '0.1.0' },
  });
});

test('a file that fails the schema is replaced by the defaults instead of throwing', async (t) => {
  const dir = await tempDir(t);
  await writeFile(settingsFile(dir), JSON.stringify({ defaultShell: 'zsh', autostart: true }));

  assert.deepEqual({ ...openStore(dir, 'win32').store }, defaultSettings('win32'));
});
