// The contract between the dashboard window and the main process: the state the window shows,
// the functions the preload bridge exposes to it (window.memex), and the IPC channel names. Types
// and constants only, so the renderer, the preload and main all build against one definition.

import type { StatsSnapshot } from './snapshot.js';
import type { Pricing } from './pricing.js';
import type { DayTotals } from './usage.js';
import type { AgentId } from './agent-setup.js';
import type { EnvMode, Shell } from './env.js';
import type { ProxyStatus } from './status.js';
import type {
  ExportFormat,
  HistoryDetail,
  HistoryFilter,
  HistoryPage,
  HistoryRow,
  HistoryTotals,
} from './history.js';

/** Everything the dashboard shows; sent whole on every change (batched, a few per second). */
export interface DashboardState {
  readonly status: ProxyStatus;
  /** The tray's status line for `status` ("Running on 127.0.0.1:8080", "Port 8080 is in use"). */
  readonly statusLine: string;
  /** Latest worker stats; null before the first snapshot. */
  readonly stats: StatsSnapshot | null;
  /** Why the config file could not be used, or null; the last good config may still run. */
  readonly configError: ConfigProblem | null;
  /** The config file in use, or null when none exists yet. */
  readonly configPath: string | null;
  /**
   * Today's token totals (local date) per schema and per model, kept by the app across worker
   * and app restarts; null before the first token is counted today.
   */
  readonly usageToday: DayTotals | null;
  /** The config's `pricing:` (already validated), for costs; `{}` when none is configured. */
  readonly pricing: Pricing;
  readonly settings: {
    readonly startProxyOnLaunch: boolean;
    readonly limitNotifications: boolean;
    readonly autostart: boolean;
    readonly defaultShell: Shell;
    /** Days of history kept (history.retention_days). */
    readonly historyRetentionDays: number;
    /** The history file's size cap in MB (history.max_mb). */
    readonly historyMaxMb: number;
    /** The request inspector records headers and bodies (inspector.enabled). */
    readonly inspector: boolean;
  };
  /** The history database: where it is and what is wrong with it, if anything. */
  readonly history: HistoryStatus;
  /** When this state was made, ms since the epoch (the renderer's charts use it as "now"). */
  readonly time: number;
}

/** The history database as the dashboard shows it. */
export interface HistoryStatus {
  /** The file (userData/history.db); null while the proxy has not opened it. */
  readonly file: string | null;
  /** The last problem with it (full disk, locked, set aside as corrupt), or null. */
  readonly problem: string | null;
}

/**
 * A config that could not be used: the file ('' when the config is wrong as a whole, such as an
 * exposed listener without credentials, or could not be read as one) and what is wrong with it,
 * first problem first; never empty.
 */
export interface ConfigProblem {
  readonly file: string;
  readonly issues: readonly ConfigProblemIssue[];
}

/** One thing wrong in a config, located as precisely as the parser could. */
export interface ConfigProblemIssue {
  /** Dotted key path (`upstreams.openai`); '' for the document as a whole. */
  readonly key: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** The settings the dashboard can change. */
export type DashboardSetting =
  | { readonly key: 'startProxyOnLaunch'; readonly value: boolean }
  | { readonly key: 'autostart'; readonly value: boolean }
  | { readonly key: 'limitNotifications'; readonly value: boolean }
  | { readonly key: 'defaultShell'; readonly value: Shell }
  | { readonly key: 'historyRetentionDays'; readonly value: number }
  | { readonly key: 'historyMaxMb'; readonly value: number }
  | { readonly key: 'inspector'; readonly value: boolean };

/** What the preload exposes as `window.memex`: a few typed functions and one subscription. */
export interface MemexBridge {
  /** Calls `listener` with the current state at once, then on every change; returns unsubscribe. */
  onState(listener: (state: DashboardState) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Copies the env-var text for `shell` × `mode` (the tray's own function) to the clipboard. */
  copyEnv(shell: Shell, mode: EnvMode): Promise<void>;
  /** Copies what sets up `agent` (its lines for `shell`, or its config file's text). */
  copyAgentSetup(agent: AgentId, shell: Shell): Promise<void>;
  openConfig(): Promise<void>;
  setSetting(setting: DashboardSetting): Promise<void>;
  /** One page of stored requests; rejects while the proxy (which owns the file) is stopped. */
  queryHistory(filter: HistoryFilter): Promise<HistoryPage<HistoryRow>>;
  /** Sums per day and per model over the filter (its limit and cursor ignored). */
  historyTotals(filter: HistoryFilter): Promise<HistoryTotals>;
  /** One stored request with its inspector capture; null when it is gone. */
  historyDetail(id: number): Promise<HistoryDetail | null>;
  /**
   * Saves every request the filter matches as `format` to a file the user picks; resolves with
   * its path, or null when the user cancelled.
   */
  exportHistory(filter: HistoryFilter, format: ExportFormat): Promise<string | null>;
  /** Deletes all stored history (the dashboard asks the user first). */
  clearHistory(): Promise<void>;
}

/** IPC channels, all namespaced `memex:`. */
export const CHANNELS = {
  /** main → window: a DashboardState. */
  state: 'memex:state',
  /** window → main (invoke): the window asks for the current state once it has subscribed. */
  getState: 'memex:get-state',
  start: 'memex:start',
  stop: 'memex:stop',
  copyEnv: 'memex:copy-env',
  copyAgentSetup: 'memex:copy-agent-setup',
  openConfig: 'memex:open-config',
  setSetting: 'memex:set-setting',
  queryHistory: 'memex:query-history',
  historyTotals: 'memex:history-totals',
  historyDetail: 'memex:history-detail',
  exportHistory: 'memex:export-history',
  clearHistory: 'memex:clear-history',
} as const;
