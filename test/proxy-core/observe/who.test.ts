import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WhoBook } from '../../../proxy-core/observe/who.js';
import type { RequestRecord } from '../../../shared/snapshot.js';
import {
  CLIENT_LIMIT,
  PROJECT_LIMIT,
  SESSION_LIMIT,
  UNKNOWN_ORIGIN,
  type ProjectRef,
} from '../../../shared/who.js';

const DAY = { key: '2026-12-03', start: Date.UTC(2026, 11, 3) };
const NOON = DAY.start + 12 * 3_600_000;
const REPO: ProjectRef = { root: '/home/dev/memex', name: 'memex', branch: 'main' };

function record(fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: NOON,
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 10,
    bytesIn: 100,
    bytesOut: 1_000,
    usage: {
      kind: 'counted',
      model: 'claude-sonnet-4-5',
      tokens: { input: 10, output: 20, cacheRead: 300, cacheWrite: 40 },
    },
    client: { name: 'Claude Code', version: '2.1.332' },
    session: 'session-a',
    process: { pid: 42, name: 'claude', cwd: '/home/dev/memex/src' },
    project: REPO,
    ...fields,
  };
}

test('a request counts for its client, session and project, cost where priced', () => {
  const book = new WhoBook();
  book.setPricing({ 'claude-sonnet-4*': { input_per_mtok: 3, output_per_mtok: 15 } });
  book.request(record(), NOON, DAY.key);
  const failed: RequestRecord = { ...record({ status: 500, bytesIn: 1, bytesOut: 2 }) };
  delete (failed as { usage?: unknown }).usage;
  book.request(failed, NOON + 1, DAY.key);
  const { clients, sessions, projects } = book.snapshot(DAY);
  const cost = (10 * 3 + 20 * 15) / 1_000_000;
  const tally = {
    requests: 2,
    errors: 1,
    bytesIn: 101,
    bytesOut: 1_002,
    input: 10,
    output: 20,
    cacheRead: 300,
    cacheWrite: 40,
    cost,
    tunnels: 0,
    firstSeen: NOON,
    lastSeen: NOON + 1,
    today: { requests: 2, tokens: 370, cost },
  };
  assert.deepEqual(clients, [
    { ...tally, name: 'Claude Code', version: '2.1.332', sessionsToday: 1 },
  ]);
  assert.deepEqual(sessions, [
    { ...tally, id: 'session-a', client: 'Claude Code', project: REPO, process: 'claude' },
  ]);
  assert.deepEqual(projects, [{ ...tally, ...REPO, clients: ['Claude Code'] }]);
});

test('cost stays null while no model is priced; today starts over on a new day', () => {
  const book = new WhoBook();
  book.request(record(), NOON, DAY.key);
  const tomorrow = { key: '2026-12-04', start: DAY.start + 86_400_000 };
  const client = book.snapshot(tomorrow).clients[0];
  assert.ok(client !== undefined);
  assert.equal(client.cost, null);
  assert.deepEqual(client.today, { requests: 0, tokens: 0, cost: null });
  assert.equal(client.sessionsToday, 0);
  book.request(record(), tomorrow.start + 5, tomorrow.key);
  const next = book.snapshot(tomorrow).clients[0];
  assert.ok(next !== undefined);
  assert.equal(next.requests, 2);
  assert.deepEqual(next.today, { requests: 1, tokens: 370, cost: null });
});

test('tunnels count for their client and project, not as requests', () => {
  const book = new WhoBook();
  book.tunnel(
    {
      client: { name: 'Gemini CLI', version: '0.61.0' },
      origin: { ...UNKNOWN_ORIGIN, project: REPO },
      host: 'generativelanguage.googleapis.com',
      schema: 'gemini',
      time: NOON,
      durationMs: 1_000,
      bytesIn: 5,
      bytesOut: 7,
    },
    NOON,
    DAY.key,
  );
  const { clients, projects, sessions } = book.snapshot(DAY);
  assert.equal(sessions.length, 0);
  assert.deepEqual(
    clients.map(({ name, requests, tunnels, bytesIn, bytesOut }) => ({
      name,
      requests,
      tunnels,
      bytesIn,
      bytesOut,
    })),
    [{ name: 'Gemini CLI', requests: 0, tunnels: 1, bytesIn: 5, bytesOut: 7 }],
  );
  const project = projects[0];
  assert.ok(project !== undefined);
  assert.equal(project.tunnels, 1);
  assert.deepEqual(project.clients, ['Gemini CLI']);
});

test('a proxy user counts their requests, tokens, cost and tunnels; no user, no entry', () => {
  const book = new WhoBook();
  book.setPricing({ 'claude-*': { input_per_mtok: 1_000_000 } });
  book.request(record({ user: 'alice' }), NOON, DAY.key);
  book.request(record({ user: 'bob' }), NOON + 1, DAY.key);
  book.request(record({ user: 'alice' }), NOON + 2, DAY.key);
  book.request(record(), NOON + 3, DAY.key);
  book.tunnel(
    {
      client: { name: 'curl', version: '8.14.1' },
      origin: UNKNOWN_ORIGIN,
      host: 'api.openai.com',
      schema: 'openai',
      time: NOON,
      durationMs: 1,
      bytesIn: 1,
      bytesOut: 2,
      user: 'bob',
    },
    NOON + 4,
    DAY.key,
  );
  const { users } = book.snapshot(DAY);
  assert.deepEqual(
    users.map(({ name, requests, tunnels, input, cost, today }) => ({
      name,
      requests,
      tunnels,
      input,
      cost,
      tokens: today.tokens,
    })),
    [
      { name: 'bob', requests: 1, tunnels: 1, input: 10, cost: 10, tokens: 370 },
      { name: 'alice', requests: 2, tunnels: 0, input: 20, cost: 20, tokens: 740 },
    ],
  );
});

test('at most SESSION_LIMIT sessions, PROJECT_LIMIT projects and CLIENT_LIMIT clients: the least recently seen go', () => {
  const book = new WhoBook();
  const count = 300;
  for (let i = 0; i < count; i++) {
    const root = `/repo/${i}`;
    book.request(
      record({
        session: `s-${i}`,
        project: { root, name: String(i), branch: null },
        client: { name: `client-${i}`, version: null },
      }),
      NOON + i,
      DAY.key,
    );
  }
  // s-0 seen again: it is the most recent now and survives the next evictions.
  book.request(record({ session: 's-0' }), NOON + count, DAY.key);
  book.request(record({ session: 's-new' }), NOON + count + 1, DAY.key);
  const { clients, sessions, projects } = book.snapshot(DAY);
  assert.equal(sessions.length, SESSION_LIMIT);
  assert.equal(projects.length, PROJECT_LIMIT);
  assert.equal(clients.length, CLIENT_LIMIT);
  assert.deepEqual(
    sessions.slice(0, 3).map((session) => session.id),
    ['s-new', 's-0', `s-${count - 1}`],
  );
  assert.equal(sessions.at(-1)?.id, `s-${count - SESSION_LIMIT + 2}`);
  assert.equal(projects[0]?.root, REPO.root);
});

test('a project lists its clients most recent first, at most 8', () => {
  const book = new WhoBook();
  for (let i = 0; i < 10; i++) {
    book.request(record({ client: { name: `c${i}`, version: null } }), NOON + i, DAY.key);
  }
  book.request(record({ client: { name: 'c3', version: null } }), NOON + 20, DAY.key);
  assert.deepEqual(book.snapshot(DAY).projects[0]?.clients, [
    'c3',
    'c9',
    'c8',
    'c7',
    'c6',
    'c5',
    'c4',
    'c2',
  ]);
});
