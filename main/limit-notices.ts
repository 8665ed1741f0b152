// Which limit notifications to show, as a pure function of the accounts before and after a stats
// snapshot, the settings and what was already shown: a window crossing a threshold (80 % and
// 95 % by default), a window refusing requests (with when it resets), and a refused window
// resetting. At most once per window per threshold until the window drops below it again (its
// reset), so a window hovering at a threshold or a reset time that moves (OpenAI's) cannot
// repeat a notice.

import { PROVIDER_LABELS, windowLabel } from '../shared/limits-text.js';
import type { AccountLimits, SeenWindow } from '../shared/snapshot.js';

export interface NoticeSettings {
  readonly enabled: boolean;
  /** Used fractions that notify when crossed upward, e.g. [0.8, 0.95]. */
  readonly thresholds: readonly number[];
}

export interface Notice {
  readonly title: string;
  readonly body: string;
}

export interface NoticeDecision {
  readonly notices: readonly Notice[];
  /** What has been shown and not yet re-armed; pass it back next time. */
  readonly shown: ReadonlySet<string>;
}

/**
 * The notices `next` calls for, given `shown` (the keys returned last time); `clock` words a
 * reset time (`14:05`).
 */
export function decideNotices(
  next: readonly AccountLimits[],
  shown: ReadonlySet<string>,
  settings: NoticeSettings,
  clock: (time: number) => string,
): NoticeDecision {
  const notices: Notice[] = [];
  const kept = new Set<string>();
  for (const account of next) {
    const who = PROVIDER_LABELS[account.provider];
    for (const window of account.windows) {
      const base = `${account.host}\n${account.fingerprint}\n${window.id}`;
      const name = `${who} ${windowLabel(window)}`;
      const rejectedKey = `${base}\nrejected`;
      if (window.status === 'rejected') {
        kept.add(rejectedKey);
        if (!shown.has(rejectedKey)) {
          notices.push({
            title: `${name} limit reached`,
            body: `Requests are refused${resetText(window, clock, ' until ')}.`,
          });
        }
      } else if (shown.has(rejectedKey)) {
        notices.push({ title: `${name} limit has reset`, body: 'Requests go through again.' });
      }
      const used = window.usedFraction;
      if (used === null) continue;
      // The highest threshold crossed speaks for the lower ones, which are then marked as shown.
      let crossed: number | undefined;
      for (const threshold of settings.thresholds) {
        if (used < threshold) continue;
        const key = `${base}\n${threshold}`;
        kept.add(key);
        if (!shown.has(key) && (crossed === undefined || threshold > crossed)) crossed = threshold;
      }
      if (crossed !== undefined && window.status !== 'rejected') {
        notices.push({
          title: `${name} at ${Math.round(used * 100)}%`,
          body: `Over ${Math.round(crossed * 100)}% of the limit is used${resetText(window, clock, '; it resets at ')}.`,
        });
      }
    }
  }
  return { notices: settings.enabled ? notices : [], shown: kept };
}

function resetText(window: SeenWindow, clock: (time: number) => string, lead: string): string {
  return window.resetsAt === null ? '' : `${lead}${clock(window.resetsAt)}`;
}
