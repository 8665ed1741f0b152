// The main side of the dashboard's IPC: one invoke handler per channel. Every handler first checks
// that the call comes from our dashboard window's top frame showing our own page (electron/fiddle's
// sender check), then validates its arguments: the renderer is treated as untrusted input.

import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { CHANNELS, type DashboardSetting, type DashboardState } from '../shared/bridge.js';
import { isAgentId, type AgentId } from '../shared/agent-setup.js';
import { ENV_MODES, SHELLS, type EnvMode, type Shell } from '../shared/env.js';
import type {
  ExportFormat,
  HistoryDetail,
  HistoryFilter,
  HistoryPage,
  HistoryRow,
  HistoryTotals,
} from '../shared/history.js';
import { parseHistoryFilter } from '../proxy-core/history/filter.js';

/** What the dashboard can ask main to do. */
export interface DashboardHandlers {
  state(): DashboardState;
  start(): void;
  stop(): void;
  copyEnv(shell: Shell, mode: EnvMode): void;
  copyAgentSetup(agent: AgentId, shell: Shell): void;
  openConfig(): void;
  setSetting(setting: DashboardSetting): void;
  queryHistory(filter: HistoryFilter): Promise<HistoryPage<HistoryRow>>;
  historyTotals(filter: HistoryFilter): Promise<HistoryTotals>;
  historyDetail(id: number): Promise<HistoryDetail | null>;
  exportHistory(filter: HistoryFilter, format: ExportFormat): Promise<string | null>;
  clearHistory(): Promise<void>;
}

/**
 * Who may call: the dashboard's WebContents (while it exists; compared by identity) and the URL
 * of our page.
 */
export interface TrustedSender {
  contents(): Pick<WebContents, 'id'> | undefined;
  readonly pageUrl: string;
}

/** Whether an IPC call comes from our dashboard's top frame showing our page. */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  trusted: TrustedSender,
): boolean {
  const contents = trusted.contents();
  if (contents === undefined || event.sender !== contents) return false;
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && frame.url === trusted.pageUrl;
}

export type IpcRegistrar = Pick<IpcMain, 'handle' | 'removeHandler'>;

/** Registers every dashboard channel; returns a function that removes them again. */
export function registerDashboardIpc(
  ipcMain: IpcRegistrar,
  trusted: TrustedSender,
  handlers: DashboardHandlers,
): () => void {
  const routes: Record<string, (args: readonly unknown[]) => unknown> = {
    [CHANNELS.getState]: () => handlers.state(),
    [CHANNELS.start]: () => {
      handlers.start();
    },
    [CHANNELS.stop]: () => {
      handlers.stop();
    },
    [CHANNELS.copyEnv]: ([shell, mode]) => {
      if (!isShell(shell) || !isMode(mode)) throw new Error('copy-env: unknown shell or mode');
      handlers.copyEnv(shell, mode);
    },
    [CHANNELS.copyAgentSetup]: ([agent, shell]) => {
      if (!isAgentId(agent) || !isShell(shell)) {
        throw new Error('copy-agent-setup: unknown agent or shell');
      }
      handlers.copyAgentSetup(agent, shell);
    },
    [CHANNELS.openConfig]: () => {
      handlers.openConfig();
    },
    [CHANNELS.queryHistory]: ([filter]) => handlers.queryHistory(toFilter(filter, 'query-history')),
    [CHANNELS.historyTotals]: ([filter]) =>
      handlers.historyTotals(toFilter(filter, 'history-totals')),
    [CHANNELS.historyDetail]: ([id]) => {
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
        throw new Error('history-detail: not a row id');
      }
      return handlers.historyDetail(id);
    },
    [CHANNELS.exportHistory]: ([filter, format]) => {
      if (format !== 'csv' && format !== 'json' && format !== 'har') {
        throw new Error('export-history: format is csv, json or har');
      }
      return handlers.exportHistory(toFilter(filter, 'export-history'), format);
    },
    [CHANNELS.clearHistory]: () => handlers.clearHistory(),
    [CHANNELS.setSetting]: ([setting]) => {
      const checked = toSetting(setting);
      if (checked === null) throw new Error('set-setting: not a known setting and value');
      handlers.setSetting(checked);
    },
  };
  for (const [channel, route] of Object.entries(routes)) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isTrustedSender(event, trusted))
        throw new Error(`${channel}: refused, not the dashboard`);
      return route(args);
    });
  }
  return () => {
    for (const channel of Object.keys(routes)) ipcMain.removeHandler(channel);
  };
}

function isShell(value: unknown): value is Shell {
  return SHELLS.some((shell) => shell.id === value);
}

function isMode(value: unknown): value is EnvMode {
  return ENV_MODES.some((mode) => mode.id === value);
}

/** Validates a setting from the renderer; null when it is not one. */
export function toSetting(value: unknown): DashboardSetting | null {
  if (typeof value !== 'object' || value === null) return null;
  const { key, value: given } = value as { key?: unknown; value?: unknown };
  if (
    (key === 'startProxyOnLaunch' || key === 'autostart' || key === 'limitNotifications') &&
    typeof given === 'boolean'
  ) {
    return { key, value: given };
  }
  if (key === 'defaultShell' && isShell(given)) return { key, value: given };
  if (key === 'inspector' && typeof given === 'boolean') return { key, value: given };
  if (key === 'historyRetentionDays' && isWhole(given, 1, 3650)) return { key, value: given };
  if (key === 'historyMaxMb' && isWhole(given, 10, 100_000)) return { key, value: given };
  return null;
}

function isWhole(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function toFilter(value: unknown, channel: string): HistoryFilter {
  const filter = parseHistoryFilter(value);
  if (filter === undefined) throw new Error(`${channel}: not a history filter`);
  return filter;
}
