// The Limits panel: a block per provider account, and in it a gauge per window, binding first,
// with how much is used, when it resets and its use over the last day; or, with no account, why
// none shows. Blocks and rows are built once and updated in place.

import type { DashboardState } from '../shared/bridge.js';
import type { LimitWindow } from '../shared/limits.js';
import {
  PROVIDER_LABELS,
  TUNNELED_LIMITS_TEXT,
  WARNING_FRACTION,
  orderedWindows,
  windowLabel,
} from '../shared/limits-text.js';
import type { AccountLimits, StatsSnapshot, UsagePoint } from '../shared/snapshot.js';
import { byId, element, setAttribute, setHidden, setText } from './dom.js';
import { formatCount, formatDayClock, formatPercent, formatReset } from './format.js';
import { createSparkline, type Sparkline } from './sparkline.js';

const DAY_MS = 24 * 3_600_000;

export const NO_LIMITS_TEXT =
  'No limits reported yet: they appear after the first response from a provider that sends ' +
  'them (Anthropic, OpenAI, Codex).';

// Accounts in a fixed order (the snapshot's is most recently seen first), so blocks do not swap
// places as traffic alternates between two accounts.
const PROVIDER_ORDER = Object.keys(PROVIDER_LABELS);

interface WindowRow {
  readonly li: HTMLLIElement;
  readonly label: HTMLElement;
  readonly gauge: HTMLElement;
  readonly fill: HTMLElement;
  readonly percent: HTMLElement;
  readonly meta: HTMLElement;
  readonly sparkline: Sparkline;
}

interface AccountBlock {
  readonly root: HTMLElement;
  readonly provider: HTMLElement;
  readonly where: HTMLElement;
  readonly list: HTMLUListElement;
  readonly rows: WindowRow[];
}

export interface LimitsView {
  render(state: DashboardState): void;
  /** Redraws for a later `now` (countdowns, the day's axis) with no new state. */
  advance(now: number): void;
}

export function createLimitsView(): LimitsView {
  const container = byId('limits-accounts', HTMLElement);
  const none = byId('limits-none', HTMLElement);
  const blocks: AccountBlock[] = [];
  let stats: StatsSnapshot | null = null;

  const blockAt = (index: number): AccountBlock => {
    const existing = blocks[index];
    if (existing !== undefined) return existing;
    const block = buildBlock();
    container.append(block.root);
    blocks.push(block);
    return block;
  };

  const draw = (now: number): void => {
    const accounts = [...(stats?.limits.accounts ?? [])].sort(byAccount);
    accounts.forEach((account, index) => {
      fillBlock(blockAt(index), account, now);
    });
    blocks.forEach((block, index) => {
      setHidden(block.root, index >= accounts.length);
    });
    setHidden(none, accounts.length > 0);
    setText(
      none,
      stats !== null && stats.tunnels.total > 0 ? TUNNELED_LIMITS_TEXT : NO_LIMITS_TEXT,
    );
  };

  return {
    render(state) {
      stats = state.stats;
      draw(state.time);
    },
    advance: draw,
  };
}

function byAccount(a: AccountLimits, b: AccountLimits): number {
  return (
    PROVIDER_ORDER.indexOf(a.provider) - PROVIDER_ORDER.indexOf(b.provider) ||
    a.host.localeCompare(b.host) ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

function buildBlock(): AccountBlock {
  const root = element('article', 'limit-account');
  const title = root.appendChild(element('h3', 'limit-title'));
  const provider = title.appendChild(element('span', 'limit-provider'));
  const where = title.appendChild(element('span', 'limit-where'));
  const list = root.appendChild(element('ul', 'limit-windows'));
  return { root, provider, where, list, rows: [] };
}

function fillBlock(block: AccountBlock, account: AccountLimits, now: number): void {
  const label = PROVIDER_LABELS[account.provider];
  if (block.root.dataset.provider !== account.provider) {
    block.root.dataset.provider = account.provider;
  }
  setText(block.provider, label);
  const plan = account.plan === null ? '' : ` · ${capitalized(account.plan)} plan`;
  setText(block.where, `${account.host}${plan}`);
  const why = `${account.host}, credential fingerprint ${account.fingerprint}`;
  if (block.where.title !== why) block.where.title = why;
  const windows = orderedWindows(account);
  windows.forEach((window, index) => {
    const row = rowAt(block, index);
    setHidden(row.li, false);
    fillRow(row, label, window, account.history[window.id] ?? [], now);
  });
  for (let i = windows.length; i < block.rows.length; i++) {
    const row = block.rows[i];
    if (row !== undefined) setHidden(row.li, true);
  }
}

function rowAt(block: AccountBlock, index: number): WindowRow {
  const existing = block.rows[index];
  if (existing !== undefined) return existing;
  const li = element('li', 'limit-window');
  const label = li.appendChild(element('span', 'limit-label'));
  const gauge = li.appendChild(element('div', 'gauge'));
  gauge.setAttribute('role', 'meter');
  gauge.setAttribute('aria-valuemin', '0');
  gauge.setAttribute('aria-valuemax', '100');
  const fill = gauge.appendChild(element('div', 'gauge-fill'));
  const percent = li.appendChild(element('span', 'limit-percent'));
  const sparkline = createSparkline();
  li.append(sparkline.element);
  const meta = li.appendChild(element('span', 'limit-meta'));
  const row = { li, label, gauge, fill, percent, meta, sparkline };
  block.list.append(li);
  block.rows.push(row);
  return row;
}

function fillRow(
  row: WindowRow,
  provider: string,
  window: LimitWindow,
  history: readonly UsagePoint[],
  now: number,
): void {
  const name = windowLabel(window);
  const used = window.usedFraction;
  const level = levelOf(window);
  if (row.li.classList.contains('warning') !== (level === 'warning')) {
    row.li.classList.toggle('warning', level === 'warning');
  }
  if (row.li.classList.contains('rejected') !== (level === 'rejected')) {
    row.li.classList.toggle('rejected', level === 'rejected');
  }
  setText(row.label, name);
  setText(row.percent, used === null ? '—' : formatPercent(used));
  setAttribute(row.gauge, 'aria-label', `${provider} ${name}`);
  setAttribute(row.gauge, 'aria-valuenow', used === null ? null : String(percentOf(used)));
  setAttribute(
    row.gauge,
    'aria-valuetext',
    used === null ? 'use not reported' : `${formatPercent(used)} used`,
  );
  // Through the CSSOM: the page's CSP refuses style attributes, not style properties.
  const width = `${Math.min(100, percentOf(used ?? 0))}%`;
  if (row.fill.style.width !== width) row.fill.style.width = width;
  setText(row.meta, metaOf(window, now));
  const at = window.resetsAt === null ? '' : `Resets ${formatDayClock(window.resetsAt)}`;
  if (row.meta.title !== at) row.meta.title = at;
  row.sparkline.update(history, now - DAY_MS, now, historyText(name, history));
}

/** Amber from WARNING_FRACTION (or when the provider warns), red once it refuses requests. */
function levelOf(window: LimitWindow): 'rejected' | 'warning' | 'allowed' {
  if (window.status === 'rejected') return 'rejected';
  if ((window.usedFraction ?? 0) >= WARNING_FRACTION || window.status === 'warning') {
    return 'warning';
  }
  return 'allowed';
}

/** `limit reached · resets in 2 h 13 min · 1,200 of 4,000 left`, each part where known. */
function metaOf(window: LimitWindow, now: number): string {
  const parts: string[] = [];
  if (window.status === 'rejected') parts.push('limit reached');
  if (window.resetsAt !== null) parts.push(formatReset(window.resetsAt, now));
  if (window.remaining !== null && window.limit !== null) {
    parts.push(`${formatCount(window.remaining)} of ${formatCount(window.limit)} left`);
  }
  return parts.join(' · ');
}

function historyText(name: string, history: readonly UsagePoint[]): string {
  if (history.length === 0) return `${name}: no readings in the last 24 hours`;
  const peak = Math.max(...history.map(([, used]) => used));
  return (
    `${name} used over the last 24 hours: ${formatCount(history.length)} readings, ` +
    `peak ${formatPercent(peak)}`
  );
}

function percentOf(fraction: number): number {
  return Math.round(fraction * 100);
}

function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
