// The dashboard's history calls as main answers them: answers parsed, exports paged through the
// worker and written to the file the user picked, a cancel writing nothing.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createHistoryService } from '../../main/history-service.js';
import type { HistoryCall } from '../../proxy-core/entry/protocol.js';
import type { HistoryRow } from '../../shared/history.js';

function row(id: number): HistoryRow {
  return {
    id,
    time: 1_764_547_200_000 + id,
    day: '2025-12-01',
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/anthropic/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 12.5,
    ttfbMs: 3,
    firstContentMs: null,
    bytesIn: 10,
    bytesOut: 20,
    model: 'claude-sonnet-4-5',
    usageKind: 'counted',
    input: 1,
    output: 2,
    cacheRead: 0,
    cacheWrite: 0,
    cost: null,
    client: id === 2 ? '=cmd|calc' : 'Claude Code',
    clientVersion: '2.1.332',
    session: null,
    projectRoot: null,
    projectName: null,
    branch: null,
    processName: null,
    pid: null,
    user: null,
  };
}

/** A worker whose history holds rows 1..`count`, newest first, two per page at most. */
function fakeWorker(count: number): {
  calls: HistoryCall[];
  call(c: HistoryCall): Promise<unknown>;
} {
  const calls: HistoryCall[] = [];
  const all = Array.from({ length: count }, (_, i) => row(count - i));
  return {
    calls,
    call(call) {
      calls.push(call);
      if (call.method === 'captures') return Promise.resolve([]);
      if (call.method !== 'query') return Promise.resolve({ days: [], models: [] });
      const start = call.filter.cursor === undefined ? 0 : Number(call.filter.cursor);
      const end = Math.min(start + 2, all.length);
      return Promise.resolve({
        rows: all.slice(start, end),
        next: end < all.length ? String(end) : null,
      });
    },
  };
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-export-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('CSV exports page through every match and write one header, formulas guarded', async (t) => {
  const dir = await tempDir(t);
  const worker = fakeWorker(5);
  const service = createHistoryService({
    version: '0.1.0',
    call: (call) => worker.call(call),
    chooseFile: () => Promise.resolve(join(dir, 'out.csv')),
  });
  assert.equal(await service.export({ schema: 'anthropic' }, 'csv'), join(dir, 'out.csv'));
  const lines = (await readFile(join(dir, 'out.csv'), 'utf8')).trimEnd().split('\r\n');
  assert.equal(lines.length, 6);
  assert.match(lines[0] ?? '', /^id,time,/);
  assert.deepEqual(
    lines.slice(1).map((line) => line.split(',')[0]),
    ['5', '4', '3', '2', '1'],
  );
  assert.match(lines[4] ?? '', /,'=cmd\|calc,/);
  assert.equal(worker.calls.length, 3);
  assert.ok(
    worker.calls.every((call) => call.method === 'query' && call.filter.schema === 'anthropic'),
  );
});

test('JSON and HAR exports are one document each; a cancelled export writes nothing', async (t) => {
  const dir = await tempDir(t);
  const worker = fakeWorker(3);
  let chosen: string | null = join(dir, 'out.json');
  const service = createHistoryService({
    version: '0.1.0',
    call: (call) => worker.call(call),
    chooseFile: () => Promise.resolve(chosen),
  });
  await service.export({}, 'json');
  const rows = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8')) as {
    id: number;
    time: string;
  }[];
  assert.deepEqual(
    rows.map((entry) => entry.id),
    [3, 2, 1],
  );
  assert.equal(rows[0]?.time, new Date(1_764_547_200_003).toISOString());
  chosen = join(dir, 'out.har');
  await service.export({}, 'har');
  const har = JSON.parse(await readFile(join(dir, 'out.har'), 'utf8')) as {
    log: { version: string; creator: { name: string }; entries: { request: { url: string } }[] };
  };
  assert.equal(har.log.version, '1.2');
  assert.equal(har.log.creator.name, 'memex');
  assert.equal(har.log.entries.length, 3);
  assert.deepEqual(
    worker.calls.filter((call) => call.method === 'captures'),
    [{ method: 'captures', ids: [3, 2, 1] }],
  );
  assert.equal(har.log.entries[0]?.request.url, 'https://api.anthropic.com/anthropic/v1/messages');
  chosen = null;
  assert.equal(await service.export({}, 'csv'), null);
  assert.deepEqual((await readdir(dir)).sort(), ['out.har', 'out.json']);
});

test('an answer that is not what was asked for is refused', async () => {
  const service = createHistoryService({
    version: '0.1.0',
    call: () => Promise.resolve({ rows: 'all of them', next: null }),
    chooseFile: () => Promise.resolve(null),
  });
  await assert.rejects(service.query({}), /malformed answer/);
  await assert.rejects(service.totals({}), /malformed answer/);
});
