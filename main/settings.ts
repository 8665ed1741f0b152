// App settings (not the proxy config): their type, JSON schema, defaults and migrations, as the
// options electron-store takes. Only types come from electron-store, which loads Electron when
// imported; the entry file constructs the store with `new Store(settingsOptions(platform))`.

import type { Options, Schema } from 'electron-store';
import { defaultShell, SHELLS, type Shell } from '../shared/env.js';

/**
 * The ids of the shells the tray can copy env-var lines for (bash covers zsh: the same syntax),
 * the values `defaultShell` may take.
 */
export const SHELL_IDS: readonly Shell[] = SHELLS.map((shell) => shell.id);

export type { Shell };

/** A window's position and size in screen pixels, as `BrowserWindow.getBounds()` gives it. */
export interface WindowBounds {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

// A type alias, not an interface: conf's `T extends Record<string, any>` needs the implicit
// index signature that only aliases get.
/** Everything in settings.json. */
export type Settings = {
  /** Start the proxy when the app launches. Default true. */
  startProxyOnLaunch: boolean;
  /**
   * Start at login, as the user last chose it. The system's login-item state (autostart.ts) is
   * what the checkbox shows; this remembers the choice. Default false.
   */
  autostart: boolean;
  /** The shell "Copy env vars" writes for. Default 'powershell' on Windows, else 'bash'. */
  defaultShell: Shell;
  /** Where the dashboard window was last, or null before it was first closed. Default null. */
  windowBounds: WindowBounds | null;
  /** Notify when a provider's limit window nears or reaches its limit, and resets. Default true. */
  limitNotifications: boolean;
  /**
   * Days of history kept; null: the config file's `history.retention_days` (default 90). Set in
   * the dashboard, it wins over the config file.
   */
  historyRetentionDays: number | null;
  /** The history file's size cap in MB; null: the config's `history.max_mb` (default 500). */
  historyMaxMb: number | null;
  /** The request inspector; null: the config's `inspector.enabled` (default false). */
  inspector: boolean | null;
};

/** The settings file's name without its extension (electron-store's `name`): settings.json. */
export const SETTINGS_NAME = 'settings';

const coordinate = { type: 'integer' } as const;
const extent = { type: 'integer', minimum: 1 } as const;

/** The JSON schema of each key (conf's `schema`: the `properties` of the root object). */
export const SETTINGS_SCHEMA = {
  startProxyOnLaunch: { type: 'boolean' },
  autostart: { type: 'boolean' },
  defaultShell: { type: 'string', enum: [...SHELL_IDS] },
  windowBounds: {
    type: ['object', 'null'],
    properties: { x: coordinate, y: coordinate, width: extent, height: extent },
    required: ['x', 'y', 'width', 'height'],
    additionalProperties: false,
  },
  limitNotifications: { type: 'boolean' },
  historyRetentionDays: { type: ['integer', 'null'], minimum: 1 },
  historyMaxMb: { type: ['integer', 'null'], minimum: 1 },
  inspector: { type: ['boolean', 'null'] },
} as const satisfies Schema<Settings>;

/** Settings before the user changes anything, on `platform`. */
export function defaultSettings(platform: NodeJS.Platform): Settings {
  return {
    startProxyOnLaunch: true,
    autostart: false,
    defaultShell: defaultShell(platform),
    windowBounds: null,
    limitNotifications: true,
    historyRetentionDays: null,
    historyMaxMb: null,
    inspector: null,
  };
}

type Migrations = NonNullable<Options<Settings>['migrations']>;
type SettingsFile = Parameters<Migrations[string]>[0];

/**
 * Steps run when the app's version passes each key (conf records the last in the file). They run
 * only for a file that exists: a first launch starts at the current version with nothing to do.
 * 0.1.0 moves the setting's earlier name, `startAtLogin`, to `autostart`.
 */
export const SETTINGS_MIGRATIONS: Migrations = {
  '0.1.0': renameBoolean('startAtLogin', 'autostart'),
};

// A boolean key renamed in a release: the old name's value moves to the new name, and an old
// value of the wrong type is dropped rather than written (a schema violation here would throw
// from the store's constructor). Migrations see the defaults already filled in, so the old key's
// presence, not the new key's absence, is what says the user chose something.
function renameBoolean(
  from: string,
  to: 'autostart' | 'startProxyOnLaunch',
): (store: SettingsFile) => void {
  return (store) => {
    // The old key is not in Settings, so it is read and removed through an untyped view.
    const { [from]: value, ...rest } = store.store as Record<string, unknown>;
    if (value === undefined) return;
    const next = rest as Settings;
    if (typeof value === 'boolean') next[to] = value;
    store.store = next;
  };
}

/**
 * The options for `new Store(...)` (electron-store) on `platform`. electron-store fills in
 * `projectVersion` from `app.getVersion()` and `cwd` from `app.getPath('userData')`.
 */
export function settingsOptions(
  platform: NodeJS.Platform,
): Options<Settings> & { readonly name: string } {
  return {
    name: SETTINGS_NAME,
    schema: SETTINGS_SCHEMA,
    defaults: defaultSettings(platform),
    migrations: SETTINGS_MIGRATIONS,
    // Nobody is meant to edit settings.json by hand, and a store that throws on open would stop
    // the app from starting: a file that fails the schema is replaced by the defaults.
    clearInvalidConfig: true,
  };
}

/** What main code needs of the store; electron-store's `Store<Settings>` satisfies it. */
export interface SettingsStore {
  get<Key extends keyof Settings>(key: Key): Settings[Key];
  set<Key extends keyof Settings>(key: Key, value: Settings[Key]): void;
  readonly store: Settings;
}
