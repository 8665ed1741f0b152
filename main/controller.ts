// The tray app's behaviour, with no Electron in it: loads and watches the config, drives the
// supervisor, keeps the state the tray shows, and carries out every menu action. main.ts hands
// it Electron's pieces (clipboard, shell, window, app) as plain functions.

import { DEFAULT_CONFIG, type Config } from '../proxy-core/config/config.js';
import { decideNotices, type Notice } from './limit-notices.js';
import { clockOf } from './menu.js';
import { ConfigError } from '../proxy-core/errors.js';
import type { StatsSnapshot } from '../shared/snapshot.js';
import { dayKey, type DayTotals } from '../proxy-core/usage/totals.js';
import {
  ensureConfigFile,
  loadAppConfig,
  watchAppConfig,
  type AppConfigPlaces,
} from './app-config.js';
import type { Autostart } from './autostart.js';
import { agentSnippet } from '../shared/agent-setup.js';
import { envSnippet } from '../shared/env.js';
import type { ConfigProblem, DashboardSetting, DashboardState } from '../shared/bridge.js';
import { configProblemText } from '../shared/config-text.js';
import { statusLine, type TrayActions, type TrayState } from './menu.js';
import type { SettingsStore } from './settings.js';
import { isLive, type ProxyStatus } from '../shared/status.js';
import type { Supervisor } from './supervisor.js';
import type { UsageStore } from './usage-store.js';

export interface ControllerOptions {
  readonly supervisor: Supervisor;
  readonly settings: SettingsStore;
  /** Null when start at login is unavailable (an unpackaged app). */
  readonly autostart: Autostart | null;
  readonly places: AppConfigPlaces;
  readonly platform: NodeJS.Platform;
  /** Shows a new state (the tray view; later also the dashboard). */
  readonly render: (state: TrayState) => void;
  /** `clipboard.writeText`, which returns a Promise in Electron 45. */
  readonly writeClipboard: (text: string) => Promise<void> | void;
  /** `shell.openPath`: resolves with '' or an error message. */
  readonly openPath: (path: string) => Promise<string>;
  readonly openDashboard: () => void;
  /** Ends the app once the worker is gone. */
  readonly exit: () => void;
  /** Where problems that have no place in the menu go (stderr in the app). */
  readonly log: (message: string) => void;
  /**
   * Daily token totals kept on disk: loaded at launch, fed every stats snapshot, flushed on stop
   * and quit. Without one, today's tokens come from the worker's snapshot alone.
   */
  readonly usage?: UsageStore;
  /**
   * The app's history file (userData/history.db): the worker keeps every request there unless
   * the config file names another. With it, usage.json is imported once and retired.
   */
  readonly historyFile?: string;
  /** Default Date.now; decides which day is "today". */
  readonly now?: () => number;
  /** Shows a desktop notification (Electron's Notification); none when absent. */
  readonly notify?: (notice: Notice) => void;
}

export interface Controller {
  readonly actions: TrayActions;
  /** Loads the config and, when `startProxy`, starts the proxy. */
  launch(startProxy: boolean): Promise<void>;
  /** The tray icon's click (macOS, Windows): start when stopped, stop when running. */
  toggle(): void;
  /** The state as the tray shows it now. */
  state(): TrayState;
  /** The state as the dashboard shows it now. */
  dashboardState(): DashboardState;
  /** A settings change from the dashboard. */
  setSetting(setting: DashboardSetting): void;
}

export function createController(options: ControllerOptions): Controller {
  const { supervisor, settings, places } = options;
  let config: Config | undefined;
  let configSource: string | null = null;
  let configError: ConfigProblem | null = null;
  let stats: StatsSnapshot | null = null;
  let noticesShown: ReadonlySet<string> = new Set();
  let autostart = settings.get('autostart');
  // "Use another port" holds until the config file names a port again.
  let portOverride: number | undefined;

  const { usage, historyFile } = options;
  // Once the worker runs with history, usage.json has been imported into it: one source.
  let usageRetired = false;
  let historyProblem: string | null = null;
  const now = options.now ?? Date.now;
  const usageToday = (): DayTotals | null => {
    const today = dayKey(new Date(now()));
    const kept = usage === undefined || usageRetired ? undefined : usage.day(today);
    return kept ?? stats?.usage.days[today] ?? null;
  };

  const status = (): ProxyStatus => {
    const current = supervisor.status;
    // A config that never loaded leaves the supervisor stopped; say why in the status line.
    if (config === undefined && configError !== null && current.kind === 'stopped') {
      return { kind: 'failed', code: 'CONFIG_INVALID', reason: configProblemText(configError) };
    }
    return current;
  };
  const state = (): TrayState => ({
    status: status(),
    stats,
    autostart,
    autostartAvailable: options.autostart !== null,
    defaultShell: settings.get('defaultShell'),
    configError: config === undefined ? null : configError,
    platform: options.platform,
    usageToday: usageToday(),
    pricing: config?.pricing ?? {},
    inspector: config?.inspector.enabled ?? false,
  });
  const render = (): void => {
    options.render(state());
  };

  // The dashboard's settings win over the config file's history and inspector keys.
  const effective = (loaded: Config): Config => ({
    ...loaded,
    ...(portOverride === undefined ? {} : { port: portOverride }),
    history: {
      path: loaded.history.path ?? historyFile ?? null,
      retention_days: settings.get('historyRetentionDays') ?? loaded.history.retention_days,
      max_mb: settings.get('historyMaxMb') ?? loaded.history.max_mb,
    },
    inspector: {
      ...loaded.inspector,
      enabled: settings.get('inspector') ?? loaded.inspector.enabled,
    },
  });
  // The config as loaded from the file, before the app's own settings are laid on it.
  let loadedConfig: Config | undefined;
  const applySettings = (): void => {
    if (loadedConfig === undefined) return;
    config = effective(loadedConfig);
    supervisor.reload(config);
  };

  // Whether the proxy should start as soon as a good config is loaded (launch, or Start while
  // the config was broken).
  let startWhenLoaded = false;

  const reloadConfig = async (): Promise<void> => {
    try {
      const resolved = await loadAppConfig(places);
      const loaded = resolved.config;
      configSource = resolved.source;
      if (config !== undefined && loaded.port !== config.port) portOverride = undefined;
      loadedConfig = loaded;
      config = effective(loaded);
      configError = null;
      if (startWhenLoaded) {
        startWhenLoaded = false;
        supervisor.start(config);
      } else {
        supervisor.reload(config);
      }
    } catch (err) {
      // Keep the last good config running; the menu shows the file and line.
      configError = toConfigProblem(err);
    }
    render();
  };

  supervisor.onStatus((next) => {
    // A worker with history imported usage.json before it said it listens.
    if (next.kind === 'running' && historyFile !== undefined && !usageRetired) {
      usageRetired = true;
      void usage?.retire();
    }
    render();
  });
  supervisor.onStats((snapshot) => {
    stats = snapshot;
    const decision = decideNotices(
      snapshot.limits.accounts,
      noticesShown,
      {
        enabled: settings.get('limitNotifications'),
        thresholds: (config?.notify.thresholds ?? DEFAULT_CONFIG.notify.thresholds).map(
          (percent) => percent / 100,
        ),
      },
      clockOf,
    );
    noticesShown = decision.shown;
    for (const notice of decision.notices) options.notify?.(notice);
    usage?.update(snapshot.usage);
    render();
  });
  supervisor.onProblem((problem) => {
    options.log(`memex worker: ${problem.code}: ${problem.message}`);
    if (problem.code === 'HISTORY_PROBLEM') {
      historyProblem = problem.message;
      render();
    }
  });

  const startProxy = (): void => {
    if (config === undefined) {
      startWhenLoaded = true;
      void reloadConfig();
      return;
    }
    supervisor.start(config);
  };

  const copy = (text: string): void => {
    void Promise.resolve(options.writeClipboard(text)).catch((err: unknown) => {
      options.log(`memex: could not copy to the clipboard: ${String(err)}`);
    });
  };

  const actions: TrayActions = {
    start: startProxy,
    stop() {
      // The worker's last snapshot arrives before it exits: save what it counted.
      void supervisor.stop().then(() => usage?.flush());
    },
    useAnotherPort() {
      if (config === undefined) return;
      portOverride = 0;
      config = { ...config, port: 0 };
      supervisor.start(config);
    },
    copyEnv(shell, mode) {
      const current = supervisor.status;
      // Unset needs no address; the others must name the port the proxy really listens on.
      const address = current.kind === 'running' ? current : undefined;
      if (address === undefined && mode !== 'unset') return;
      copy(envSnippet(shell, mode, address ?? { host: '127.0.0.1', port: 0 }));
    },
    copyAgentSetup(agent, shell) {
      // Every agent's setting names the port the proxy really listens on.
      const current = supervisor.status;
      if (current.kind === 'running') copy(agentSnippet(agent, shell, current).text);
    },
    openDashboard() {
      options.openDashboard();
    },
    openConfig() {
      void ensureConfigFile(places)
        .then((path) => {
          if (configSource === null) {
            configSource = path;
            render();
          }
          return options.openPath(path);
        })
        .then((problem) => {
          if (problem !== '') options.log(`memex: could not open the config file: ${problem}`);
        })
        .catch((err: unknown) => {
          options.log(`memex: could not create the config file: ${String(err)}`);
        });
    },
    setAutostart(enabled) {
      const login = options.autostart;
      if (login === null) return;
      void login
        .setEnabled(enabled)
        .then(() => login.isEnabled())
        .then((actual) => {
          autostart = actual;
          settings.set('autostart', actual);
          render();
        })
        .catch((err: unknown) => {
          options.log(`memex: could not change start at login: ${String(err)}`);
          render();
        });
    },
    quit() {
      void supervisor
        .close()
        .then(() => usage?.close())
        .finally(() => {
          watcher?.close();
          options.exit();
        });
    },
  };

  let watcher: { close(): void } | undefined;

  return {
    actions,
    async launch(startProxy) {
      autostart =
        options.autostart === null
          ? false
          : await options.autostart.isEnabled().catch(() => autostart);
      // Before the first start, so the first worker is seeded with today's totals.
      await usage?.load();
      watcher = watchAppConfig(places, () => void reloadConfig());
      startWhenLoaded = startProxy;
      await reloadConfig();
    },
    toggle() {
      const current = supervisor.status;
      if (isLive(current)) actions.stop();
      else if (current.kind !== 'stopping') actions.start();
    },
    state,
    dashboardState() {
      const tray = state();
      return {
        status: tray.status,
        statusLine: statusLine(tray.status),
        stats: tray.stats,
        configError,
        configPath: configSource,
        usageToday: tray.usageToday,
        pricing: tray.pricing,
        settings: {
          startProxyOnLaunch: settings.get('startProxyOnLaunch'),
          limitNotifications: settings.get('limitNotifications'),
          autostart: tray.autostart,
          defaultShell: tray.defaultShell,
          historyRetentionDays:
            config?.history.retention_days ?? DEFAULT_CONFIG.history.retention_days,
          historyMaxMb: config?.history.max_mb ?? DEFAULT_CONFIG.history.max_mb,
          inspector: config?.inspector.enabled ?? DEFAULT_CONFIG.inspector.enabled,
        },
        history: { file: config?.history.path ?? null, problem: historyProblem },
        time: now(),
      };
    },
    setSetting(setting) {
      switch (setting.key) {
        case 'autostart':
          actions.setAutostart(setting.value);
          return;
        case 'startProxyOnLaunch':
          settings.set('startProxyOnLaunch', setting.value);
          break;
        case 'limitNotifications':
          settings.set('limitNotifications', setting.value);
          break;
        case 'historyRetentionDays':
          settings.set('historyRetentionDays', setting.value);
          applySettings();
          break;
        case 'historyMaxMb':
          settings.set('historyMaxMb', setting.value);
          applySettings();
          break;
        case 'inspector':
          settings.set('inspector', setting.value);
          applySettings();
          break;
        case 'defaultShell':
          settings.set('defaultShell', setting.value);
          break;
      }
      render();
    },
  };
}

/**
 * What the tray and the dashboard show of a config that failed to load: a ConfigError's file and
 * issues as they are; any other error (say, an unreadable file) as one issue of its message.
 */
export function toConfigProblem(err: unknown): ConfigProblem {
  if (err instanceof ConfigError && err.issues.length > 0) {
    return {
      file: err.file,
      issues: err.issues.map((issue) => ({
        key: issue.keyPath,
        message: issue.message,
        ...(issue.line === undefined ? {} : { line: issue.line }),
        ...(issue.column === undefined ? {} : { column: issue.column }),
      })),
    };
  }
  return {
    file: '',
    issues: [{ key: '', message: err instanceof Error ? err.message : String(err) }],
  };
}
