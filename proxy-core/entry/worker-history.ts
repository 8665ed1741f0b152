// The worker's side of history: answering main's calls (the worker owns the file), and the
// token totals a worker starts with — from the history when it keeps one (usage.json imported
// into it once), else the seed main sent.

import type { History } from '../history/history.js';
import { parseUsageSnapshot } from '../history/import.js';
import { dayKey } from '../usage/totals.js';
import type { HistoryCall, WorkerMessage } from './protocol.js';

/** The reply to one history call; never rejects. */
export async function answerHistory(
  history: History | null,
  id: number,
  call: HistoryCall,
): Promise<WorkerMessage> {
  if (history === null) return { type: 'history-reply', id, problem: 'history is off' };
  try {
    switch (call.method) {
      case 'query':
        return { type: 'history-reply', id, value: await history.query(call.filter) };
      case 'totals':
        return { type: 'history-reply', id, value: await history.totals(call.filter) };
      case 'detail':
        return { type: 'history-reply', id, value: await history.detail(call.id) };
      case 'captures':
        // A Map does not survive the channel's JSON: sent as [id, capture] pairs.
        return {
          type: 'history-reply',
          id,
          value: [...(await history.captures(call.ids))],
        };
      case 'clear':
        await history.clear();
        return { type: 'history-reply', id, value: null };
    }
  } catch (err) {
    return { type: 'history-reply', id, problem: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * What a worker's stats start with: with history, yesterday's and today's totals read from it
 * (after importing main's usage.json seed, which the history takes once ever per file); without,
 * the seed itself. A history that cannot be read starts the day at zero rather than double.
 */
export async function startingUsage(
  history: History | null,
  seed: unknown,
  now: Date = new Date(),
): Promise<unknown> {
  if (history === null) return seed;
  try {
    const snapshot = parseUsageSnapshot(seed);
    if (snapshot !== undefined) await history.importUsage(snapshot);
    const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
    return { version: 1, days: await history.dayTotals(dayKey(yesterday)) };
  } catch {
    return undefined;
  }
}
