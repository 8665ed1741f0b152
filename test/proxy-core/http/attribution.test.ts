// Who is calling, through a real proxy: the agents' real request heads attributed to client and
// session, an origin lookup that is slow or fails never holding a request, the origin reaching
// records and tunnels, and the proxy user of an exposed listener.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { runToExit } from '../../helpers/process-spawn.js';
import { createThreadedLookup } from '../../../proxy-core/observe/origin/threaded.js';
import type { OriginFinder } from '../../../proxy-core/http/attribution.js';
import { send } from '../../helpers/client.js';
import { loadRequestHeads } from '../../helpers/request-heads.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream } from '../../helpers/servers.js';
import { openTunnel, startTcpUpstream } from '../../helpers/tunnel.js';
import type { RequestRecord } from '../../../shared/snapshot.js';
import { UNKNOWN_ORIGIN, type Origin, type ProjectRef } from '../../../shared/who.js';
import type { TunnelSeen } from '../../../proxy-core/observe/who.js';

const MESSAGE = JSON.stringify({
  id: 'msg_1',
  type: 'message',
  model: 'claude-sonnet-4-5',
  usage: { input_tokens: 11, output_tokens: 7 },
});

const REPO: ProjectRef = { root: '/home/dev/shop', name: 'shop', branch: 'feature/cart' };
const FOUND: Origin = {
  process: { pid: 4242, name: 'claude', cwd: '/home/dev/shop/src' },
  project: REPO,
  user: null,
};

// Hop-by-hop and framing headers of a capture are the capture's connection's, not this one's.
const OWN_HEADERS = new Set(['host', 'connection', 'content-length', 'upgrade', 'accept-encoding']);

function replayable(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => !OWN_HEADERS.has(name) && !name.startsWith('sec-websocket'),
    ),
  );
}

test("the four agents' real request heads are attributed to their client and session", async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
  });
  const { port, nextAttributed, proxy } = await startObservedProxy(
    t,
    { upstreams: { anthropic: upstream.url, openai: upstream.url, gemini: upstream.url } },
    { originLookup: { lookup: () => Promise.resolve(UNKNOWN_ORIGIN) } },
  );
  const routes: Readonly<Record<string, string>> = {
    'claude-code-2.1.332': '/anthropic/v1/messages',
    'codex-cli-0.171.0': '/openai/v1/responses',
    'gemini-cli-0.61.0': '/gemini/v1beta/models/gemini-3.8-flash:generateContent',
    'opencode-1.18.33-anthropic': '/anthropic/v1/messages',
    'opencode-1.18.33-openai': '/openai/v1/responses',
  };
  const seen: RequestRecord[] = [];
  for (const [capture, heads] of Object.entries(loadRequestHeads())) {
    const head = heads[0];
    const path = routes[capture];
    assert.ok(head !== undefined && path !== undefined, capture);
    const recorded = nextAttributed();
    const response = await send(
      `http://127.0.0.1:${port}${path}`,
      { method: 'POST', headers: replayable(head.headers) },
      '{}',
    );
    assert.equal(response.status, 200, capture);
    seen.push(await recorded);
  }
  assert.deepEqual(
    seen.map((record) => [record.client?.name, record.client?.version, record.session ?? null]),
    [
      ['Claude Code', '2.1.332', 'bcc7e7a2-93cd-47ea-bec4-38323be0563e'],
      ['Codex CLI', '0.171.0', '01a2381a-d6bd-7242-832d-7a943fab4bd4'],
      ['Gemini CLI', '0.61.0', null],
      ['opencode', '1.18.33', 'ses_dc7e50d80ffePo0N32yqqy2n62'],
      ['opencode', '1.18.33', 'ses_dc7e4f7b7ffeyoRtzY9mGcqzDn'],
    ],
  );
  const snapshot = proxy.stats.snapshot();
  assert.deepEqual(
    snapshot.clients.map(({ name, requests }) => [name, requests]),
    [
      ['opencode', 2],
      ['Gemini CLI', 1],
      ['Codex CLI', 1],
      ['Claude Code', 1],
    ],
  );
  assert.deepEqual(
    snapshot.sessions.map(({ id, client, requests }) => [id, client, requests]),
    [
      ['ses_dc7e4f7b7ffeyoRtzY9mGcqzDn', 'opencode', 1],
      ['ses_dc7e50d80ffePo0N32yqqy2n62', 'opencode', 1],
      ['01a2381a-d6bd-7242-832d-7a943fab4bd4', 'Codex CLI', 1],
      ['bcc7e7a2-93cd-47ea-bec4-38323be0563e', 'Claude Code', 1],
    ],
  );
  const claude = snapshot.clients.find((client) => client.name === 'Claude Code');
  assert.equal(claude?.input, 11);
  assert.equal(claude.output, 7);
});

/** A lookup the test answers by hand: `release` settles every lookup made so far. */
function heldLookup(): { lookup: OriginFinder; asked: Promise<void>; release(o: Origin): void } {
  const waiting: ((origin: Origin) => void)[] = [];
  let asked!: () => void;
  const askedOnce = new Promise<void>((resolve) => {
    asked = resolve;
  });
  return {
    lookup: {
      lookup: () =>
        new Promise<Origin>((resolve) => {
          waiting.push(resolve);
          asked();
        }),
    },
    asked: askedOnce,
    release(origin) {
      for (const resolve of waiting.splice(0)) resolve(origin);
    },
  };
}

test('a lookup still running holds no request: the client has its answer and the stats count it, the origin follows the lookup', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
  });
  const held = heldLookup();
  const { port, events, proxy } = await startObservedProxy(
    t,
    { upstreams: { anthropic: upstream.url } },
    { originLookup: held.lookup },
  );
  const records: RequestRecord[] = [];
  events.on('recorded', (record: RequestRecord) => records.push(record));
  const counted = once(events, 'requestEnded');
  const response = await send(
    `http://127.0.0.1:${port}/anthropic/v1/messages`,
    { method: 'POST', headers: { 'user-agent': 'claude-cli/2.1.332 (external, cli)' } },
    '{}',
  );
  await held.asked;
  assert.equal(response.status, 200);
  assert.equal(response.body.toString(), MESSAGE);
  await counted;
  assert.equal(records.length, 0, 'attributed before the lookup returned');
  const before = proxy.stats.snapshot();
  assert.equal(before.requests.anthropic, 1);
  assert.deepEqual(before.recent[0]?.client, { name: 'Claude Code', version: '2.1.332' });
  assert.equal(before.recent[0].process, undefined);
  assert.equal(before.clients.length, 0, 'who is counted once the origin is known');
  const recorded = once(events, 'recorded');
  held.release(FOUND);
  const [record] = (await recorded) as [RequestRecord];
  const after = proxy.stats.snapshot();
  assert.deepEqual(after.recent[0], record);
  assert.equal(after.requests.anthropic, 1);
  assert.deepEqual(after.projects[0]?.root, REPO.root);
  assert.deepEqual(record.process, FOUND.process);
  assert.deepEqual(record.project, REPO);
  assert.deepEqual(record.client, { name: 'Claude Code', version: '2.1.332' });
  assert.equal(record.usage?.kind, 'counted');
  // The record's times are the exchange's, not the lookup's wait.
  assert.ok(record.durationMs < 5_000);
});

test('a lookup that fails leaves the request unattributed, never failed', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
  });
  const { port, nextAttributed } = await startObservedProxy(
    t,
    { upstreams: { anthropic: upstream.url } },
    { originLookup: { lookup: () => Promise.reject(new Error('EACCES: /proc/1/fd')) } },
  );
  const recorded = nextAttributed();
  const response = await send(`http://127.0.0.1:${port}/anthropic/v1/messages`, {
    method: 'POST',
  });
  assert.equal(response.status, 200);
  const record = await recorded;
  assert.equal(record.process, undefined);
  assert.equal(record.project, undefined);
  assert.deepEqual(record.client, { name: 'unknown', version: null });
});

test('one lookup per connection, however many requests it carries', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
  });
  let lookups = 0;
  const { port, proxy, events } = await startObservedProxy(
    t,
    { upstreams: { anthropic: upstream.url } },
    {
      originLookup: {
        lookup: () => {
          lookups++;
          return Promise.resolve(FOUND);
        },
      },
    },
  );
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => {
    agent.destroy();
  });
  let ended = 0;
  const all = new Promise<void>((resolve) => {
    events.on('recorded', () => {
      if (++ended === 5) resolve();
    });
  });
  for (let i = 0; i < 5; i++) {
    const response = await send(`http://127.0.0.1:${port}/anthropic/v1/messages`, {
      method: 'POST',
      agent,
      headers: { 'x-claude-code-session-id': 'keep-alive-session' },
    });
    assert.equal(response.status, 200);
  }
  await all;
  assert.equal(lookups, 1);
  const [session] = proxy.stats.snapshot().sessions;
  assert.equal(session?.requests, 5);
  assert.deepEqual(session.project, REPO);
  assert.equal(session.process, 'claude');
});

test('a tunnel counts for the client of its CONNECT head and the project of its connection', async (t) => {
  const far = await startTcpUpstream(t, (socket) => {
    socket.end('bye');
  });
  const { port, proxy, events } = await startObservedProxy(
    t,
    {},
    {
      originLookup: { lookup: () => Promise.resolve(FOUND) },
    },
  );
  const attributed = once(events, 'tunnelAttributed');
  const tunnel = await openTunnel(t, port, `127.0.0.1:${far.port}`);
  assert.equal(tunnel.status, 200);
  tunnel.socket.resume();
  const [seen] = (await attributed) as [TunnelSeen];
  assert.deepEqual(seen.origin, FOUND);
  const project = proxy.stats.snapshot().projects.find((entry) => entry.root === REPO.root);
  assert.equal(project?.tunnels, 1);
  assert.equal(project.requests, 0);
  assert.ok(project.bytesOut >= 3);
});

test('attribution.processes: false asks for no lookup', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
  });
  let lookups = 0;
  const { port, nextAttributed } = await startObservedProxy(
    t,
    { upstreams: { anthropic: upstream.url }, attribution: { processes: false } },
    {
      originLookup: {
        lookup: () => {
          lookups++;
          return Promise.resolve(FOUND);
        },
      },
    },
  );
  const recorded = nextAttributed();
  await send(`http://127.0.0.1:${port}/anthropic/v1/messages`, { method: 'POST' });
  const record = await recorded;
  assert.equal(lookups, 0);
  assert.equal(record.process, undefined);
});

test('an exposed listener attributes admitted requests to the proxy user of the credentials', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
  });
  const { port, nextAttributed } = await startObservedProxy(
    t,
    {
      host: '0.0.0.0',
      auth: { username: 'ada', password: 'lan-pass-7f3a' },
      upstreams: { anthropic: upstream.url },
    },
    { originLookup: { lookup: () => Promise.resolve(UNKNOWN_ORIGIN) } },
  );
  const good = `Basic ${Buffer.from('ada:lan-pass-7f3a').toString('base64')}`;
  let recorded = nextAttributed();
  const admitted = await send(`http://127.0.0.1:${port}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'proxy-authorization': good },
  });
  assert.equal(admitted.status, 200);
  assert.equal((await recorded).user, 'ada');
  recorded = nextAttributed();
  const refused = await send(`http://127.0.0.1:${port}/anthropic/v1/messages`, { method: 'POST' });
  assert.equal(refused.status, 407);
  assert.equal((await recorded).user, undefined);
});

// A client process as an agent is one: its own program, started in a directory of a git work tree.
const AGENT_SCRIPT = `
const http = require('node:http');
const net = require('node:net');
const [port, target] = process.argv.slice(2);
const request = http.request({
  host: '127.0.0.1', port, path: '/anthropic/v1/messages', method: 'POST',
  headers: { 'user-agent': 'claude-cli/2.1.332 (external, cli)', 'x-claude-code-session-id': 'who-session' },
}, (res) => {
  res.resume();
  res.on('end', () => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('CONNECT ' + target + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\nUser-Agent: curl/8.14.1\\r\\n\\r\\n');
    });
    process.stdin.on('end', () => socket.end());
  });
});
request.end('{}');
// The test ends it once both connections are looked up: an exited process cannot be found.
process.stdin.resume();
`;

test(
  'on Linux a real process is found behind its request and its tunnel: pid, program, project and branch',
  { skip: process.platform !== 'linux' && 'process lookups are tested for real on Linux' },
  async (t) => {
    const repo = await mkdtemp(join(tmpdir(), 'memex-who-'));
    t.after(() => rm(repo, { recursive: true, force: true }));
    const init = await runToExit(t, 'git', ['init', '-q', '-b', 'feature/who', repo]);
    assert.equal(init.code, 0, init.stderr);
    const cwd = join(repo, 'src');
    await mkdir(cwd);
    await writeFile(join(cwd, 'agent.cjs'), AGENT_SCRIPT);
    const upstream = await startUpstream(t, (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(MESSAGE);
    });
    const far = await startTcpUpstream(t);
    // The platform's real lookup in its own thread, as the proxy runs it, watched so the test
    // knows when both connections are found.
    const lookup = createThreadedLookup();
    t.after(() => {
      lookup.close();
    });
    const found: Origin[] = [];
    let bothFound!: () => void;
    const both = new Promise<void>((resolve) => {
      bothFound = resolve;
    });
    const watched: OriginFinder = {
      lookup: async (connection) => {
        const origin = await lookup.lookup(connection);
        if (found.push(origin) === 2) bothFound();
        return origin;
      },
    };
    const { port, proxy, events } = await startObservedProxy(
      t,
      { upstreams: { anthropic: upstream.url } },
      { originLookup: watched },
    );
    const recorded = once(events, 'recorded');
    const tunnelled = once(events, 'tunnelAttributed');
    const child = spawn(process.execPath, ['agent.cjs', String(port), `127.0.0.1:${far.port}`], {
      cwd,
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    t.after(() => {
      if (child.exitCode === null) child.kill();
    });
    const [record] = (await recorded) as [RequestRecord];
    await both;
    // The tunnel is counted when it closes: the client ends it on stdin's end, then the far end.
    child.stdin.end();
    await once(child, 'exit');
    far.sockets[0]?.end();
    const [tunnel] = (await tunnelled) as [TunnelSeen];
    const project: ProjectRef = { root: repo, name: basename(repo), branch: 'feature/who' };
    assert.deepEqual(record.process, { pid: child.pid, name: 'agent', cwd });
    assert.deepEqual(record.project, project);
    assert.deepEqual(record.client, { name: 'Claude Code', version: '2.1.332' });
    assert.equal(record.session, 'who-session');
    assert.deepEqual(tunnel.origin.process, { pid: child.pid, name: 'agent', cwd });
    assert.deepEqual(tunnel.origin.project, project);
    assert.deepEqual(tunnel.client, { name: 'curl', version: '8.14.1' });
    const snapshot = proxy.stats.snapshot();
    const projectStats = snapshot.projects.find((entry) => entry.root === repo);
    assert.equal(projectStats?.requests, 1);
    assert.equal(projectStats.tunnels, 1);
    assert.equal(projectStats.branch, 'feature/who');
    assert.deepEqual(projectStats.clients, ['curl', 'Claude Code']);
    const session = snapshot.sessions.find((entry) => entry.id === 'who-session');
    assert.equal(session?.process, 'agent');
    assert.deepEqual(session.project, project);
  },
);
