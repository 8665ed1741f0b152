import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCHEMAS, type SchemaId } from '../../proxy-core/http/schema.js';
import { createStats } from '../../proxy-core/stats.js';
import { RECENT_LIMIT, type RequestRecord } from '../../shared/snapshot.js';

/** A finished request; fields not given are a complete 200 with no bytes. */
function record(fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: 1_000,
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 5,
    bytesIn: 0,
    bytesOut: 0,
    ...fields,
  };
}

/** A clock the test moves by hand. */
function manualClock(start: number): { now: () => number; set: (ms: number) => void } {
  let current = start;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
  };
}

function perSchema(values: Partial<Record<SchemaId, number>>): Record<SchemaId, number> {
  return Object.fromEntries(SCHEMAS.map((id) => [id, values[id] ?? 0])) as Record<SchemaId, number>;
}

test('starts with every schema at zero and nothing recorded', () => {
  const stats = createStats(() => 5_000);
  const zero = { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 };
  assert.deepEqual(stats.snapshot(), {
    requests: perSchema({}),
    schemas: Object.fromEntries(SCHEMAS.map((id) => [id, zero])),
    active: 0,
    tunnels: { total: 0, active: 0, failed: 0, bytesIn: 0, bytesOut: 0, byHost: {} },
    websockets: { total: 0, active: 0 },
    uptimeMs: 0,
    recent: [],
    usage: { version: 1, days: {} },
    latency: {},
    limits: { accounts: [], errors: [] },
    clients: [],
    sessions: [],
    projects: [],
    users: [],
  });
  assert.equal(stats.version, 0);
});

test('measures uptime with the injected clock', () => {
  const clock = manualClock(10_000);
  const stats = createStats(clock.now);
  clock.set(12_345);
  assert.equal(stats.snapshot().uptimeMs, 2_345);
  clock.set(70_000);
  assert.equal(stats.snapshot().uptimeMs, 60_000);
});

test('counts requests per schema', () => {
  const stats = createStats(() => 0);
  const schemas: SchemaId[] = ['anthropic', 'anthropic', 'openai', 'openai-responses', 'unknown'];
  for (const schema of schemas) {
    stats.requestStarted();
    stats.requestEnded(record({ schema }));
  }
  assert.deepEqual(
    stats.snapshot().requests,
    perSchema({ anthropic: 2, openai: 1, 'openai-responses': 1, unknown: 1 }),
  );
});

test('counts as errors the responses with status 400 or more and those cut short', () => {
  const cases: [status: number, complete: boolean, isError: boolean][] = [
    [200, true, false],
    [304, true, false],
    [399, true, false],
    [400, true, true],
    [404, true, true],
    [429, true, true],
    [502, true, true],
    [200, false, true],
    [0, false, true],
  ];
  assert.deepEqual(
    cases.map(([status, complete]) => {
      const stats = createStats(() => 0);
      stats.requestStarted();
      stats.requestEnded(record({ schema: 'openai', status, complete }));
      return [status, complete, stats.snapshot().schemas.openai.errors === 1];
    }),
    cases,
  );
});

test('sums request and response bytes per schema', () => {
  const stats = createStats(() => 0);
  const records = [
    record({ schema: 'anthropic', bytesIn: 100, bytesOut: 2_000, status: 200 }),
    record({ schema: 'anthropic', bytesIn: 50, bytesOut: 300, status: 529 }),
    record({ schema: 'gemini', bytesIn: 7, bytesOut: 11, complete: false }),
  ];
  for (const each of records) {
    stats.requestStarted();
    stats.requestEnded(each);
  }
  const { schemas } = stats.snapshot();
  assert.deepEqual(schemas.anthropic, { requests: 2, errors: 1, bytesIn: 150, bytesOut: 2_300 });
  assert.deepEqual(schemas.gemini, { requests: 1, errors: 1, bytesIn: 7, bytesOut: 11 });
  assert.deepEqual(schemas.openai, { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 });
});

test('counts requests in flight from start to end', () => {
  const stats = createStats(() => 0);
  stats.requestStarted();
  stats.requestStarted();
  stats.requestStarted();
  assert.equal(stats.snapshot().active, 3);
  stats.requestEnded(record());
  assert.equal(stats.snapshot().active, 2);
  stats.requestEnded(record());
  stats.requestEnded(record());
  assert.equal(stats.snapshot().active, 0);
});

test('lists recent requests newest first', () => {
  const stats = createStats(() => 0);
  for (const path of ['/a', '/b', '/c']) {
    stats.requestStarted();
    stats.requestEnded(record({ path }));
  }
  assert.deepEqual(
    stats.snapshot().recent.map((each) => each.path),
    ['/c', '/b', '/a'],
  );
});

test('keeps exactly the last 200 requests once more have ended', () => {
  assert.equal(RECENT_LIMIT, 200);
  for (const total of [199, 200, 201, 450]) {
    const stats = createStats(() => 0);
    for (let i = 0; i < total; i++) {
      stats.requestStarted();
      stats.requestEnded(record({ time: i }));
    }
    const kept = Math.min(total, 200);
    const want = Array.from({ length: kept }, (_, k) => total - 1 - k);
    assert.deepEqual(
      stats.snapshot().recent.map((each) => each.time),
      want,
      `after ${total} requests`,
    );
    assert.equal(stats.snapshot().requests.anthropic, total);
  }
});

test('keeps each recent record exactly as it was given', () => {
  const stats = createStats(() => 0);
  const given = record({
    time: 1_700_000_000_000,
    method: 'GET',
    host: 'api.openai.com',
    path: '/v1/responses/resp_1',
    schema: 'openai-responses',
    status: 0,
    complete: false,
    durationMs: 12.5,
    bytesIn: 3,
    bytesOut: 4,
  });
  stats.requestStarted();
  stats.requestEnded(given);
  assert.deepEqual(stats.snapshot().recent, [given]);
});

test('counts tunnels opened, closed and failed, with their bytes', () => {
  const stats = createStats(() => 0);
  stats.tunnelOpened('api.anthropic.com', 'anthropic');
  stats.tunnelOpened('api.openai.com', 'openai');
  stats.tunnelOpened('api.anthropic.com', 'anthropic');
  stats.tunnelClosed(100, 1_000);
  stats.tunnelClosed(20, 30);
  stats.tunnelFailed();
  assert.deepEqual(stats.snapshot().tunnels, {
    total: 3,
    active: 1,
    failed: 1,
    bytesIn: 120,
    bytesOut: 1_030,
    byHost: {
      'api.anthropic.com': { schema: 'anthropic', count: 2 },
      'api.openai.com': { schema: 'openai', count: 1 },
    },
  });
});

test('counts tunnels to hosts beyond the first 500 under (other)', () => {
  const stats = createStats(() => 0);
  for (let i = 0; i < 500; i++) stats.tunnelOpened(`host-${i}.example`, 'unknown');
  stats.tunnelOpened('api.anthropic.com', 'anthropic');
  stats.tunnelOpened('late.example', 'unknown');
  stats.tunnelOpened('api.openai.com', 'openai');
  stats.tunnelOpened('host-7.example', 'unknown');

  const { tunnels } = stats.snapshot();
  assert.equal(tunnels.total, 504);
  assert.equal(Object.keys(tunnels.byHost).length, 501);
  assert.deepEqual(tunnels.byHost['(other)'], { schema: 'unknown', count: 3 });
  assert.deepEqual(tunnels.byHost['host-7.example'], { schema: 'unknown', count: 2 });
  assert.deepEqual(tunnels.byHost['host-499.example'], { schema: 'unknown', count: 1 });
  assert.equal(tunnels.byHost['api.anthropic.com'], undefined);
  assert.equal(tunnels.byHost['late.example'], undefined);
});

test('increases version on every change', () => {
  const stats = createStats(() => 0);
  const changes: (() => void)[] = [
    () => {
      stats.requestStarted();
    },
    () => {
      stats.requestEnded(record());
    },
    () => {
      stats.tunnelOpened('api.openai.com', 'openai');
    },
    () => {
      stats.tunnelClosed(1, 2);
    },
    () => {
      stats.tunnelFailed();
    },
  ];
  const versions = [stats.version];
  for (const change of changes) {
    change();
    versions.push(stats.version);
  }
  assert.deepEqual(versions, [0, 1, 2, 3, 4, 5]);
});

test('does not change version when a snapshot is taken', () => {
  const clock = manualClock(0);
  const stats = createStats(clock.now);
  stats.requestStarted();
  const before = stats.version;
  stats.snapshot();
  clock.set(1_000);
  stats.snapshot();
  assert.equal(stats.version, before);
});

test('returns snapshots that later changes do not alter', () => {
  const stats = createStats(() => 0);
  stats.requestStarted();
  stats.requestEnded(record({ bytesOut: 10 }));
  stats.tunnelOpened('api.anthropic.com', 'anthropic');
  const first = stats.snapshot();

  stats.requestStarted();
  stats.requestEnded(record({ bytesOut: 5 }));
  stats.tunnelOpened('api.anthropic.com', 'anthropic');

  assert.equal(first.requests.anthropic, 1);
  assert.deepEqual(first.schemas.anthropic, {
    requests: 1,
    errors: 0,
    bytesIn: 0,
    bytesOut: 10,
  });
  assert.equal(first.recent.length, 1);
  assert.equal(first.tunnels.total, 1);
  assert.deepEqual(first.tunnels.byHost['api.anthropic.com'], {
    schema: 'anthropic',
    count: 1,
  });
});

test('is not changed by edits to a snapshot', () => {
  const stats = createStats(() => 0);
  stats.tunnelOpened('api.openai.com', 'openai');
  const snapshot = stats.snapshot();
  snapshot.schemas.openai.requests = 99;
  snapshot.recent.push(record());
  const host = snapshot.tunnels.byHost['api.openai.com'];
  assert.ok(host !== undefined);
  host.count = 99;

  const next = stats.snapshot();
  assert.equal(next.schemas.openai.requests, 0);
  assert.deepEqual(next.recent, []);
  assert.deepEqual(next.tunnels.byHost['api.openai.com'], { schema: 'openai', count: 1 });
});

test('adds each recorded usage to today per schema and model, and seeds from persisted totals', () => {
  const clock = manualClock(new Date(2026, 10, 25, 12).getTime());
  const stats = createStats(clock.now);
  stats.seedUsage({
    version: 1,
    days: {
      '2026-11-25': {
        schemas: {
          anthropic: {
            requests: 1,
            input: 10,
            output: 2,
            cacheRead: 0,
            cacheWrite: 0,
            unknown: 0,
            unparsed: 0,
          },
        },
        models: {},
      },
      '2020-01-01': { schemas: {}, models: {} },
    },
  });
  const tokens = { input: 5, output: 7, cacheRead: 100, cacheWrite: 3 };
  stats.requestStarted();
  stats.requestEnded(record({ usage: { kind: 'counted', model: 'claude-x', tokens } }));
  stats.requestStarted();
  stats.requestEnded(record({ usage: { kind: 'unknown', model: 'claude-x' } }));

  const usage = stats.snapshot().usage;
  assert.deepEqual(Object.keys(usage.days), ['2026-11-25']);
  assert.deepEqual(usage.days['2026-11-25']?.schemas.anthropic, {
    requests: 3,
    input: 15,
    output: 9,
    cacheRead: 100,
    cacheWrite: 3,
    unknown: 1,
    unparsed: 0,
  });
  assert.equal(usage.days['2026-11-25'].models['claude-x']?.requests, 2);

  clock.set(new Date(2026, 10, 26, 0, 0, 1).getTime());
  stats.requestStarted();
  stats.requestEnded(record({ usage: { kind: 'counted', model: 'claude-x', tokens } }));
  assert.deepEqual(Object.keys(stats.snapshot().usage.days), ['2026-11-25', '2026-11-26']);
});
