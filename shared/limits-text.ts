// Limits as the tray and the dashboard word them: one line per provider account, the binding
// window first (`Claude: 5h 42% · resets 14:05 · 7d 18%`), API-key limits as what is left
// (`OpenAI: 92% of tokens left`). Pure; the clock format is the caller's.

import type { LimitProvider, LimitWindow } from './limits.js';
import type { AccountLimits } from './snapshot.js';

export const PROVIDER_LABELS: Readonly<Record<LimitProvider, string>> = {
  'anthropic-subscription': 'Claude',
  anthropic: 'Anthropic API',
  openai: 'OpenAI',
  codex: 'Codex',
};

/** Used fraction at which a window is shown as close to its limit (amber). */
export const WARNING_FRACTION = 0.9;

/** How a window is named: `5h`, `7d`, `7d Sonnet`, `extra usage`, `requests`, `tokens`. */
export function windowLabel(window: Pick<LimitWindow, 'id' | 'windowMinutes'>): string {
  const { id, windowMinutes } = window;
  if (id === 'primary' || id === 'secondary') {
    if (windowMinutes === null) return id;
    if (windowMinutes % 1440 === 0) return `${windowMinutes / 1440}d`;
    if (windowMinutes % 60 === 0) return `${windowMinutes / 60}h`;
    return `${windowMinutes}m`;
  }
  if (id === 'overage') return 'extra usage';
  const model = /^7d-(.+)$/.exec(id)?.[1];
  if (model !== undefined) return `7d ${model.charAt(0).toUpperCase()}${model.slice(1)}`;
  return id.replace('-', ' ');
}

/** Subscription-style windows are shown as used; API-key windows as what is left. */
function isQuota(account: AccountLimits): boolean {
  return account.provider === 'anthropic-subscription' || account.provider === 'codex';
}

/**
 * The account's windows, binding first: the one the provider names, else the fullest (a
 * rejected one before all).
 */
export function orderedWindows(account: AccountLimits): LimitWindow[] {
  const score = (window: LimitWindow): number =>
    (window.status === 'rejected' ? 10 : 0) + (window.usedFraction ?? -1);
  return [...account.windows].sort((a, b) => {
    if (a.id === account.binding) return -1;
    if (b.id === account.binding) return 1;
    return score(b) - score(a);
  });
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** One tray line for the account; `clock` formats an epoch-ms time (`14:05`). */
export function accountLine(account: AccountLimits, clock: (time: number) => string): string {
  const label = PROVIDER_LABELS[account.provider];
  const windows = orderedWindows(account).filter((window) => window.usedFraction !== null);
  const [first, ...rest] = windows;
  if (first === undefined) return `${label}: limits seen, no usage reported`;
  const resets = first.resetsAt === null ? '' : ` · resets ${clock(first.resetsAt)}`;
  if (first.status === 'rejected') return `${label}: ${windowLabel(first)} limit reached${resets}`;
  if (!isQuota(account)) {
    return `${label}: ${percent(1 - (first.usedFraction ?? 0))} of ${windowLabel(first)} left${resets}`;
  }
  const others = rest
    .slice(0, 2)
    .map((window) => ` · ${windowLabel(window)} ${percent(window.usedFraction ?? 0)}`)
    .join('');
  return `${label}: ${windowLabel(first)} ${percent(first.usedFraction ?? 0)}${resets}${others}`;
}

/** The worst state across accounts: a rejected window, one at ≥ 90 %, or neither. */
export function limitsAlert(accounts: readonly AccountLimits[]): 'rejected' | 'warning' | null {
  let alert: 'warning' | null = null;
  for (const account of accounts) {
    for (const window of account.windows) {
      if (window.status === 'rejected') return 'rejected';
      if ((window.usedFraction ?? 0) >= WARNING_FRACTION || window.status === 'warning') {
        alert = 'warning';
      }
    }
  }
  return alert;
}

/** Said where limits would show when the traffic goes through CONNECT tunnels instead. */
export const TUNNELED_LIMITS_TEXT =
  'Limits not visible through HTTPS_PROXY; use the base-URL settings';
