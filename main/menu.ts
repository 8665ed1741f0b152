// The tray menu as a pure function of state: status line, live counts, the busiest clients,
// Start/Stop, Copy env vars (and each agent's setup), dashboard, config file, Start at login, Quit. Also the tooltip, the macOS title and which icon
// to show. No Electron at runtime: the template is plain data (Electron's own option type).

import type { MenuItemConstructorOptions } from 'electron';
import { ALWAYS_SHOWN, SCHEMA_LABELS, type SchemaId } from '../shared/schemas.js';
import type { StatsSnapshot } from '../shared/snapshot.js';
import type { Pricing } from '../shared/pricing.js';
import type { ConfigProblem } from '../shared/bridge.js';
import { issueText } from '../shared/config-text.js';
import type { DayTotals } from '../shared/usage.js';
import { AGENTS, agentRow, type AgentId } from '../shared/agent-setup.js';
import { ENV_MODES, SHELLS, type EnvMode, type Shell } from '../shared/env.js';
import { isLive, type ProxyStatus } from '../shared/status.js';
import { plural } from '../shared/text.js';
import { dayCostText, dayTokens, formatTokens, tallyTokens } from '../shared/usage-text.js';
import { accountLine, limitsAlert, TUNNELED_LIMITS_TEXT } from '../shared/limits-text.js';

/** Everything the tray shows. */
export interface TrayState {
  readonly status: ProxyStatus;
  /** The latest stats from the worker; null before the first. */
  readonly stats: StatsSnapshot | null;
  readonly autostart: boolean;
  /** False when running unpackaged (`electron .`): an entry would start the bare Electron binary. */
  readonly autostartAvailable: boolean;
  /** The shell listed first under Copy env vars. */
  readonly defaultShell: Shell;
  /** A config reload that failed while the proxy kept its last good config. */
  readonly configError: ConfigProblem | null;
  readonly platform: NodeJS.Platform;
  /** Today's token totals (kept across restarts); null before any today. */
  readonly usageToday: DayTotals | null;
  /** The config's prices, for today's cost in the tooltip; `{}` when none. */
  readonly pricing: Pricing;
  /** The request inspector records headers and bodies (inspector.enabled). */
  readonly inspector?: boolean;
}

/** What the menu's items do; main wires them to the supervisor, clipboard, window and settings. */
export interface TrayActions {
  start(): void;
  stop(): void;
  /** Restart on a free port after "Port N is in use". */
  useAnotherPort(): void;
  copyEnv(shell: Shell, mode: EnvMode): void;
  /** Copies what sets up `agent`: its lines for `shell`, or its config file's text. */
  copyAgentSetup(agent: AgentId, shell: Shell): void;
  openDashboard(): void;
  openConfig(): void;
  setAutostart(enabled: boolean): void;
  quit(): void;
}

export type IconState = 'running' | 'warning' | 'limited' | 'stopped' | 'error';

const TOP_TUNNEL_HOSTS = 3;

/** The one-line status: "Running on 127.0.0.1:8080", "Port 8080 is in use", … */
export function statusLine(status: ProxyStatus): string {
  switch (status.kind) {
    case 'running':
      return `Running on ${status.host.includes(':') ? `[${status.host}]` : status.host}:${status.port}`;
    case 'starting':
      return 'Starting…';
    case 'stopping':
      return 'Stopping…';
    case 'stopped':
      return 'Stopped';
    case 'restarting':
      return `Crashed, restarting in ${formatSeconds(status.retryInMs)}`;
    case 'failed':
      if (status.code === 'PORT_IN_USE' && status.port !== undefined) {
        return `Port ${status.port} is in use`;
      }
      return `Stopped: ${firstLine(status.reason)}`;
  }
}

/**
 * Which icon the tray shows: while running, amber when a limit window is at 90 % or more, red
 * when one refused requests.
 */
export function iconState(status: ProxyStatus, stats: StatsSnapshot | null = null): IconState {
  switch (status.kind) {
    case 'running': {
      const alert = limitsAlert(stats?.limits.accounts ?? []);
      return alert === 'rejected' ? 'limited' : alert === 'warning' ? 'warning' : 'running';
    }
    case 'failed':
    case 'restarting':
      return 'error';
    case 'starting':
    case 'stopping':
    case 'stopped':
      return 'stopped';
  }
}

/** Total requests, for the macOS menu-bar title ('' when there are none yet). */
export function trayTitle(state: TrayState): string {
  if (state.stats === null) return '';
  const total = Object.values(state.stats.requests).reduce((sum, count) => sum + count, 0);
  return total === 0 ? '' : String(total);
}

/**
 * The tray tooltip: "memex — Running on 127.0.0.1:8080", then today's tokens once there are
 * some ("· 1.2M tokens today"), and their cost when the config prices the models seen ("· cost
 * 3.14", or "cost ≥ 3.14" when some models with tokens have no price).
 */
export function tooltip(state: TrayState): string {
  const base = `memex — ${statusLine(state.status)}`;
  const tokens = dayTokens(state.usageToday);
  const head =
    tokens === 0
      ? base
      : `${base} · ${formatTokens(tokens)} tokens today${dayCostText(state.usageToday, state.pricing)}`;
  const limits = limitLines(state.stats);
  return limits.length === 0 ? head : [head, ...limits].join('\n');
}

// Provider accounts shown at most; more are in the dashboard.
const MAX_LIMIT_LINES = 4;

/** One line per provider account with windows, or why none can show. */
export function limitLines(stats: StatsSnapshot | null): string[] {
  const accounts = stats?.limits.accounts ?? [];
  if (accounts.length === 0) {
    return stats !== null && stats.tunnels.total > 0 ? [TUNNELED_LIMITS_TEXT] : [];
  }
  return accounts.slice(0, MAX_LIMIT_LINES).map((account) => accountLine(account, clockOf));
}

/** `14:05`, local time. */
export function clockOf(time: number): string {
  const date = new Date(time);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** The whole menu. Items that cannot act in this state are disabled, never hidden. */
export function menuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const { status } = state;
  const items: MenuItemConstructorOptions[] = [{ label: statusLine(status), enabled: false }];
  if (status.kind === 'failed' && status.code !== 'PORT_IN_USE' && status.reason.includes('\n')) {
    for (const line of status.reason.split('\n').slice(1, 4))
      items.push({ label: line, enabled: false });
  }
  if (state.inspector === true) {
    items.push({ label: 'Inspector on: bodies are being recorded', enabled: false });
  }
  const issue = state.configError?.issues[0];
  if (state.configError !== null && issue !== undefined) {
    const text = issueText(state.configError.file, issue);
    items.push({ label: `Config error: ${firstLine(text)}`, enabled: false });
  }
  items.push({ type: 'separator' }, ...countItems(state.stats, state.usageToday));
  const clients = clientLines(state.stats);
  if (clients.length > 0) {
    items.push({ type: 'separator' }, ...clients.map((label) => ({ label, enabled: false })));
  }
  const limits = limitLines(state.stats);
  if (limits.length > 0) {
    items.push({ type: 'separator' }, ...limits.map((label) => ({ label, enabled: false })));
  }
  items.push({ type: 'separator' });

  if (status.kind === 'failed' && status.code === 'PORT_IN_USE') {
    items.push({
      label: 'Use another port',
      click: () => {
        actions.useAnotherPort();
      },
    });
  }
  items.push(
    isLive(status)
      ? {
          label: 'Stop proxy',
          click: () => {
            actions.stop();
          },
        }
      : {
          label: 'Start proxy',
          enabled: status.kind !== 'stopping',
          click: () => {
            actions.start();
          },
        },
    { label: 'Copy env vars', submenu: copyEnvItems(state, actions) },
    { type: 'separator' },
    {
      label: 'Open dashboard',
      click: () => {
        actions.openDashboard();
      },
    },
    {
      label: 'Open config file',
      click: () => {
        actions.openConfig();
      },
    },
    {
      label: 'Start at login',
      type: 'checkbox',
      checked: state.autostart,
      enabled: state.autostartAvailable,
      click: (item) => {
        actions.setAutostart(item.checked);
      },
    },
    { type: 'separator' },
    {
      label: 'Quit memex',
      // No `role: 'quit'`: a role replaces click, and quitting must stop the worker first.
      click: () => {
        actions.quit();
      },
    },
  );
  return items;
}

// "Anthropic: 12 requests (1 error) · 34.1k in / 2.3k out today": requests since the proxy
// started, tokens since midnight (kept across restarts); "in" is the whole prompt, cache included.
function countItems(
  stats: StatsSnapshot | null,
  today: DayTotals | null,
): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = [];
  for (const schema of Object.keys(SCHEMA_LABELS) as SchemaId[]) {
    const totals = stats?.schemas[schema];
    const requests = totals?.requests ?? 0;
    const tokens = tallyTokens(today?.schemas[schema]);
    if (requests === 0 && tokens === null && !ALWAYS_SHOWN.includes(schema)) continue;
    const errors = totals?.errors ?? 0;
    const errorText = errors === 0 ? '' : ` (${plural(errors, 'error')})`;
    const tokenText =
      tokens === null
        ? ''
        : tokens.kind === 'unknown'
          ? ' · tokens unknown'
          : ` · ${tokens.text} today`;
    items.push({
      label: `${SCHEMA_LABELS[schema]}: ${plural(requests, 'request')}${errorText}${tokenText}`,
      enabled: false,
    });
  }
  const tunnels = stats?.tunnels;
  if (tunnels !== undefined && tunnels.total > 0) {
    items.push({ label: `HTTPS tunnels: ${tunnels.total}`, enabled: false });
    const hosts = Object.entries(tunnels.byHost)
      .sort(([hostA, a], [hostB, b]) => b.count - a.count || hostA.localeCompare(hostB))
      .slice(0, TOP_TUNNEL_HOSTS);
    for (const [host, entry] of hosts)
      items.push({ label: `    ${host}: ${entry.count}`, enabled: false });
  }
  return items;
}

// Clients shown at most; the dashboard lists them all.
const MAX_CLIENT_LINES = 4;

/**
 * One line per client busy today, most tokens first: "Claude Code · 3 sessions · 41.0k tokens
 * today" (requests instead of sessions for a client that names none, such as an SDK).
 */
export function clientLines(stats: StatsSnapshot | null): string[] {
  const busy = (stats?.clients ?? []).filter((client) => client.today.requests > 0);
  busy.sort(
    (a, b) =>
      b.today.tokens - a.today.tokens ||
      b.today.requests - a.today.requests ||
      a.name.localeCompare(b.name),
  );
  return busy.slice(0, MAX_CLIENT_LINES).map((client) => {
    const work =
      client.sessionsToday > 0
        ? plural(client.sessionsToday, 'session')
        : plural(client.today.requests, 'request');
    return `${client.name} · ${work} · ${formatTokens(client.today.tokens)} tokens today`;
  });
}

function copyEnvItems(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const running = state.status.kind === 'running';
  const shells = [...SHELLS].sort(
    (a, b) => Number(b.id === state.defaultShell) - Number(a.id === state.defaultShell),
  );
  const modes: MenuItemConstructorOptions[] = ENV_MODES.map((mode) => ({
    label: mode.label,
    // Unset needs no address; the others copy the port the proxy really listens on.
    enabled: running || mode.id === 'unset',
    submenu: shells.map((shell) => ({
      label: shell.label,
      click: () => {
        actions.copyEnv(shell.id, mode.id);
      },
    })),
  }));
  return [
    ...modes,
    { type: 'separator' },
    { label: 'Connect an agent', enabled: running, submenu: agentItems(state, actions) },
  ];
}

// One item per agent, copying for the default shell; a file agent's item names its file, whose
// text is what it copies.
function agentItems(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  return AGENTS.map(({ id }) => {
    const { label, setting } = agentRow(id);
    return {
      label: setting.kind === 'env' ? label : `${label} — ${fileName(setting.file)}`,
      click: () => {
        actions.copyAgentSetup(id, state.defaultShell);
      },
    };
  });
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.ceil(ms / 1000)} s`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
