// memex-proxy --history FILE for real: requests through the built CLI land in the SQLite file,
// /_memex/history serves them as JSON pages and CSV, the stored bytes hold no key or query, and
// the history survives a restart. The rows are read back with the sqlite3 shell too.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { send } from '../../helpers/client.js';
import { startProxyProcess } from '../../helpers/proxy-process.js';
import { startUpstream } from '../../helpers/servers.js';

const run = promisify(execFile);

const MESSAGE = JSON.stringify({
  id: 'msg_1',
  type: 'message',
  model: 'claude-sonnet-4-5',
  usage: { input_tokens: 11, output_tokens: 7 },
});

async function setUp(t: TestContext): Promise<{ dir: string; file: string; upstream: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-cli-history-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    if (req.url?.startsWith('/v1/fail') === true) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
  });
  // Lookups off: a request is recorded the moment it ends, so the next request on the same
  // connection finds it stored.
  await writeFile(join(dir, 'memex.yml'), 'attribution:\n  processes: false\n');
  return { dir, file: join(dir, 'history.db'), upstream: upstream.url };
}

test('memex-proxy --history keeps every request, serves it at /_memex/history, and keeps it across a restart', async (t) => {
  const { dir, file, upstream } = await setUp(t);
  const args = [
    '--config',
    join(dir, 'memex.yml'),
    '--history',
    file,
    '--upstream',
    `anthropic=${upstream}`,
  ];
  const proxy = await startProxyProcess(t, args);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => {
    agent.destroy();
  });
  const secret = { 'x-api-key': 'sk-ant-PLANTED-key-42', 'content-type': 'application/json' };
  const ok = await send(
    `${proxy.url}/anthropic/v1/messages?key=PLANTED-query-7`,
    { method: 'POST', agent, headers: secret },
    '{}',
  );
  assert.equal(ok.status, 200);
  const failed = await send(`${proxy.url}/anthropic/v1/fail`, { method: 'POST', agent }, '{}');
  assert.equal(failed.status, 500);

  const page = await send(`${proxy.url}/_memex/history?limit=1`, { agent });
  assert.equal(page.status, 200);
  const first = JSON.parse(page.body.toString()) as {
    rows: Record<string, unknown>[];
    next: string;
  };
  assert.equal(first.rows.length, 1);
  assert.equal(first.rows[0]?.['path'], '/anthropic/v1/fail');
  assert.equal(first.rows[0]['status'], 500);
  const rest = await send(`${proxy.url}/_memex/history?cursor=${first.next}`, { agent });
  const second = JSON.parse(rest.body.toString()) as {
    rows: Record<string, unknown>[];
    next: null;
  };
  assert.deepEqual(
    second.rows.map((row) => [row['path'], row['model'], row['input'], row['output']]),
    [['/anthropic/v1/messages', 'claude-sonnet-4-5', 11, 7]],
  );
  assert.equal(second.next, null);

  const filtered = await send(`${proxy.url}/_memex/history?status=5xx&format=csv`, { agent });
  assert.equal(filtered.headers['content-type'], 'text/csv; charset=utf-8');
  const lines = filtered.body.toString().trimEnd().split('\r\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0] ?? '', /^id,time,day,method,host,path,schema,status,/);
  assert.match(lines[1] ?? '', /,POST,127\.0\.0\.1:\d+,\/anthropic\/v1\/fail,unknown,500,/);

  const bad = await send(`${proxy.url}/_memex/history?status=teapot`, { agent });
  assert.equal(bad.status, 400);
  const problem = JSON.parse(bad.body.toString()) as { error: { message: string } };
  assert.match(problem.error.message, /status: 2xx, 4xx, 5xx or error/);

  // SIGTERM drains and closes the history: every byte is on disk.
  process.kill(proxy.pid, 'SIGTERM');
  assert.deepEqual(await proxy.exited, [0, null]);
  const { stdout } = await run('sqlite3', [
    '-json',
    file,
    'select method, path, status, model, input, output from requests order by id',
  ]);
  assert.deepEqual(JSON.parse(stdout), [
    {
      method: 'POST',
      path: '/anthropic/v1/messages',
      status: 200,
      model: 'claude-sonnet-4-5',
      input: 11,
      output: 7,
    },
    {
      method: 'POST',
      path: '/anthropic/v1/fail',
      status: 500,
      model: null,
      input: null,
      output: null,
    },
  ]);
  for (const name of await readdir(dir)) {
    if (!name.startsWith('history.db')) continue;
    const bytes = await readFile(join(dir, name));
    assert.equal(bytes.includes('PLANTED'), false, `${name} holds a key or a query`);
  }

  const again = await startProxyProcess(t, args);
  const kept = await send(`${again.url}/_memex/history`);
  const after = JSON.parse(kept.body.toString()) as { rows: unknown[] };
  assert.equal(after.rows.length, 2);
});

test('/_memex/history without history says how to turn it on', async (t) => {
  const { dir } = await setUp(t);
  const proxy = await startProxyProcess(t, ['--config', join(dir, 'memex.yml')]);
  const answer = await send(`${proxy.url}/_memex/history`);
  assert.equal(answer.status, 404);
  const body = JSON.parse(answer.body.toString()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'HISTORY_OFF');
  assert.match(body.error.message, /--history FILE/);
});
