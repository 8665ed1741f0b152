// The recent-requests table: the last 200 requests, newest on top, filtered by schema. Rows are a
// fixed pool updated in place, so a live update costs at most 200 rows of text comparisons and
// the user's scroll position and filter survive it.

import type { DashboardState } from '../shared/bridge.js';
import { SCHEMAS, type SchemaId } from '../shared/schemas.js';
import { RECENT_LIMIT, type RequestRecord } from '../shared/snapshot.js';
import { plural } from '../shared/text.js';
import { byId, fillOptions, setHidden, setText } from './dom.js';
import { createRowPool, type PooledRow } from './row-pool.js';
import {
  SCHEMA_LABELS,
  formatBytes,
  describeRecordTokens,
  formatClock,
  formatDuration,
  formatRecordTokens,
  formatStatus,
  formatCount,
  isFailed,
  toDisplayPath,
} from './format.js';

// Column name → the cell's classes (`num` right-aligns).
const COLUMNS = {
  time: 'time',
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

export interface RequestsView {
  render(state: DashboardState): void;
}

export function createRequestsView(): RequestsView {
  const body = byId('requests-body', HTMLTableSectionElement);
  const rows = createRowPool(body, COLUMNS);
  const scroll = byId('requests-scroll', HTMLElement);
  const none = byId('requests-none', HTMLElement);
  const filter = byId('schema-filter', HTMLSelectElement);
  const inFlight = byId('in-flight', HTMLElement);
  let recent: readonly RequestRecord[] = [];

  fillOptions(
    filter,
    SCHEMAS.map((id) => ({ id, label: SCHEMA_LABELS[id] })),
  );

  const draw = (): void => {
    const top = scroll.scrollTop;
    const wanted = toSchema(filter.value);
    let shown = 0;
    for (const record of recent) {
      if (shown === RECENT_LIMIT) break;
      if (wanted !== null && record.schema !== wanted) continue;
      fillRow(rows.at(shown), record);
      shown++;
    }
    rows.hideFrom(shown);
    setHidden(none, shown > 0 || recent.length === 0);
    // Rows change in place, so this only matters when fewer rows make the table shorter.
    if (scroll.scrollTop !== top) scroll.scrollTop = top;
  };

  filter.addEventListener('change', draw);

  return {
    render(state) {
      recent = state.stats?.recent ?? [];
      const active = state.stats?.active ?? 0;
      setText(inFlight, active === 0 ? '' : `${plural(active, 'request', formatCount)} in flight`);
      draw();
    },
  };
}

function fillRow(row: Row, record: RequestRecord): void {
  const { time, method, host, path, schema, status, ttfb, duration, bytes, tokens } = row;
  setHidden(row.tr, false);
  const failed = isFailed(record);
  if (row.tr.classList.contains('failed') !== failed) row.tr.classList.toggle('failed', failed);
  setText(time, formatClock(record.time));
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
