// Start at login: the tray's checkbox, read from and written to the real login-item state, with
// the platform differences contained here. macOS and Windows go through Electron's login-item
// API; Linux (and other XDG desktops) through an autostart entry in $XDG_CONFIG_HOME/autostart.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { App } from 'electron';

/** The flag a login launch passes: start in the tray only, with no window. */
export const HIDDEN_FLAG = '--hidden';

/** The part of Electron's `app` that login items need (macOS and Windows only). */
export type LoginItemApp = Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;

/** Everything autostart reads from the process, passed in so every platform can be tested. */
export interface AutostartOptions {
  /** `process.platform`: darwin and win32 use login items, anything else an XDG entry. */
  readonly platform: NodeJS.Platform;
  /** `process.env`: XDG_CONFIG_HOME and APPIMAGE are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `os.homedir()`, for ~/.config when XDG_CONFIG_HOME is not usable. */
  readonly homeDir: string;
  /** `process.execPath`: the program the XDG entry starts unless run from an AppImage. */
  readonly execPath: string;
  readonly app: LoginItemApp;
}

/** The "Start at login" state, read from the system each time rather than remembered. */
export interface Autostart {
  isEnabled(): Promise<boolean>;
  setEnabled(enabled: boolean): Promise<void>;
}

/** Autostart for the platform in `options`. */
export function autostartFor(options: AutostartOptions): Autostart {
  const { platform } = options;
  if (platform === 'darwin' || platform === 'win32') {
    return loginItemAutostart(platform, options.app);
  }
  return xdgAutostart(options);
}

/**
 * Whether this launch came from autostart, so the app should start in the tray only. Windows and
 * XDG entries pass HIDDEN_FLAG; macOS login items take no arguments, so there Electron is asked.
 */
export function isLoginLaunch(
  argv: readonly string[],
  options: Pick<AutostartOptions, 'platform' | 'app'>,
): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return options.platform === 'darwin' && options.app.getLoginItemSettings().wasOpenedAtLogin;
}

function loginItemAutostart(platform: 'darwin' | 'win32', app: LoginItemApp): Autostart {
  if (platform === 'darwin') {
    // No openAsHidden: it is deprecated and ignored on macOS 13 and up (Electron 45 drops it from
    // the types); the app asks wasOpenedAtLogin instead (isLoginLaunch).
    return {
      isEnabled: () => Promise.resolve(app.getLoginItemSettings().openAtLogin),
      setEnabled: (enabled) => {
        app.setLoginItemSettings({ openAtLogin: enabled });
        return Promise.resolve();
      },
    };
  }
  // Windows matches the Run-key entry on path and args, so reads pass the args writes did, or
  // openAtLogin reads false. executableWillLaunchAtLogin is false when the user turned the entry
  // off in Task Manager, which the checkbox must show too; writing re-approves it (`enabled`
  // defaults to true).
  return {
    isEnabled: () => {
      const settings = app.getLoginItemSettings({ args: [HIDDEN_FLAG] });
      return Promise.resolve(settings.openAtLogin && settings.executableWillLaunchAtLogin);
    },
    setEnabled: (enabled) => {
      app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
      return Promise.resolve();
    },
  };
}

function xdgAutostart(options: AutostartOptions): Autostart {
  const file = autostartFile(options.env, options.homeDir);
  return {
    isEnabled: async () => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
      return isDesktopEntryEnabled(text);
    },
    setEnabled: async (enabled) => {
      if (!enabled) {
        await rm(file, { force: true });
        return;
      }
      await writeAtomically(file, toDesktopEntry(launchCommand(options.env, options.execPath)));
    },
  };
}

/**
 * The autostart entry's path: $XDG_CONFIG_HOME/autostart/memex.desktop, or under ~/.config when
 * XDG_CONFIG_HOME is unset or empty, or relative (the Base Directory spec: such a path is
 * invalid and must be ignored).
 */
export function autostartFile(
  env: Readonly<Record<string, string | undefined>>,
  homeDir: string,
): string {
  const configHome = env['XDG_CONFIG_HOME'];
  const base =
    configHome !== undefined && posix.isAbsolute(configHome)
      ? configHome
      : posix.join(homeDir, '.config');
  return posix.join(base, 'autostart', 'memex.desktop');
}

/**
 * What the entry runs: $APPIMAGE when run from an AppImage (execPath then points into its
 * temporary mount, gone after exit), otherwise execPath; then HIDDEN_FLAG.
 */
export function launchCommand(
  env: Readonly<Record<string, string | undefined>>,
  execPath: string,
): readonly string[] {
  const appImage = env['APPIMAGE'];
  return [appImage !== undefined && appImage !== '' ? appImage : execPath, HIDDEN_FLAG];
}

/** The text of the autostart entry that runs `command` (program, then arguments). */
export function toDesktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=memex',
    'Comment=Local proxy for LLM API traffic',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

// Desktop Entry spec, "The Exec key": an argument holding a reserved character is quoted whole.
const RESERVED = /[ \t\n"'\\><~|&;$*?#()`]/;

/**
 * One Exec argument as written in the file. Per the Desktop Entry spec (Exec key): arguments
 * holding reserved characters go in double quotes with `"`, `` ` ``, `$` and `\` backslashed, `%`
 * is doubled everywhere (else it reads as a field code), and then the string-value escapes apply
 * on top, since readers undo those first: a quoted `$` is written `\\$`, a backslash `\\\\`.
 *
 * GLib (GNOME's autostart) looks the program up before it expands `%%`, so a program path with a
 * `%` in it does not start there although its encoding is correct; there is no other encoding.
 */
export function quoteExecArg(arg: string): string {
  const percent = arg.replaceAll('%', '%%');
  const quoted =
    arg === '' || RESERVED.test(arg) ? `"${percent.replace(/["`$\\]/g, '\\$&')}"` : percent;
  return escapeString(quoted);
}

// Desktop Entry spec, "Possible value types": \\, \n, \t and \r in string values.
function escapeString(value: string): string {
  return value.replace(/[\\\n\t\r]/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
};

/**
 * Whether an autostart entry will start: not `Hidden=true` (the Autostart spec: the entry must
 * then be ignored) and not `X-GNOME-Autostart-enabled=false` (GNOME's off switch, which its
 * settings tools write rather than deleting the file).
 */
export function isDesktopEntryEnabled(text: string): boolean {
  let inMainGroup = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      inMainGroup = line === '[Desktop Entry]';
      continue;
    }
    if (!inMainGroup) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trimEnd();
    const value = line.slice(eq + 1).trimStart();
    if (key === 'Hidden' && value === 'true') return false;
    if (key === 'X-GNOME-Autostart-enabled' && value === 'false') return false;
  }
  return true;
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
}

// A reader (the session starting up, or a settings tool) sees the old entry or the new one,
// never half a file: write beside it, then rename over it. The temp name does not end in
// .desktop, so nothing reads it as an entry.
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(posix.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
