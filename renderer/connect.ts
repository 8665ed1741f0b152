// "Connect an agent": pick an agent (and a shell where it takes environment variables), see the
// exact setting for the port the proxy listens on (shared/agent-setup.ts, the tray's own text),
// copy it through main's clipboard, and see whether memex has seen that agent's traffic yet.

import {
  AGENTS,
  agentRow,
  agentSeen,
  agentSnippet,
  type AgentId,
  type AgentSeen,
} from '../shared/agent-setup.js';
import type { DashboardState, MemexBridge } from '../shared/bridge.js';
import { SHELLS, type Shell } from '../shared/env.js';
import { plural } from '../shared/text.js';
import { byId, fillOptions, runAction, setHidden, setText } from './dom.js';
import { formatCount, formatDayClock } from './format.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface ConnectView {
  render(state: DashboardState): void;
  /** Moves "seen 2 min ago" on between states; `now` is main's clock. */
  advance(now: number): void;
}

/** When the agent was last seen: `just now`, `2 min ago`, `3 h ago`, `on Sat 14:05`. */
function formatAgo(time: number, now: number): string {
  const age = Math.max(0, now - time);
  if (age < MINUTE) return 'just now';
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min ago`;
  if (age < 24 * HOUR) return `${Math.floor(age / HOUR)} h ago`;
  return `on ${formatDayClock(time)}`;
}

/** What the panel says of an agent's traffic so far. */
function seenText(seen: AgentSeen, now: number): string {
  switch (seen.kind) {
    case 'never':
      return 'Not seen yet: its first request shows here.';
    case 'tunnels':
      // A tunnel's bytes are encrypted end to end: memex sees only the host it goes to.
      return (
        `Seen ${formatAgo(seen.lastSeen, now)}, only through HTTPS_PROXY ` +
        `(${plural(seen.tunnels, 'tunnel', formatCount)}): its tokens and limits need the ` +
        'base-URL setting above.'
      );
    case 'requests':
      return `Seen ${formatAgo(seen.lastSeen, now)}, ${plural(seen.requests, 'request', formatCount)}`;
  }
}

export function createConnectView(
  bridge: MemexBridge,
  notify: (text: string) => void,
): ConnectView {
  const details = byId('connect', HTMLDetailsElement);
  const summary = byId('connect-summary', HTMLElement);
  const agentSelect = byId('connect-agent', HTMLSelectElement);
  const shellField = byId('connect-shell-field', HTMLElement);
  const shellSelect = byId('connect-shell', HTMLSelectElement);
  const where = byId('connect-where', HTMLElement);
  const text = byId('connect-text', HTMLElement);
  const stopped = byId('connect-stopped', HTMLElement);
  const note = byId('connect-note', HTMLElement);
  const copy = byId('connect-copy', HTMLButtonElement);
  const copied = byId('connect-copied', HTMLElement);
  const seen = byId('connect-seen', HTMLElement);
  fillOptions(agentSelect, AGENTS);
  fillOptions(shellSelect, SHELLS);
  // Open while nothing has come through memex yet (connecting is what a new user needs), closed
  // once traffic flows, until the user opens or closes it.
  let openChosen = false;
  // The shell follows the default-shell setting until the user picks one here.
  let shellChosen = false;
  let last: DashboardState | null = null;
  let now = 0;
  let copiedTimer: ReturnType<typeof setTimeout> | undefined;

  const agent = (): AgentId =>
    AGENTS.find((entry) => entry.id === agentSelect.value)?.id ?? 'claude-code';
  const shell = (): Shell => SHELLS.find((entry) => entry.id === shellSelect.value)?.id ?? 'bash';

  const draw = (): void => {
    if (last === null) return;
    const status = last.status;
    const running = status.kind === 'running';
    const row = agentRow(agent());
    setHidden(shellField, row.setting.kind !== 'env');
    setText(
      where,
      row.setting.kind === 'env'
        ? 'Paste into the terminal you start it from:'
        : `Put this in ${row.setting.file}:`,
    );
    setText(text, running ? agentSnippet(agent(), shell(), status).text : '');
    setHidden(where, !running);
    setHidden(text, !running);
    setHidden(stopped, running);
    setText(note, row.note);
    setHidden(note, row.note === '');
    copy.disabled = !running;
    setText(seen, seenText(agentSeen(agent(), last.stats?.clients ?? []), now));
  };

  summary.addEventListener('click', () => {
    openChosen = true;
  });
  agentSelect.addEventListener('change', draw);
  shellSelect.addEventListener('change', () => {
    shellChosen = true;
    draw();
  });
  copy.addEventListener('click', () => {
    const chosenAgent = agent();
    const chosenShell = shell();
    runAction(
      copy,
      async () => {
        await bridge.copyAgentSetup(chosenAgent, chosenShell);
        setText(copied, 'Copied');
        clearTimeout(copiedTimer);
        copiedTimer = setTimeout(() => {
          setText(copied, '');
        }, 2000);
      },
      (reason) => {
        notify(`Could not copy: ${reason}`);
      },
    );
  });

  return {
    render(state) {
      last = state;
      now = state.time;
      const stats = state.stats;
      if (!openChosen && stats !== null) {
        const fresh =
          Object.values(stats.requests).every((count) => count === 0) &&
          stats.tunnels.total === 0 &&
          stats.active === 0;
        if (details.open !== fresh) details.open = fresh;
      }
      if (!shellChosen && shellSelect.value !== state.settings.defaultShell) {
        shellSelect.value = state.settings.defaultShell;
      }
      draw();
    },
    advance(time) {
      now = time;
      draw();
    },
  };
}
