// GET /_memex/history: stored requests for the CLI and scripts, as one JSON page (with the
// cursor of the next) or as CSV of every match, streamed page by page. Reached only past the
// same gate and credentials as /_memex/stats; never shows a query string, a key or a header.

import type { ServerResponse } from 'node:http';
import { parseHistoryFilter } from '../history/filter.js';
import { toCsv } from '../history/csv.js';
import type { History } from '../history/history.js';
import type { HistoryFilter } from '../../shared/history.js';
import { sendError, sendJson } from './reply.js';

const NUMBERS = new Set(['since', 'until', 'limit']);
const TEXTS = new Set([
  'schema',
  'model',
  'status',
  'client',
  'project',
  'session',
  'text',
  'cursor',
]);
// CSV of every match is read this many rows at a time.
const CSV_PAGE = 1_000;

/** The filter and format a query string asks for, or why it cannot be served. */
export function parseHistoryQuery(
  query: string,
): { filter: HistoryFilter; format: 'json' | 'csv' } | { problem: string } {
  const fields: Record<string, unknown> = {};
  let format: 'json' | 'csv' = 'json';
  for (const [name, value] of new URLSearchParams(query)) {
    if (name === 'format') {
      if (value !== 'json' && value !== 'csv') return { problem: 'format is json or csv' };
      format = value;
    } else if (NUMBERS.has(name)) {
      const number = Number(value);
      if (value === '' || !Number.isSafeInteger(number) || number < 0) {
        return { problem: `${name} is a whole number (ms since the epoch for since and until)` };
      }
      fields[name] = number;
    } else if (TEXTS.has(name)) {
      fields[name] = value;
    } else {
      return {
        problem:
          `unknown parameter ${JSON.stringify(name.slice(0, 40))}; known: since, until, schema, ` +
          'model, status, client, project, session, text, limit, cursor, format',
      };
    }
  }
  const filter = parseHistoryFilter(fields);
  if (filter === undefined) {
    return {
      problem:
        'a filter value is not valid (schema: an API schema id; status: 2xx, 4xx, 5xx or error; ' +
        'cursor: the next of a previous page)',
    };
  }
  return { filter, format };
}

/** Answers one history request; `history` null: history is off. */
export async function serveHistory(
  res: ServerResponse,
  query: string,
  history: History | null,
): Promise<void> {
  if (history === null) {
    sendError(
      res,
      'HISTORY_OFF',
      'history is off: start memex-proxy with --history FILE, or set history.path in the config',
    );
    return;
  }
  const parsed = parseHistoryQuery(query);
  if ('problem' in parsed) {
    sendError(res, 'BAD_REQUEST', `/_memex/history: ${parsed.problem}`);
    return;
  }
  const { filter, format } = parsed;
  try {
    if (format === 'json') {
      sendJson(res, await history.query(filter));
      return;
    }
    await streamCsv(res, filter, history);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!res.headersSent)
      sendError(res, 'HISTORY_UNAVAILABLE', `history could not be read: ${message}`);
    else res.destroy();
  }
}

// Every row the filter matches (up to its limit, when it names one), a page at a time, so an
// export of a year is never held in memory whole.
async function streamCsv(
  res: ServerResponse,
  filter: HistoryFilter,
  history: History,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': 'attachment; filename="memex-history.csv"',
    'cache-control': 'no-store',
  });
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  let left = filter.limit ?? Number.POSITIVE_INFINITY;
  let cursor = filter.cursor;
  let header = true;
  while (left > 0) {
    const page = await history.query({
      ...filter,
      limit: Math.min(left, CSV_PAGE),
      ...(cursor === undefined ? {} : { cursor }),
    });
    const text = toCsv(page.rows, header);
    header = false;
    if (!res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
    left -= page.rows.length;
    if (page.next === null || res.destroyed) break;
    cursor = page.next;
  }
  res.end();
}
