// The History view's controls as a HistoryFilter: the time range (presets or two dates), schema,
// status class, model, client, project and session, and a debounced search on the path. The
// model and caller lists offer every value seen so far, in the stats and in history's answers.

import type { DashboardState } from '../shared/bridge.js';
import {
  STATUS_CLASSES,
  type HistoryFilter,
  type HistoryRow,
  type HistoryTotals,
  type StatusClass,
} from '../shared/history.js';
import { SCHEMAS } from '../shared/schemas.js';
import { byId, fillOptions, setAttribute, setHidden } from './dom.js';
import { SCHEMA_LABELS, formatSession } from './format.js';
import {
  RANGE_CHOICES,
  startOfDay,
  toDayKey,
  toRange,
  type Range,
  type RangeChoice,
} from './history-range.js';

// Long enough to cover a word's keystrokes, short enough to feel live.
const SEARCH_DELAY_MS = 300;

const STATUS_LABELS: Readonly<Record<StatusClass, string>> = {
  '2xx': '2xx',
  '4xx': '4xx',
  '5xx': '5xx',
  error: 'No response, or cut short',
};

export interface HistoryFilters {
  /** The filter the controls set, its range counted from `now`. */
  current(now: number): HistoryFilter;
  /** The range alone, for the chart's days. */
  range(now: number): Range;
  /** Adds the models and callers `state`'s stats know to the lists. */
  learnState(state: DashboardState): void;
  /** Adds the models and callers of history's answers to the lists. */
  learnAnswer(rows: readonly HistoryRow[], totals: HistoryTotals | null): void;
}

/** `onChange` runs when the user changes any control (the search after a pause). */
export function createHistoryFilters(now: () => number, onChange: () => void): HistoryFilters {
  const buttons = RANGE_CHOICES.map((choice) => ({
    choice,
    button: byId(`history-range-${choice}`, HTMLButtonElement),
  }));
  const custom = byId('history-custom', HTMLElement);
  const from = byId('history-from', HTMLInputElement);
  const to = byId('history-to', HTMLInputElement);
  const search = byId('history-text', HTMLInputElement);
  const schema = byId('history-schema', HTMLSelectElement);
  const status = byId('history-status', HTMLSelectElement);
  const lists = {
    model: createOptionList('model'),
    client: createOptionList('client'),
    project: createOptionList('project'),
    session: createOptionList('session'),
  };
  let choice: RangeChoice = 'today';
  let searchTimer: ReturnType<typeof setTimeout> | undefined;

  fillOptions(
    schema,
    SCHEMAS.map((id) => ({ id, label: SCHEMA_LABELS[id] })),
  );
  fillOptions(
    status,
    STATUS_CLASSES.map((id) => ({ id, label: STATUS_LABELS[id] })),
  );
  for (const { choice: each, button } of buttons) {
    button.addEventListener('click', () => {
      choice = each;
      for (const other of buttons) {
        setAttribute(other.button, 'aria-pressed', String(other.choice === each));
      }
      setHidden(custom, each !== 'custom');
      // A first custom range starts as the last 7 days, for the user to narrow.
      if (each === 'custom' && from.value === '' && to.value === '') {
        from.value = toDayKey(startOfDay(now(), -6));
        to.value = toDayKey(now());
      }
      onChange();
    });
  }
  for (const control of [from, to, schema, status, ...Object.values(lists).map((l) => l.select)]) {
    control.addEventListener('change', onChange);
  }
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(onChange, SEARCH_DELAY_MS);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    clearTimeout(searchTimer);
    onChange();
  });

  const range = (at: number): Range => toRange(choice, at, from.value, to.value);
  const flush = (): void => {
    for (const list of Object.values(lists)) list.flush();
  };

  return {
    range,
    current(at) {
      const text = search.value.trim();
      const chosenSchema = SCHEMAS.find((id) => id === schema.value);
      const chosenStatus = STATUS_CLASSES.find((id) => id === status.value);
      const model = lists.model.chosen();
      const client = lists.client.chosen();
      const project = lists.project.chosen();
      const session = lists.session.chosen();
      return {
        ...range(at),
        ...(chosenSchema === undefined ? {} : { schema: chosenSchema }),
        ...(model === undefined ? {} : { model }),
        ...(chosenStatus === undefined ? {} : { status: chosenStatus }),
        ...(client === undefined ? {} : { client }),
        ...(project === undefined ? {} : { project }),
        ...(session === undefined ? {} : { session }),
        ...(text === '' ? {} : { text }),
      };
    },
    learnState(state) {
      const { stats, usageToday } = state;
      for (const model of Object.keys(usageToday?.models ?? {})) lists.model.add(model, model);
      for (const model of Object.keys(stats?.latency ?? {})) lists.model.add(model, model);
      for (const client of stats?.clients ?? []) lists.client.add(client.name, client.name);
      for (const project of stats?.projects ?? []) lists.project.add(project.root, project.name);
      for (const session of stats?.sessions ?? []) {
        lists.session.add(session.id, formatSession(session.id, session.client));
      }
      flush();
    },
    learnAnswer(rows, totals) {
      for (const entry of totals?.models ?? []) lists.model.add(entry.key, modelLabel(entry.key));
      for (const row of rows) {
        if (row.model !== null) lists.model.add(row.model, modelLabel(row.model));
        if (row.client !== null) lists.client.add(row.client, row.client);
        if (row.projectRoot !== null) {
          lists.project.add(row.projectRoot, row.projectName ?? row.projectRoot);
        }
        if (row.session !== null) {
          lists.session.add(row.session, formatSession(row.session, row.client ?? undefined));
        }
      }
      flush();
    },
  };
}

function modelLabel(model: string): string {
  return model === '' ? 'None named' : model;
}

/** A select of values seen so far; its first option, All, stands for no filter. */
interface OptionList {
  readonly select: HTMLSelectElement;
  add(value: string, label: string): void;
  /** Lists what was added since the last flush, keeping the choice; shows the field once it has any. */
  flush(): void;
  /** The chosen value, or undefined for All. */
  chosen(): string | undefined;
}

// Option values carry a prefix so that '' can be a value (a model none named) beside All's ''.
const VALUE = '=';

function createOptionList(name: string): OptionList {
  const select = byId(`history-${name}`, HTMLSelectElement);
  const field = byId(`history-${name}-field`, HTMLElement);
  const labels = new Map<string, string>();
  let listed = 0;
  return {
    select,
    add(value, label) {
      if (!labels.has(value)) labels.set(value, label);
    },
    flush() {
      if (labels.size === listed) return;
      listed = labels.size;
      const chosen = select.value;
      const entries = [...labels]
        .map(([value, label]) => ({ id: `${VALUE}${value}`, label }))
        .sort((a, b) => a.label.localeCompare(b.label));
      select.replaceChildren(select.options[0] ?? new Option('All', ''));
      fillOptions(select, entries);
      select.value = chosen;
      setHidden(field, false);
    },
    chosen() {
      return select.value.startsWith(VALUE) ? select.value.slice(VALUE.length) : undefined;
    },
  };
}
