import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { createStore, type Store, type StoreOptions } from '../../../proxy-core/history/store.js';
import { dayKey, UsageTotals } from '../../../proxy-core/usage/totals.js';
import type { RequestRecord } from '../../../shared/snapshot.js';
import {
  closeFirst,
  noonOf,
  problems,
  record,
  sqlite,
  sqliteValue,
  tempHistoryFile,
  tunnel,
} from './fixtures.js';

function open(t: TestContext, options: Partial<StoreOptions> = {}): { store: Store; file: string } {
  const file = options.file ?? tempHistoryFile(t);
  const store = createStore({ file, retentionDays: 100_000, ...options });
  closeFirst(t, () => {
    store.close();
  });
  return { store, file };
}

test('writes a batch the sqlite3 shell reads back, column by column', (t) => {
  const { store, file } = open(t, {
    pricing: {
      'claude-sonnet-*': { input_per_mtok: 3, output_per_mtok: 15, cache_read_per_mtok: 0.3 },
    },
  });
  const time = noonOf(2025, 3, 10);
  assert.equal(
    store.insert({
      requests: [record({ time, path: '/v1/messages?beta=true&key=sk-123' })],
      tunnels: [tunnel({ time: time + 1 })],
    }),
    true,
  );

  const [row] = sqlite(file, 'SELECT * FROM requests');
  assert.deepEqual(row, {
    id: 1,
    time,
    day: '2025-03-10',
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: 1,
    duration_ms: 1234.5,
    ttfb_ms: 210.25,
    first_content_ms: null,
    bytes_in: 1000,
    bytes_out: 2000,
    model: 'claude-sonnet-4-5',
    usage_kind: 'counted',
    input: 100,
    output: 20,
    cache_read: 1000,
    cache_write: 50,
    cost: (100 * 3 + 20 * 15 + 1000 * 0.3) / 1_000_000,
    client: 'Claude Code',
    client_version: '2.1.3',
    session: 'session-1',
    project_root: '/home/dev/memex',
    project_name: 'memex',
    branch: 'main',
    process_name: 'claude',
    pid: 4242,
    user: null,
    limits_snapshot_id: null,
  });
  assert.deepEqual(sqlite(file, 'SELECT * FROM tunnels'), [
    {
      id: 1,
      time: time + 1,
      day: '2025-03-10',
      host: 'api.openai.com',
      schema: 'openai',
      bytes_in: 300,
      bytes_out: 4000,
      duration_ms: 9000,
      client: 'Codex CLI',
      client_version: '0.40.0',
      project_root: '/home/dev/memex',
      project_name: 'memex',
      branch: 'main',
      user: null,
    },
  ]);
});

test('stores a request without usage, client or origin as nulls', (t) => {
  const { store, file } = open(t);
  const bare: RequestRecord = {
    time: noonOf(2025, 3, 10),
    method: 'GET',
    host: '',
    path: '/v1/models',
    schema: 'unknown',
    status: 0,
    complete: false,
    durationMs: 3,
    bytesIn: 0,
    bytesOut: 0,
  };
  store.insert({ requests: [bare], tunnels: [] });
  assert.deepEqual(
    sqlite(
      file,
      'SELECT model, usage_kind, input, cost, client, session, project_root, pid, ttfb_ms FROM requests',
    ),
    [
      {
        model: null,
        usage_kind: null,
        input: null,
        cost: null,
        client: null,
        session: null,
        project_root: null,
        pid: null,
        ttfb_ms: null,
      },
    ],
  );
});

test('a batch is one transaction, however many rows it holds', (t) => {
  const { store, file } = open(t);
  const requests = Array.from({ length: 700 }, (_, i) => record({ time: noonOf(2025, 3, 10) + i }));
  store.insert({ requests, tunnels: [tunnel(), tunnel()] });
  store.insert({ requests: requests.slice(0, 3), tunnels: [] });
  assert.deepEqual(store.stats(), {
    transactions: 2,
    requestsWritten: 703,
    tunnelsWritten: 2,
    pending: 0,
    dropped: 0,
  });
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), 703);
});

test('keeps no query string, key or header anywhere in the file', (t) => {
  const { store, file } = open(t);
  const requests = Array.from({ length: 50 }, (_, i) =>
    record({
      time: noonOf(2025, 3, 10) + i,
      path: `/v1beta/models/gemini-2.5-pro:generateContent?key=sk-secret-${i}&alt=sse`,
    }),
  );
  store.insert({ requests, tunnels: [] });
  store.close();
  for (const suffix of ['', '-wal']) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file + suffix);
    } catch {
      continue;
    }
    assert.equal(bytes.includes('sk-secret'), false, `sk-secret found in ${file}${suffix}`);
    assert.equal(bytes.includes('key='), false);
  }
  const columns = sqlite(file, "SELECT name FROM pragma_table_info('requests')").map(
    (c) => c['name'],
  );
  for (const forbidden of ['headers', 'authorization', 'api_key', 'cookie', 'query', 'body']) {
    assert.equal(columns.includes(forbidden), false, forbidden);
  }
  assert.equal(
    sqliteValue(
      file,
      "SELECT count(*) FROM requests WHERE path = '/v1beta/models/gemini-2.5-pro:generateContent'",
    ),
    50,
  );
});

// Rows for the filter table: id = position + 1, times one minute apart from `base`.
const base = noonOf(2025, 3, 10);
const FILTERED: readonly RequestRecord[] = [
  record({ time: base, status: 200 }),
  record({
    time: base + 60_000,
    status: 429,
    usage: { kind: 'unknown', model: 'gpt-5' },
    schema: 'openai',
  }),
  record({ time: base + 120_000, status: 500, complete: false, session: 'session-2' }),
  record({
    time: base + 180_000,
    status: 0,
    complete: false,
    client: { name: 'curl', version: null },
  }),
  record({
    time: base + 240_000,
    status: 200,
    complete: false,
    project: { root: '/srv/other', name: 'other', branch: null },
  }),
  record({ time: base + 300_000, status: 404, path: '/v1/messages/count_tokens' }),
];

const FILTER_CASES: readonly (readonly [
  string,
  Parameters<Store['query']>[0],
  readonly number[],
])[] = [
  ['everything, newest first', {}, [6, 5, 4, 3, 2, 1]],
  ['since (inclusive)', { since: base + 120_000 }, [6, 5, 4, 3]],
  ['until (exclusive)', { until: base + 120_000 }, [2, 1]],
  ['schema', { schema: 'openai' }, [2]],
  ['model', { model: 'gpt-5' }, [2]],
  ['2xx', { status: '2xx' }, [5, 1]],
  ['4xx', { status: '4xx' }, [6, 2]],
  ['5xx', { status: '5xx' }, [3]],
  ['error: no response or cut short', { status: 'error' }, [5, 4, 3]],
  ['client', { client: 'curl' }, [4]],
  ['project', { project: '/srv/other' }, [5]],
  ['session', { session: 'session-2' }, [3]],
  ['text in the path', { text: 'count_tokens' }, [6]],
  ['text, any case', { text: 'COUNT_TOKENS' }, [6]],
  ['several at once', { since: base + 60_000, status: '4xx', schema: 'anthropic' }, [6]],
  ['a limit', { limit: 2 }, [6, 5]],
  ['a cursor not made here matches nothing', { cursor: 'oops' }, []],
];

test('query filters: each filter keeps exactly its rows', (t) => {
  const { store } = open(t);
  store.insert({ requests: FILTERED, tunnels: [] });
  for (const [name, filter, ids] of FILTER_CASES) {
    assert.deepEqual(
      store.query(filter).rows.map((row) => row.id),
      ids,
      name,
    );
    if (filter.cursor === undefined && filter.limit === undefined) {
      assert.equal(store.count(filter), ids.length, `count: ${name}`);
    }
  }
});

test('text search takes % and _ literally', (t) => {
  const { store } = open(t);
  const paths = ['/v1/a%b', '/v1/a_b', '/v1/axb', '/v1/a\\b', '/v1/A_B'];
  store.insert({
    requests: paths.map((path, i) => record({ time: base + i, path })),
    tunnels: [],
  });
  const found = (text: string): string[] =>
    store
      .query({ text })
      .rows.map((row) => row.path)
      .sort();
  assert.deepEqual(found('%'), ['/v1/a%b']);
  assert.deepEqual(found('_'), ['/v1/A_B', '/v1/a_b']);
  assert.deepEqual(found('a_b'), ['/v1/A_B', '/v1/a_b']);
  assert.deepEqual(found('a%'), ['/v1/a%b']);
  assert.deepEqual(found('\\'), ['/v1/a\\b']);
  assert.deepEqual(found('xb'), ['/v1/axb']);
});

test('pages through 10,000 rows by keyset: each row once, newest first, ties by id', (t) => {
  const { store } = open(t);
  // Seven rows share each millisecond, so the cursor must break ties by id.
  const requests = Array.from({ length: 10_000 }, (_, i) =>
    record({ time: base + Math.floor(i / 7) }),
  );
  for (let i = 0; i < requests.length; i += 2_500) {
    store.insert({ requests: requests.slice(i, i + 2_500), tunnels: [] });
  }
  for (const limit of [1_000, 333]) {
    const seen: { time: number; id: number }[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const result = store.query({ limit, ...(cursor === null ? {} : { cursor }) });
      assert.ok(result.rows.length <= limit);
      seen.push(...result.rows.map(({ time, id }) => ({ time, id })));
      cursor = result.next;
      if (cursor === null) break;
    }
    assert.equal(cursor, null, `paging ended (limit ${limit})`);
    assert.equal(seen.length, 10_000);
    assert.equal(new Set(seen.map((row) => row.id)).size, 10_000);
    for (let i = 1; i < seen.length; i++) {
      const a = seen[i - 1];
      const b = seen[i];
      assert.ok(a !== undefined && b !== undefined);
      assert.ok(a.time > b.time || (a.time === b.time && a.id > b.id), `order at ${i}`);
    }
  }
  assert.equal(store.query({ limit: 5_000 }).rows.length, 1_000, 'a page holds at most 1000');
  assert.equal(store.count({}), 10_000);
});

test('totals: per day and per model, tokens summed, cost null until priced', (t) => {
  const { store } = open(t, { pricing: { 'gpt-*': { output_per_mtok: 10 } } });
  const day1 = noonOf(2025, 3, 10);
  const day2 = noonOf(2025, 3, 11);
  store.insert({
    requests: [
      record({ time: day1 }),
      record({ time: day1 + 1, status: 500 }),
      record({
        time: day2,
        schema: 'openai',
        usage: {
          kind: 'counted',
          model: 'gpt-5',
          tokens: { input: 1, output: 1_000, cacheRead: 0, cacheWrite: 0 },
        },
      }),
      record({ time: day2 + 1, status: 0, complete: false }, 'usage'),
    ],
    tunnels: [],
  });
  const claude = { input: 100, output: 20, cacheRead: 1_000, cacheWrite: 50 };
  assert.deepEqual(store.totals({}), {
    days: [
      { key: '2025-03-10', requests: 2, errors: 1, ...twice(claude), tokens: 2_340, cost: null },
      {
        key: '2025-03-11',
        requests: 2,
        errors: 1,
        input: 1,
        output: 1_000,
        cacheRead: 0,
        cacheWrite: 0,
        tokens: 1_001,
        cost: 0.01,
      },
    ],
    models: [
      {
        key: 'claude-sonnet-4-5',
        requests: 2,
        errors: 1,
        ...twice(claude),
        tokens: 2_340,
        cost: null,
      },
      {
        key: '',
        requests: 1,
        errors: 1,
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheWrite: 0,
        tokens: 0,
        cost: null,
      },
      {
        key: 'gpt-5',
        requests: 1,
        errors: 0,
        input: 1,
        output: 1_000,
        cacheRead: 0,
        cacheWrite: 0,
        tokens: 1_001,
        cost: 0.01,
      },
    ],
  });
  assert.deepEqual(
    store.totals({ since: day2 }).days.map((day) => day.key),
    ['2025-03-11'],
  );
  assert.deepEqual(store.totals({ client: 'nobody' }), { days: [], models: [] });
});

function twice(tokens: {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}): typeof tokens {
  return {
    input: tokens.input * 2,
    output: tokens.output * 2,
    cacheRead: tokens.cacheRead * 2,
    cacheWrite: tokens.cacheWrite * 2,
  };
}

test('dayTotals equal what the worker’s UsageTotals counts for the same responses', (t) => {
  const { store } = open(t);
  const records = [
    record({ time: noonOf(2025, 3, 9) }),
    record({ time: noonOf(2025, 3, 10) }),
    record({
      time: noonOf(2025, 3, 10) + 1,
      usage: { kind: 'unknown', model: '' },
      schema: 'openai',
    }),
    record({
      time: noonOf(2025, 3, 10) + 2,
      usage: { kind: 'unparsed', model: 'gpt-5' },
      schema: 'openai',
    }),
    record({ time: noonOf(2025, 3, 10) + 3 }, 'usage'),
    record({
      time: noonOf(2025, 3, 11),
      schema: 'gemini',
      usage: {
        kind: 'counted',
        model: 'gemini-2.5-pro',
        tokens: { input: 7, output: 8, cacheRead: 9, cacheWrite: 0 },
      },
    }),
  ];
  store.insert({ requests: records, tunnels: [tunnel()] });
  const expected = new UsageTotals();
  for (const request of records) {
    if (request.usage !== undefined) {
      expected.add(request.schema, request.usage, dayKey(new Date(request.time)));
    }
  }
  const { days } = expected.snapshot();
  assert.deepEqual(store.dayTotals('2025-03-10'), {
    '2025-03-10': days['2025-03-10'],
    '2025-03-11': days['2025-03-11'],
  });
  assert.deepEqual(Object.keys(store.dayTotals('2000-01-01')), [
    '2025-03-09',
    '2025-03-10',
    '2025-03-11',
  ]);
});

test('importUsage takes usage.json days once, adds them into dayTotals, skips days already counted', (t) => {
  const file = tempHistoryFile(t);
  const first = open(t, { file });
  first.store.insert({ requests: [record({ time: noonOf(2025, 3, 10) })], tunnels: [] });
  const tally = {
    requests: 3,
    input: 30,
    output: 3,
    cacheRead: 0,
    cacheWrite: 0,
    unknown: 1,
    unparsed: 0,
  };
  const snapshot = {
    version: 1 as const,
    days: {
      '2025-03-08': { schemas: { anthropic: tally }, models: { 'claude-old': tally } },
      '2025-03-10': { schemas: { anthropic: tally }, models: { 'claude-sonnet-4-5': tally } },
    },
  };
  assert.deepEqual(first.store.importUsage(snapshot), { imported: true, days: 1, skipped: 1 });
  assert.deepEqual(first.store.dayTotals('2025-03-08')['2025-03-08'], {
    schemas: { anthropic: tally },
    models: { 'claude-old': tally },
  });
  assert.equal(
    first.store.dayTotals('2025-03-08')['2025-03-10']?.models['claude-sonnet-4-5']?.requests,
    1,
  );
  first.store.close();

  const second = open(t, { file });
  assert.deepEqual(second.store.importUsage(snapshot), { imported: false, days: 0, skipped: 0 });
  assert.equal(second.store.dayTotals('2025-03-08')['2025-03-08']?.schemas.anthropic?.requests, 3);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM imported_days'), 2);
  assert.equal(sqliteValue(file, "SELECT count(*) FROM meta WHERE key = 'usage_imported_at'"), 1);
});

test('problems are only reported for problems', (t) => {
  const heard = problems();
  const { store } = open(t, { onProblem: heard.onProblem });
  store.insert({ requests: [record()], tunnels: [tunnel()] });
  store.query({});
  store.prune();
  assert.deepEqual(heard.messages, []);
});
