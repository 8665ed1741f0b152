// A table body's rows as a pool reused in place: row N is built once, with a cell per column,
// then refilled on every update; rows past the ones shown are hidden, not removed, so a live
// update rebuilds nothing and the user's scroll position survives it.

import { element, setHidden } from './dom.js';

/** Column name → the cell's classes (`num` right-aligns). */
export type Columns = Readonly<Record<string, string>>;

/** One pooled row: its `tr` and a cell per column name. */
export type PooledRow<C extends Columns> = { readonly tr: HTMLTableRowElement } & {
  readonly [K in keyof C]: HTMLTableCellElement;
};

export interface RowPool<C extends Columns> {
  /** Row `index`, built (and appended to the body) on first use. */
  at(index: number): PooledRow<C>;
  /** Hides every row from `count` on. */
  hideFrom(count: number): void;
}

export function createRowPool<C extends Columns>(
  body: HTMLTableSectionElement,
  columns: C,
): RowPool<C> {
  const rows: PooledRow<C>[] = [];
  return {
    at(index) {
      const existing = rows[index];
      if (existing !== undefined) return existing;
      const tr = element('tr');
      const cells: Record<string, HTMLTableCellElement> = {};
      for (const [name, classes] of Object.entries(columns)) {
        cells[name] = tr.appendChild(element('td', classes));
      }
      // The cells were made from exactly C's keys, in their order.
      const row = { ...cells, tr } as PooledRow<C>;
      body.append(tr);
      rows.push(row);
      return row;
    },
    hideFrom(count) {
      for (let i = count; i < rows.length; i++) {
        const row = rows[i];
        if (row !== undefined) setHidden(row.tr, true);
      }
    },
  };
}
