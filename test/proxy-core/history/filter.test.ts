import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeLike,
  limitOf,
  parseCursor,
  parseHistoryFilter,
  toCursor,
  toDayBounds,
  toWhere,
} from '../../../proxy-core/history/filter.js';
import { pathOf } from '../../../proxy-core/history/row.js';

test('escapeLike escapes LIKE’s wildcards and its escape character', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['plain', 'plain'],
    ['50%', '50\\%'],
    ['a_b', 'a\\_b'],
    ['back\\slash', 'back\\\\slash'],
    ['%_\\', '\\%\\_\\\\'],
  ];
  for (const [text, expected] of cases) assert.equal(escapeLike(text), expected, text);
});

test('toWhere: one bound condition per field, the cursor as a keyset', () => {
  assert.deepEqual(toWhere({}), { sql: '1', params: [] });
  assert.deepEqual(toWhere({ since: 10, until: 20, model: 'm', text: 'a%' }), {
    sql: "time >= ? AND time < ? AND model = ? AND path LIKE ? ESCAPE '\\'",
    params: [10, 20, 'm', '%a\\%%'],
  });
  assert.deepEqual(toWhere({ status: 'error', cursor: toCursor(99, 5) }), {
    sql: '(status = 0 OR complete = 0) AND time <= ? AND (time < ? OR id < ?)',
    params: [99, 99, 5],
  });
  assert.deepEqual(toWhere({ cursor: toCursor(99, 5) }, false), { sql: '1', params: [] });
  assert.deepEqual(toWhere({ text: '' }), { sql: '1', params: [] }, 'empty text matches all');
});

test('toDayBounds: the local days a time range spans', () => {
  const since = new Date(2025, 2, 10, 23, 59).getTime();
  const until = new Date(2025, 2, 12, 0, 1).getTime();
  assert.deepEqual(toDayBounds({ since, until }), {
    sql: 'day >= ? AND day <= ?',
    params: ['2025-03-10', '2025-03-12'],
  });
});

test('cursors: made and read back, anything else refused', () => {
  assert.deepEqual(parseCursor(toCursor(1_741_600_000_000, 12)), {
    time: 1_741_600_000_000,
    id: 12,
  });
  for (const bad of ['', '1', '1.2.3', 'a.b', '-1.2', '1.2 ', '99999999999999999.1']) {
    assert.equal(parseCursor(bad), undefined, bad);
  }
});

test('limits are clamped to 1…1000, 100 by default', () => {
  assert.equal(limitOf({}), 100);
  assert.equal(limitOf({ limit: 0 }), 1);
  assert.equal(limitOf({ limit: 250.7 }), 250);
  assert.equal(limitOf({ limit: 1_000_000 }), 1_000);
});

test('parseHistoryFilter keeps known fields of the right type and refuses the rest', () => {
  assert.deepEqual(parseHistoryFilter({ since: 1, schema: 'openai', status: '4xx', extra: 1 }), {
    since: 1,
    schema: 'openai',
    status: '4xx',
  });
  const bad: readonly unknown[] = [
    null,
    [],
    { since: '1' },
    { since: -1 },
    { schema: 'nope' },
    { status: '3xx' },
    { text: 5 },
    { limit: Number.NaN },
    { cursor: 'not-a-cursor' },
  ];
  for (const value of bad)
    assert.equal(parseHistoryFilter(value), undefined, JSON.stringify(value));
});

test('pathOf cuts the query string and the fragment', () => {
  assert.equal(pathOf('/v1/messages'), '/v1/messages');
  assert.equal(pathOf('/v1/models/x:generate?key=sk-1&alt=sse'), '/v1/models/x:generate');
  assert.equal(pathOf('/a#frag?b'), '/a');
  assert.equal(pathOf('?only'), '');
});
