// The History panel: stored requests over a time range, filtered and searched, their sums (a line
// of totals, a chart per day, a table per model), the rows a page at a time with each request's
// detail, and exports. History lives in the proxy's worker, so nothing is asked until the panel
// is opened, and a call made while the proxy is stopped says so instead of failing.

import type { DashboardState, MemexBridge } from '../shared/bridge.js';
import type { ExportFormat, HistoryFilter } from '../shared/history.js';
import { plural } from '../shared/text.js';
import { byId, runAction, setHidden, setText } from './dom.js';
import { createHistoryDetail } from './history-detail.js';
import { createHistoryFilters } from './history-filters.js';
import { daysOf } from './history-range.js';
import { createHistoryTable } from './history-table.js';
import { countRequests, createHistoryTotals } from './history-totals.js';
import { formatCount } from './format.js';

export interface HistoryView {
  render(state: DashboardState): void;
  /** Asks again (after the history was cleared); only once the panel has been opened. */
  readonly reload: () => void;
}

const FORMATS: readonly ExportFormat[] = ['csv', 'json', 'har'];

/**
 * The message for a call that failed: the proxy's worker owns the file, so while the proxy is not
 * running that is the reason; otherwise the call's own.
 */
export function describeFailure(
  state: DashboardState | null,
  message: string,
  doing = 'read history',
): string {
  if (state?.status.kind !== 'running') return 'History is available while the proxy runs.';
  return `Could not ${doing}: ${message}`;
}

export function createHistoryView(bridge: MemexBridge): HistoryView {
  const details = byId('history', HTMLDetailsElement);
  const kept = byId('history-kept', HTMLElement);
  const problem = byId('history-problem', HTMLElement);
  const message = byId('history-message', HTMLElement);
  const results = byId('history-results', HTMLElement);
  const none = byId('history-none', HTMLElement);
  const more = byId('history-more', HTMLButtonElement);
  const count = byId('history-count', HTMLElement);
  const refresh = byId('history-refresh', HTMLButtonElement);
  const exported = byId('history-export-status', HTMLElement);
  let state: DashboardState | null = null;
  let loaded = false;
  let failed = false;
  // Each load's number: an answer to an earlier one, arriving late, is dropped.
  let generation = 0;
  let shown: { filter: HistoryFilter; next: string | null; total: number } | null = null;

  const now = (): number => state?.time ?? Date.now();
  const failure = (text: string): string => describeFailure(state, text);
  const filters = createHistoryFilters(now, () => {
    load();
  });
  const totals = createHistoryTotals();
  const detail = createHistoryDetail(bridge, failure);
  const table = createHistoryTable(byId('history-rows', HTMLTableSectionElement), detail.open);

  const showPaging = (): void => {
    const total = shown?.total ?? 0;
    setHidden(more, shown === null || shown.next === null);
    setHidden(none, table.count > 0);
    setText(
      count,
      table.count === 0
        ? ''
        : `Showing ${formatCount(table.count)} of ${plural(total, 'request', formatCount)}`,
    );
  };
  const fail = (text: string): void => {
    failed = true;
    setText(message, failure(text));
    setHidden(message, false);
  };

  function load(): void {
    if (!details.open) {
      loaded = false;
      return;
    }
    loaded = true;
    const mine = ++generation;
    const filter = filters.current(now());
    Promise.all([bridge.historyTotals(filter), bridge.queryHistory(filter)]).then(
      ([sums, page]) => {
        if (mine !== generation) return;
        failed = false;
        setHidden(message, true);
        setHidden(results, false);
        shown = { filter, next: page.next, total: countRequests(sums) };
        table.replace(page.rows);
        totals.show(
          sums,
          daysOf(
            filters.range(now()),
            now(),
            sums.days.map((day) => day.key),
          ),
        );
        filters.learnAnswer(page.rows, sums);
        showPaging();
      },
      (err: unknown) => {
        if (mine !== generation) return;
        setHidden(results, true);
        fail(err instanceof Error ? err.message : String(err));
      },
    );
  }

  details.addEventListener('toggle', () => {
    if (details.open && !loaded) load();
  });
  refresh.addEventListener('click', load);
  more.addEventListener('click', () => {
    const from = shown;
    if (from === null || from.next === null) return;
    const cursor = from.next;
    const mine = generation;
    runAction(
      more,
      async () => {
        const page = await bridge.queryHistory({ ...from.filter, cursor });
        if (mine !== generation) return;
        shown = { ...from, next: page.next };
        table.append(page.rows);
        filters.learnAnswer(page.rows, null);
        showPaging();
      },
      fail,
    );
  });
  for (const format of FORMATS) {
    const button = byId(`history-export-${format}`, HTMLButtonElement);
    button.addEventListener('click', () => {
      setText(exported, '');
      runAction(
        button,
        async () => {
          const path = await bridge.exportHistory(filters.current(now()), format);
          setText(exported, path === null ? '' : `Saved to ${path}`);
        },
        (text) => {
          setText(exported, describeFailure(state, text, 'export history'));
        },
      );
    });
  }

  return {
    render(next) {
      const wasRunning = state?.status.kind === 'running';
      state = next;
      filters.learnState(next);
      setText(kept, `kept ${plural(next.settings.historyRetentionDays, 'day', formatCount)}`);
      const { problem: text } = next.history;
      setHidden(problem, text === null);
      if (text !== null) setText(problem, `History: ${text}`);
      // History could not be read while the proxy was down: now it can.
      if (failed && !wasRunning && next.status.kind === 'running') load();
    },
    reload: () => {
      if (loaded) load();
    },
  };
}
