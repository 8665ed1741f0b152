// The recent-requests table: the last 200 requests, newest on top, with who called each, filtered
// by schema and by client, project and session (the lists offer those present in the requests).
// Rows are a fixed pool updated in place, so a live update costs at most 200 rows of text
// comparisons and the user's scroll position and filters survive it.

import type { DashboardState } from '../shared/bridge.js';
import { SCHEMAS, type SchemaId } from '../shared/schemas.js';
import { RECENT_LIMIT, type RequestRecord } from '../shared/snapshot.js';
import { plural } from '../shared/text.js';
import { byId, fillOptions, setHidden, setText } from './dom.js';
import { createRowPool, type PooledRow } from './row-pool.js';
import {
  SCHEMA_LABELS,
  formatBytes,
  describeCaller,
  describeRecordTokens,
  formatClient,
  formatClock,
  formatDuration,
  formatRecordTokens,
  formatSession,
  formatStatus,
  formatCount,
  isFailed,
  toDisplayPath,
} from './format.js';

// Column name → the cell's classes (`num` right-aligns).
const COLUMNS = {
  time: 'time',
  client: 'client',
  method: 'method',
  host: 'host',
  path: 'path',
  schema: 'schema',
  status: 'status num',
  ttfb: 'ttfb num',
  duration: 'duration num',
  bytes: 'bytes num',
  tokens: 'tokens num',
} as const;

type Row = PooledRow<typeof COLUMNS>;

/** What the requests can be filtered by besides the schema: who called. */
export type CallerKind = 'client' | 'project' | 'session';

export interface RequestsView {
  render(state: DashboardState): void;
  /**
   * Shows only the requests of one client, project (its root) or session (its id), named `label`
   * in the list while none of the recent requests has it; the other two filters go back to All.
   */
  showCaller(kind: CallerKind, value: string, label: string): void;
}

/** Per kind: the value a request has for it, and how its list names that value. */
interface Caller {
  readonly value: (record: RequestRecord) => string | undefined;
  readonly label: (record: RequestRecord) => string;
}

const CALLERS: Readonly<Record<CallerKind, Caller>> = {
  client: { value: (record) => record.client?.name, label: (record) => record.client?.name ?? '' },
  project: {
    value: (record) => record.project?.root,
    label: (record) => record.project?.name ?? '',
  },
  session: {
    value: (record) => record.session,
    label: (record) => formatSession(record.session ?? '', record.client?.name),
  },
};

const CALLER_KINDS = Object.keys(CALLERS) as CallerKind[];

export function createRequestsView(): RequestsView {
  const body = byId('requests-body', HTMLTableSectionElement);
  const rows = createRowPool(body, COLUMNS);
  const scroll = byId('requests-scroll', HTMLElement);
  const none = byId('requests-none', HTMLElement);
  const schemaFilter = byId('schema-filter', HTMLSelectElement);
  const inFlight = byId('in-flight', HTMLElement);
  const filters = {
    client: createCallerFilter('client'),
    project: createCallerFilter('project'),
    session: createCallerFilter('session'),
  };
  let recent: readonly RequestRecord[] = [];

  fillOptions(
    schemaFilter,
    SCHEMAS.map((id) => ({ id, label: SCHEMA_LABELS[id] })),
  );

  const draw = (): void => {
    const top = scroll.scrollTop;
    const wanted = toSchema(schemaFilter.value);
    let shown = 0;
    for (const record of recent) {
      if (shown === RECENT_LIMIT) break;
      if (wanted !== null && record.schema !== wanted) continue;
      if (!CALLER_KINDS.every((kind) => filters[kind].matches(record))) continue;
      fillRow(rows.at(shown), record);
      shown++;
    }
    rows.hideFrom(shown);
    setHidden(none, shown > 0 || recent.length === 0);
    // Rows change in place, so this only matters when fewer rows make the table shorter.
    if (scroll.scrollTop !== top) scroll.scrollTop = top;
  };

  schemaFilter.addEventListener('change', draw);
  for (const kind of CALLER_KINDS) filters[kind].select.addEventListener('change', draw);

  return {
    render(state) {
      recent = state.stats?.recent ?? [];
      const active = state.stats?.active ?? 0;
      setText(inFlight, active === 0 ? '' : `${plural(active, 'request', formatCount)} in flight`);
      for (const kind of CALLER_KINDS) filters[kind].update(recent);
      draw();
    },
    showCaller(kind, value, label) {
      for (const other of CALLER_KINDS) {
        if (other === kind) filters[other].choose(value, label);
        else filters[other].choose('', '');
        filters[other].update(recent);
      }
      draw();
    },
  };
}

interface CallerFilter {
  readonly select: HTMLSelectElement;
  /** Refills the list from `recent` (only when its values changed), keeping the choice. */
  update(recent: readonly RequestRecord[]): void;
  /** Chooses `value` ('' for All), named `label` while no recent request has it. */
  choose(value: string, label: string): void;
  matches(record: RequestRecord): boolean;
}

function createCallerFilter(kind: CallerKind): CallerFilter {
  const select = byId(`${kind}-filter`, HTMLSelectElement);
  const field = byId(`${kind}-filter-field`, HTMLElement);
  const { value: valueOf, label: labelOf } = CALLERS[kind];
  // The labels of the values last listed, so a chosen value keeps its name after it ages out.
  let labels = new Map<string, string>();
  let listed = '';

  return {
    select,
    update(recent) {
      const chosen = select.value;
      const next = new Map<string, string>();
      for (const record of recent) {
        const value = valueOf(record);
        if (value !== undefined && !next.has(value)) next.set(value, labelOf(record));
      }
      if (chosen !== '' && !next.has(chosen)) next.set(chosen, labels.get(chosen) ?? chosen);
      labels = next;
      const entries = distinctLabels(next);
      const key = entries.map(({ id, label }) => `${id}\n${label}`).join('\n');
      if (key !== listed) {
        listed = key;
        select.replaceChildren(select.options[0] ?? new Option('All', ''));
        fillOptions(select, entries);
        select.value = chosen;
      }
      setHidden(field, entries.length === 0);
    },
    choose(value, label) {
      if (value !== '' && !labels.has(value)) labels.set(value, label);
      // A value no recent request has gets its option here; the next update lists it too.
      if (![...select.options].some((option) => option.value === value)) {
        select.append(new Option(label, value));
      }
      select.value = value;
    },
    matches(record) {
      return select.value === '' || valueOf(record) === select.value;
    },
  };
}

// Sorted by name; two values of one name (two checkouts both called `memex`) add the value.
function distinctLabels(labels: ReadonlyMap<string, string>): { id: string; label: string }[] {
  const counts = new Map<string, number>();
  for (const label of labels.values()) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...labels]
    .map(([id, label]) => ({
      id,
      label: (counts.get(label) ?? 0) > 1 ? `${label} (${id})` : label,
    }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

function fillRow(row: Row, record: RequestRecord): void {
  const { time, client, method, host, path, schema, status, ttfb, duration, bytes, tokens } = row;
  setHidden(row.tr, false);
  const failed = isFailed(record);
  if (row.tr.classList.contains('failed') !== failed) row.tr.classList.toggle('failed', failed);
  setText(time, formatClock(record.time));
  setText(client, record.client === undefined ? '—' : formatClient(record.client));
  const caller = describeCaller(record);
  if (client.title !== caller) client.title = caller;
  setText(method, record.method);
  setText(host, record.host === '' ? '—' : record.host);
  if (host.title !== record.host) host.title = record.host;
  const shownPath = toDisplayPath(record.path);
  setText(path, shownPath);
  if (path.title !== shownPath) path.title = shownPath;
  setText(schema, SCHEMA_LABELS[record.schema]);
  if (schema.title !== SCHEMA_LABELS[record.schema]) schema.title = SCHEMA_LABELS[record.schema];
  if (schema.dataset.schema !== record.schema) schema.dataset.schema = record.schema;
  setText(status, formatStatus(record));
  setText(ttfb, record.ttfbMs === undefined ? '—' : formatDuration(record.ttfbMs));
  setText(duration, formatDuration(record.durationMs));
  setText(bytes, `${formatBytes(record.bytesIn)} / ${formatBytes(record.bytesOut)}`);
  setText(tokens, formatRecordTokens(record.usage));
  const detail = describeRecordTokens(record.usage);
  if (tokens.title !== detail) tokens.title = detail;
}

function toSchema(value: string): SchemaId | null {
  return SCHEMAS.find((schema) => schema === value) ?? null;
}
