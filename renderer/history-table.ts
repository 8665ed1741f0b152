// The History view's rows: one per stored request, newest first, a page at a time ("Load more"
// appends the next). A row's time is a button that opens the request's detail (method and bytes
// are there); a click anywhere on the row does too.

import type { HistoryRow } from '../shared/history.js';
import { element } from './dom.js';
import { formatModel, formatRowCost, formatRowTokens } from './history-fields.js';
import { formatDateTime, formatDuration, formatStatus, isFailed, toDisplayPath } from './format.js';

export interface HistoryTable {
  /** Shows `rows` in place of any shown before. */
  replace(rows: readonly HistoryRow[]): void;
  /** Adds the next page's rows under those shown. */
  append(rows: readonly HistoryRow[]): void;
  /** Rows shown. */
  readonly count: number;
}

/** `onOpen` runs with a row's id when the user opens it. */
export function createHistoryTable(
  body: HTMLTableSectionElement,
  onOpen: (id: number) => void,
): HistoryTable {
  let count = 0;
  body.addEventListener('click', (event) => {
    const target = event.target;
    const tr = target instanceof Element ? target.closest('tr') : null;
    const id = Number(tr?.dataset.id);
    if (tr !== null && Number.isSafeInteger(id)) onOpen(id);
  });
  const append = (rows: readonly HistoryRow[]): void => {
    body.append(...rows.map(rowElement));
    count += rows.length;
  };
  return {
    replace(rows) {
      body.replaceChildren();
      count = 0;
      append(rows);
    },
    append,
    get count() {
      return count;
    },
  };
}

function rowElement(row: HistoryRow): HTMLTableRowElement {
  const tr = element('tr');
  tr.dataset.id = String(row.id);
  if (isFailed(row)) tr.classList.add('failed');
  const open = element('button', 'link', formatDateTime(row.time));
  open.type = 'button';
  open.title = 'Show this request';
  const path = toDisplayPath(row.path);
  const client = row.client === null ? '—' : row.client;
  const cells: readonly (readonly [string, string, string])[] = [
    ['client', client, [row.client, row.projectName, row.session].filter(Boolean).join('\n')],
    ['host', row.host === '' ? '—' : row.host, row.host],
    ['path', path, path],
    ['model', formatModel(row.model), row.model ?? ''],
    ['status num', formatStatus(row), ''],
    ['duration num', formatDuration(row.durationMs), ''],
    ['tokens num', formatRowTokens(row), ''],
    ['cost num', formatRowCost(row), ''],
  ];
  tr.appendChild(element('td', 'time')).append(open);
  for (const [className, text, title] of cells) {
    const cell = tr.appendChild(element('td', className, text));
    if (title !== '') cell.title = title;
  }
  return tr;
}
