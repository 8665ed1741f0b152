import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type {
  App,
  LoginItemSettings,
  LoginItemSettingsOptions,
  Settings as LoginItemWrite,
} from 'electron';
import {
  autostartFile,
  autostartFor,
  HIDDEN_FLAG,
  isDesktopEntryEnabled,
  isLoginLaunch,
  quoteExecArg,
  type AutostartOptions,
} from '../../main/autostart.js';

async function tempHome(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-autostart-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// Linux never asks Electron: its login-item API is macOS and Windows only.
const noApp = {
  getLoginItemSettings: () => assert.fail('Linux must not read Electron login items'),
  setLoginItemSettings: () => assert.fail('Linux must not write Electron login items'),
} satisfies Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;

function linux(
  home: string,
  env: Record<string, string | undefined> = {},
  execPath = '/opt/memex/memex',
): AutostartOptions {
  return { platform: 'linux', env, homeDir: home, execPath, app: noApp };
}

const entry = (exec: string): string =>
  [
    '[Desktop Entry]',
    'Type=Application',
    'Name=memex',
    'Comment=Local proxy for LLM API traffic',
    `Exec=${exec}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');

test('enabling on Linux writes the entry under $XDG_CONFIG_HOME/autostart', async (t) => {
  const home = await tempHome(t);
  const configHome = join(home, 'xdg-config');
  const autostart = autostartFor(linux(home, { XDG_CONFIG_HOME: configHome }));
  assert.equal(await autostart.isEnabled(), false);

  await autostart.setEnabled(true);

  const file = join(configHome, 'autostart', 'memex.desktop');
  assert.equal(await readFile(file, 'utf8'), entry('/opt/memex/memex --hidden'));
  assert.equal(await autostart.isEnabled(), true);
});

test('with XDG_CONFIG_HOME unset, the entry goes to ~/.config/autostart', async (t) => {
  const home = await tempHome(t);
  const autostart = autostartFor(linux(home));

  await autostart.setEnabled(true);

  const file = join(home, '.config', 'autostart', 'memex.desktop');
  assert.equal(await readFile(file, 'utf8'), entry('/opt/memex/memex --hidden'));
  assert.equal(await autostart.isEnabled(), true);
});

test('the entry path ignores an empty or relative XDG_CONFIG_HOME', () => {
  const rows: readonly (readonly [string | undefined, string])[] = [
    [undefined, '/home/u/.config/autostart/memex.desktop'],
    ['', '/home/u/.config/autostart/memex.desktop'],
    ['relative/config', '/home/u/.config/autostart/memex.desktop'],
    ['./config', '/home/u/.config/autostart/memex.desktop'],
    ['/etc/alt', '/etc/alt/autostart/memex.desktop'],
    ['/home/u/my config', '/home/u/my config/autostart/memex.desktop'],
  ];
  for (const [configHome, expected] of rows) {
    assert.equal(
      autostartFile({ XDG_CONFIG_HOME: configHome }, '/home/u'),
      expected,
      String(configHome),
    );
  }
});

test('run from an AppImage, the entry starts $APPIMAGE, not the temporary mount', async (t) => {
  const home = await tempHome(t);
  const autostart = autostartFor(
    linux(
      home,
      { APPIMAGE: '/home/u/Applications/memex-0.1.0.AppImage' },
      '/tmp/.mount_memexAbC123/memex',
    ),
  );

  await autostart.setEnabled(true);

  assert.equal(
    await readFile(join(home, '.config', 'autostart', 'memex.desktop'), 'utf8'),
    entry('/home/u/Applications/memex-0.1.0.AppImage --hidden'),
  );
});

test('an empty APPIMAGE is ignored', async (t) => {
  const home = await tempHome(t);
  await autostartFor(linux(home, { APPIMAGE: '' })).setEnabled(true);
  assert.equal(
    await readFile(join(home, '.config', 'autostart', 'memex.desktop'), 'utf8'),
    entry('/opt/memex/memex --hidden'),
  );
});

test('a program path with spaces is quoted in Exec', async (t) => {
  const home = await tempHome(t);
  await autostartFor(linux(home, {}, '/opt/My Apps/memex')).setEnabled(true);
  assert.equal(
    await readFile(join(home, '.config', 'autostart', 'memex.desktop'), 'utf8'),
    entry('"/opt/My Apps/memex" --hidden'),
  );
});

test('a program path with " and $ is quoted, escaped, and string-escaped in Exec', async (t) => {
  const home = await tempHome(t);
  await autostartFor(linux(home, {}, '/opt/the "best" $HOME/memex')).setEnabled(true);
  // Quoting gives "/opt/the \"best\" \$HOME/memex"; the string escape then doubles each backslash.
  assert.equal(
    await readFile(join(home, '.config', 'autostart', 'memex.desktop'), 'utf8'),
    entry('"/opt/the \\\\"best\\\\" \\\\$HOME/memex" --hidden'),
  );
});

test('Exec arguments follow the Desktop Entry quoting rules', () => {
  const rows: readonly (readonly [string, string])[] = [
    ['/usr/bin/memex', '/usr/bin/memex'],
    ['--hidden', '--hidden'],
    ['', '""'],
    ['/opt/a b', '"/opt/a b"'],
    ['/opt/100%/memex', '/opt/100%%/memex'],
    ['/opt/100% sure', '"/opt/100%% sure"'],
    ["/opt/it's", '"/opt/it\'s"'],
    ['/opt/a~b', '"/opt/a~b"'],
    ['/opt/a;b&c|d', '"/opt/a;b&c|d"'],
    ['/opt/(x)#1*?', '"/opt/(x)#1*?"'],
    ['/opt/a`b', '"/opt/a\\\\`b"'],
    ['/opt/$x', '"/opt/\\\\$x"'],
    ['/opt/"x"', '"/opt/\\\\"x\\\\""'],
    ['C:\\memex', '"C:\\\\\\\\memex"'],
    ['/opt/a\tb', '"/opt/a\\tb"'],
    ['/opt/a\nb', '"/opt/a\\nb"'],
    ['/opt/über/memex', '/opt/über/memex'],
  ];
  for (const [arg, expected] of rows) assert.equal(quoteExecArg(arg), expected, arg);
});

test('disabling removes the entry, and the checkbox then reads off', async (t) => {
  const home = await tempHome(t);
  const autostart = autostartFor(linux(home));
  await autostart.setEnabled(true);
  assert.equal(await autostart.isEnabled(), true);

  await autostart.setEnabled(false);

  assert.deepEqual(await readdir(join(home, '.config', 'autostart')), []);
  assert.equal(await autostart.isEnabled(), false);
});

test('disabling when there is no entry is not an error', async (t) => {
  const home = await tempHome(t);
  const autostart = autostartFor(linux(home));
  await autostart.setEnabled(false);
  assert.equal(await autostart.isEnabled(), false);
});

test('an entry edited to Hidden=true reads as disabled, and enabling again rewrites it', async (t) => {
  const home = await tempHome(t);
  const autostart = autostartFor(linux(home));
  await autostart.setEnabled(true);
  const file = join(home, '.config', 'autostart', 'memex.desktop');
  await writeFile(file, (await readFile(file, 'utf8')) + 'Hidden=true\n');

  assert.equal(await autostart.isEnabled(), false);

  await autostart.setEnabled(true);
  assert.equal(await readFile(file, 'utf8'), entry('/opt/memex/memex --hidden'));
  assert.equal(await autostart.isEnabled(), true);
});

test('enabling twice leaves one entry and no temporary files', async (t) => {
  const home = await tempHome(t);
  const autostart = autostartFor(linux(home));
  await autostart.setEnabled(true);
  await autostart.setEnabled(true);
  assert.deepEqual(await readdir(join(home, '.config', 'autostart')), ['memex.desktop']);
});

test('a failed write rejects and leaves no temporary file behind', async (t) => {
  const home = await tempHome(t);
  const dir = join(home, '.config', 'autostart');
  // A non-empty directory where the entry goes: the rename over it fails.
  await mkdir(join(dir, 'memex.desktop', 'inside'), { recursive: true });
  const autostart = autostartFor(linux(home));

  await assert.rejects(autostart.setEnabled(true));

  assert.deepEqual(await readdir(dir), ['memex.desktop']);
});

test('an unreadable entry is an error, not "disabled"', async (t) => {
  const home = await tempHome(t);
  await mkdir(join(home, '.config', 'autostart', 'memex.desktop'), { recursive: true });
  await assert.rejects(autostartFor(linux(home)).isEnabled(), { code: 'EISDIR' });
});

test('entry text: Hidden and X-GNOME-Autostart-enabled switch it off', () => {
  const rows: readonly (readonly [string, boolean])[] = [
    [entry('/opt/memex/memex --hidden'), true],
    ['[Desktop Entry]\nExec=memex\nHidden=true\n', false],
    ['[Desktop Entry]\nExec=memex\nHidden = true\n', false],
    ['[Desktop Entry]\r\nExec=memex\r\nHidden=true\r\n', false],
    ['[Desktop Entry]\nExec=memex\nHidden=false\n', true],
    ['[Desktop Entry]\nExec=memex\nX-GNOME-Autostart-enabled=false\n', false],
    ['[Desktop Entry]\nExec=memex\nX-GNOME-Autostart-enabled=true\n', true],
    ['[Desktop Entry]\nExec=memex\n# Hidden=true\n', true],
    ['[Desktop Entry]\nExec=memex\n[Desktop Action quit]\nHidden=true\n', true],
    ['[Desktop Entry]\nExec=memex\nHidden=TRUE\n', true],
  ];
  for (const [text, expected] of rows) {
    assert.equal(isDesktopEntryEnabled(text), expected, JSON.stringify(text));
  }
});

// A fake Electron app: login-item state in memory, every call recorded.
function fakeApp(state: Partial<LoginItemSettings> = {}) {
  const current: LoginItemSettings = {
    openAtLogin: false,
    wasOpenedAtLogin: false,
    status: 'not-registered',
    executableWillLaunchAtLogin: false,
    launchItems: [],
    ...state,
  };
  const reads: (LoginItemSettingsOptions | undefined)[] = [];
  const writes: LoginItemWrite[] = [];
  const app = {
    getLoginItemSettings(options?: LoginItemSettingsOptions): LoginItemSettings {
      reads.push(options);
      return { ...current };
    },
    setLoginItemSettings(settings: LoginItemWrite): void {
      writes.push(settings);
      current.openAtLogin = settings.openAtLogin ?? false;
      current.executableWillLaunchAtLogin = current.openAtLogin;
    },
  } satisfies Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;
  return { app, reads, writes };
}

function loginItems(platform: 'darwin' | 'win32', app: AutostartOptions['app']): AutostartOptions {
  return { platform, env: {}, homeDir: '/nonexistent', execPath: '/nonexistent/memex', app };
}

test('macOS: enabling and disabling set openAtLogin only', async () => {
  const { app, writes } = fakeApp();
  const autostart = autostartFor(loginItems('darwin', app));

  await autostart.setEnabled(true);
  assert.equal(await autostart.isEnabled(), true);
  await autostart.setEnabled(false);
  assert.equal(await autostart.isEnabled(), false);

  assert.deepEqual(writes, [{ openAtLogin: true }, { openAtLogin: false }]);
});

test('macOS: the checkbox reads openAtLogin from the system', async () => {
  const { app, reads } = fakeApp({ openAtLogin: true });
  assert.equal(await autostartFor(loginItems('darwin', app)).isEnabled(), true);
  assert.deepEqual(reads, [undefined]);
});

test('Windows: writes pass the hidden flag, and reads pass the same args', async () => {
  const { app, reads, writes } = fakeApp();
  const autostart = autostartFor(loginItems('win32', app));

  await autostart.setEnabled(true);
  assert.equal(await autostart.isEnabled(), true);
  await autostart.setEnabled(false);
  assert.equal(await autostart.isEnabled(), false);

  assert.deepEqual(writes, [
    { openAtLogin: true, args: [HIDDEN_FLAG] },
    { openAtLogin: false, args: [HIDDEN_FLAG] },
  ]);
  assert.deepEqual(reads, [{ args: [HIDDEN_FLAG] }, { args: [HIDDEN_FLAG] }]);
});

test('Windows: an entry turned off in Task Manager reads as disabled', async () => {
  const { app } = fakeApp({ openAtLogin: true, executableWillLaunchAtLogin: false });
  assert.equal(await autostartFor(loginItems('win32', app)).isEnabled(), false);
});

test('a login launch is recognised by the hidden flag, or on macOS by wasOpenedAtLogin', () => {
  const opened = fakeApp({ wasOpenedAtLogin: true }).app;
  const notOpened = fakeApp().app;
  const argv = ['/opt/memex/memex'];
  assert.equal(isLoginLaunch([...argv, HIDDEN_FLAG], { platform: 'linux', app: noApp }), true);
  assert.equal(isLoginLaunch([...argv, HIDDEN_FLAG], { platform: 'win32', app: notOpened }), true);
  assert.equal(isLoginLaunch(argv, { platform: 'linux', app: noApp }), false);
  assert.equal(isLoginLaunch(argv, { platform: 'win32', app: opened }), false);
  assert.equal(isLoginLaunch(argv, { platform: 'darwin', app: opened }), true);
  assert.equal(isLoginLaunch(argv, { platform: 'darwin', app: notOpened }), false);
});
