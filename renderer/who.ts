// The "Who is calling" panel: requests, tokens and cost by client, project or session (a tab
// each), sorted by the column header last clicked, and the sessions seen today with their
// projects. Clicking a row shows only its requests below. Rows are pools reused in place.

import type { DashboardState } from '../shared/bridge.js';
import type { StatsSnapshot } from '../shared/snapshot.js';
import { plural } from '../shared/text.js';
import { formatCost, formatTokens } from '../shared/usage-text.js';
import type { ProjectRef, SessionStats, WhoTally } from '../shared/who.js';
import { byId, setAttribute, setHidden, setText } from './dom.js';
import {
  formatClient,
  formatClock,
  formatCount,
  formatDayClock,
  formatProject,
  formatSession,
  formatShortClock,
} from './format.js';
import type { CallerKind, RequestsView } from './requests.js';
import { createRowPool, type PooledRow } from './row-pool.js';

// Column name → the cell's classes (`num` right-aligns; `session-only` hides for other tabs).
const COLUMNS = {
  name: 'name',
  detail: 'detail',
  project: 'session-only project',
  process: 'session-only process',
  firstSeen: 'session-only seen',
  lastSeen: 'seen',
  requests: 'num',
  tokens: 'num',
  cost: 'num cost',
} as const;

const TODAY_COLUMNS = {
  seen: 'seen',
  client: 'detail',
  project: 'project',
  requests: 'num',
  tokens: 'num',
  cost: 'num cost',
} as const;

type SortKey = 'requests' | 'tokens' | 'cost' | 'lastSeen';
const SORT_KEYS: readonly SortKey[] = ['requests', 'tokens', 'cost', 'lastSeen'];

interface Sort {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** One row: what it names, and the recent-requests filter that shows its requests. */
interface Entry {
  readonly value: string;
  /** How that filter's list names it. */
  readonly label: string;
  readonly name: string;
  readonly title: string;
  readonly detail: string;
  readonly project: ProjectRef | null;
  readonly process: string | null;
  readonly tally: WhoTally;
}

// Per tab: the two first columns' headings, and what the tab says with no rows.
const TABS: Readonly<Record<CallerKind, { name: string; detail: string; none: string }>> = {
  client: { name: 'Client', detail: 'Sessions today', none: 'No clients yet.' },
  project: {
    name: 'Project',
    detail: 'Clients',
    none: 'No projects yet: they are found for clients running on this machine, in a git work tree.',
  },
  session: {
    name: 'Session',
    detail: 'Client',
    none: 'No sessions yet: Claude Code, Codex and opencode send a session id; other clients do not.',
  },
};

const TAB_KINDS = Object.keys(TABS) as CallerKind[];

export interface WhoView {
  render(state: DashboardState): void;
}

export function createWhoView(requests: Pick<RequestsView, 'showCaller'>): WhoView {
  const summary = byId('who-summary', HTMLElement);
  const tabList = byId('who-tabs', HTMLElement);
  const panel = byId('who-body', HTMLElement);
  const none = byId('who-none', HTMLElement);
  const table = byId('who-table', HTMLTableElement);
  const body = byId('who-rows', HTMLTableSectionElement);
  const rows = createRowPool(body, COLUMNS);
  const tabNone = byId('who-tab-none', HTMLElement);
  const nameHead = byId('who-name-head', HTMLElement);
  const detailHead = byId('who-detail-head', HTMLElement);
  const today = byId('who-today', HTMLElement);
  const todayTable = byId('who-today-table', HTMLTableElement);
  const todayBody = byId('who-today-rows', HTMLTableSectionElement);
  const todayRows = createRowPool(todayBody, TODAY_COLUMNS);
  const requestsTable = byId('requests-scroll', HTMLElement);
  let kind: CallerKind = 'client';
  let sort: Sort = { key: 'lastSeen', descending: true };
  let stats: StatsSnapshot | null = null;
  let midnight = 0;
  let shown: readonly Entry[] = [];
  let todays: readonly Entry[] = [];

  const drawTable = (): void => {
    shown = entriesOf(kind, stats).sort((a, b) => compare(sort, a.tally, b.tally));
    shown.forEach((entry, index) => {
      fillRow(rows.at(index), entry, midnight);
    });
    rows.hideFrom(shown.length);
    setAttribute(table, 'data-who', kind);
    table.classList.toggle(
      'priced',
      shown.some((entry) => entry.tally.cost !== null),
    );
    setText(nameHead, TABS[kind].name);
    setText(detailHead, TABS[kind].detail);
    setHidden(table, shown.length === 0);
    setHidden(tabNone, shown.length > 0);
    setText(tabNone, TABS[kind].none);
  };

  const draw = (): void => {
    const count = (stats?.clients.length ?? 0) + (stats?.projects.length ?? 0);
    const any = count + (stats?.sessions.length ?? 0) > 0;
    setHidden(tabList, !any);
    setHidden(panel, !any);
    setHidden(none, any);
    const sessionsToday = (stats?.sessions ?? []).filter((session) => session.lastSeen >= midnight);
    setText(summary, any && stats !== null ? summaryOf(stats, sessionsToday.length) : '');
    drawTable();
    todays = sessionsToday.map(sessionEntry);
    todays.forEach((entry, index) => {
      fillTodayRow(todayRows.at(index), entry, midnight);
    });
    todayRows.hideFrom(todays.length);
    todayTable.classList.toggle(
      'priced',
      sessionsToday.some((session) => session.today.cost !== null),
    );
    setHidden(today, todays.length === 0);
  };

  listenToTabs(panel, (next) => {
    kind = next;
    drawTable();
  });
  listenToSortHeads((next) => {
    sort = { key: next, descending: sort.key === next ? !sort.descending : true };
    drawTable();
    return sort;
  });

  // A row's index in its body is its entry's: the pools fill rows in order.
  const show = (event: MouseEvent, entries: readonly Entry[], rowKind: CallerKind): void => {
    // Selecting a name to copy it is not a click on the row.
    if (window.getSelection()?.isCollapsed === false) return;
    const row = event.target instanceof Element ? event.target.closest('tr') : null;
    const entry = row === null ? undefined : entries[row.sectionRowIndex];
    if (entry === undefined) return;
    requests.showCaller(rowKind, entry.value, entry.label);
    requestsTable.scrollIntoView({ block: 'nearest' });
  };
  body.addEventListener('click', (event) => {
    show(event, shown, kind);
  });
  todayBody.addEventListener('click', (event) => {
    show(event, todays, 'session');
  });

  return {
    render(state) {
      stats = state.stats;
      midnight = new Date(state.time).setHours(0, 0, 0, 0);
      draw();
    },
  };
}

/**
 * The tabs as the tablist pattern has them: one tab stop, the chosen tab's; the arrow keys move
 * to the next or previous tab and choose it.
 */
function listenToTabs(panel: HTMLElement, onChoose: (kind: CallerKind) => void): void {
  const tabs = TAB_KINDS.map((kind) => byId(`who-tab-${kind}`, HTMLButtonElement));
  const choose = (chosen: number, focus: boolean): void => {
    tabs.forEach((tab, index) => {
      const selected = index === chosen;
      setAttribute(tab, 'aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected) setAttribute(panel, 'aria-labelledby', tab.id);
      if (selected && focus) tab.focus();
    });
    onChoose(TAB_KINDS[chosen] ?? 'client');
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => {
      choose(index, false);
    });
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step === 0) return;
      event.preventDefault();
      choose((index + step + tabs.length) % tabs.length, true);
    });
  });
}

/** Calls `onSort` with a clicked header's key; marks the header with the order it returns. */
function listenToSortHeads(onSort: (key: SortKey) => Sort): void {
  const heads = SORT_KEYS.map((key) => byId(`who-sort-${key}`, HTMLElement));
  heads.forEach((head, index) => {
    head.querySelector('button')?.addEventListener('click', () => {
      const sort = onSort(SORT_KEYS[index] ?? 'lastSeen');
      const order = sort.descending ? 'descending' : 'ascending';
      heads.forEach((other, at) => {
        setAttribute(other, 'aria-sort', at === index ? order : null);
      });
    });
  });
}

function summaryOf(stats: StatsSnapshot, sessionsToday: number): string {
  return [
    plural(stats.clients.length, 'client', formatCount),
    plural(stats.projects.length, 'project', formatCount),
    `${plural(sessionsToday, 'session', formatCount)} today`,
  ].join(' · ');
}

function entriesOf(kind: CallerKind, stats: StatsSnapshot | null): Entry[] {
  if (stats === null) return [];
  switch (kind) {
    case 'client':
      return stats.clients.map((client) => ({
        value: client.name,
        label: client.name,
        name: formatClient(client),
        title: formatClient(client),
        detail: formatCount(client.sessionsToday),
        project: null,
        process: null,
        tally: client,
      }));
    case 'project':
      return stats.projects.map((project) => ({
        value: project.root,
        label: project.name,
        name: formatProject(project),
        title: project.root,
        detail: project.clients.join(', '),
        project,
        process: null,
        tally: project,
      }));
    case 'session':
      return stats.sessions.map(sessionEntry);
  }
}

function sessionEntry(session: SessionStats): Entry {
  return {
    value: session.id,
    label: formatSession(session.id, session.client),
    name: session.id,
    title: session.id,
    detail: session.client,
    project: session.project,
    process: session.process,
    tally: session,
  };
}

/** Input (cache reads and writes included) plus output. */
function tokensOf(tally: WhoTally): number {
  return tally.input + tally.cacheRead + tally.cacheWrite + tally.output;
}

// The sorted column, then the most recently seen (the snapshot's order); unpriced costs last.
function compare(sort: Sort, a: WhoTally, b: WhoTally): number {
  const unpriced = Number(a.cost === null) - Number(b.cost === null);
  if (sort.key === 'cost' && unpriced !== 0) return unpriced;
  const difference = valueOf(sort.key, a) - valueOf(sort.key, b);
  return (sort.descending ? -difference : difference) || b.lastSeen - a.lastSeen;
}

function valueOf(key: SortKey, tally: WhoTally): number {
  switch (key) {
    case 'requests':
      return tally.requests;
    case 'tokens':
      return tokensOf(tally);
    case 'cost':
      return tally.cost ?? 0;
    case 'lastSeen':
      return tally.lastSeen;
  }
}

function fillRow(row: PooledRow<typeof COLUMNS>, entry: Entry, midnight: number): void {
  const { tally } = entry;
  setHidden(row.tr, false);
  fillText(row.name, entry.name, entry.title);
  fillText(row.detail, entry.detail, entry.detail);
  fillProject(row.project, entry.project);
  fillText(row.process, entry.process ?? '—', entry.process ?? '');
  setText(row.firstSeen, seenText(tally.firstSeen, midnight));
  setText(row.lastSeen, seenText(tally.lastSeen, midnight));
  setText(row.requests, formatCount(tally.requests));
  const failures = tally.errors === 0 ? '' : plural(tally.errors, 'error', formatCount);
  const tunnels = tally.tunnels === 0 ? '' : plural(tally.tunnels, 'tunnel', formatCount);
  setAttribute(row.requests, 'title', [failures, tunnels].filter(Boolean).join(' · ') || null);
  fillText(row.tokens, formatTokens(tokensOf(tally)), describeTokens(tally));
  setText(row.cost, tally.cost === null ? '—' : formatCost(tally.cost));
}

function fillTodayRow(row: PooledRow<typeof TODAY_COLUMNS>, entry: Entry, midnight: number): void {
  const { tally } = entry;
  setHidden(row.tr, false);
  const first = seenText(tally.firstSeen, midnight, formatShortClock);
  setText(row.seen, `${first}–${formatShortClock(tally.lastSeen)}`);
  fillText(row.client, entry.detail, entry.title);
  fillProject(row.project, entry.project);
  setText(row.requests, plural(tally.today.requests, 'request', formatCount));
  setText(row.tokens, `${formatTokens(tally.today.tokens)} tokens`);
  setText(row.cost, tally.today.cost === null ? '' : formatCost(tally.today.cost));
}

function fillProject(cell: HTMLTableCellElement, project: ProjectRef | null): void {
  fillText(cell, project === null ? '—' : formatProject(project), project?.root ?? '');
}

function fillText(cell: HTMLTableCellElement, text: string, title: string): void {
  setText(cell, text);
  if (cell.title !== title) cell.title = title;
}

/** A time of today as a clock time, an earlier one with its weekday (`Tue 14:05`). */
function seenText(time: number, midnight: number, clock = formatClock): string {
  return time >= midnight ? clock(time) : formatDayClock(time);
}

function describeTokens(tally: WhoTally): string {
  return (
    `${formatCount(tally.input)} input, ${formatCount(tally.cacheRead)} cache read, ` +
    `${formatCount(tally.cacheWrite)} cache write, ${formatCount(tally.output)} output`
  );
}
