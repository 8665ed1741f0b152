// Linux for real (issue 16): child processes connect to a server this test runs on loopback,
// and the lookup names each child, its cwd and its project; and a fake /proc tree for what a
// test cannot make happen on its own.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { Connection } from '../../../../proxy-core/observe/origin/address.js';
import { createLinuxSource } from '../../../../proxy-core/observe/origin/linux.js';
import {
  LOOKUP_TIMEOUT_MS,
  createOriginLookup,
  type OriginLookup,
} from '../../../../proxy-core/observe/origin/lookup.js';
import { UNKNOWN_ORIGIN } from '../../../../shared/who.js';
import { spawnProcess, withGuard } from '../../../helpers/process-spawn.js';

const linux = process.platform === 'linux';
// Why a test that reads /proc is skipped elsewhere.
const OFF_LINUX = !linux && 'reads /proc and real sockets: Linux only';

const CLIENT = [
  "const net = require('node:net');",
  'const [port, host, count] = process.argv.slice(-3);',
  "for (let i = 0; i < Number(count); i++) net.connect(Number(port), host).on('error', () => {});",
  'setInterval(() => {}, 1e6);',
].join('\n');

interface Repo {
  readonly root: string;
  readonly work: string;
}

/** A git repository on branch feature/who (made by git), with a directory inside it. */
async function repoOnBranch(t: TestContext): Promise<Repo> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'memex-origin-')));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'who-project');
  const work = join(root, 'packages', 'app');
  await mkdir(work, { recursive: true });
  const git = promisify(execFile);
  await git('git', ['init', '-q'], { cwd: root });
  await git('git', ['checkout', '-q', '-b', 'feature/who'], { cwd: root });
  return { root, work };
}

/** A server on `host` port 0, or null where the host has no such address. */
async function listen(t: TestContext, host: string): Promise<Server | null> {
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  try {
    server.listen(0, host);
    await once(server, 'listening');
  } catch {
    return null;
  }
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return server;
}

/** Resolves with the server's next `count` connections. */
function connections(server: Server, count: number): Promise<Socket[]> {
  const accepted: Socket[] = [];
  return withGuard(
    new Promise((resolve) => {
      const onConnection = (socket: Socket): void => {
        accepted.push(socket);
        if (accepted.length < count) return;
        server.off('connection', onConnection);
        resolve(accepted);
      };
      server.on('connection', onConnection);
    }),
    `${count} connections`,
  );
}

function toConnection(socket: Socket): Connection {
  return {
    clientAddress: socket.remoteAddress ?? '',
    clientPort: socket.remotePort ?? 0,
    proxyAddress: socket.localAddress ?? '',
    proxyPort: socket.localPort ?? 0,
  };
}

function startLookup(
  t: TestContext,
  options: Parameters<typeof createOriginLookup>[0] = {},
): OriginLookup {
  const lookup = createOriginLookup(options);
  t.after(() => {
    lookup.close();
  });
  return lookup;
}

/** Spawns node with `args` in `cwd`, opening `count` connections to the server. */
function spawnClient(
  t: TestContext,
  server: Server,
  host: string,
  args: string[],
  cwd: string,
  count = 1,
): number {
  const { port } = server.address() as AddressInfo;
  return spawnProcess(t, process.execPath, [...args, String(port), host, String(count)], { cwd })
    .pid;
}

test(
  'a node -e client is found: its pid, name, cwd, and project on its branch',
  { skip: OFF_LINUX },
  async (t) => {
    const repo = await repoOnBranch(t);
    const server = await listen(t, '127.0.0.1');
    assert.ok(server !== null);
    const accepted = connections(server, 1);
    const pid = spawnClient(t, server, '127.0.0.1', ['-e', CLIENT], repo.work);
    const [socket] = await accepted;
    assert.ok(socket !== undefined);
    const lookup = startLookup(t);
    assert.deepEqual(await lookup.lookup(toConnection(socket)), {
      process: { pid, name: 'node', cwd: repo.work },
      project: { root: repo.root, name: 'who-project', branch: 'feature/who' },
      user: null,
    });
    assert.deepEqual(lookup.counts(), { scans: 1, fullScans: 1 });
  },
);

test(
  'a client run as `node script` is named by the script, without its extension',
  { skip: OFF_LINUX },
  async (t) => {
    const repo = await repoOnBranch(t);
    const script = join(repo.root, 'agent-script.cjs');
    await writeFile(script, CLIENT);
    const server = await listen(t, '127.0.0.1');
    assert.ok(server !== null);
    const accepted = connections(server, 1);
    const pid = spawnClient(t, server, '127.0.0.1', [script], repo.work);
    const [socket] = await accepted;
    assert.ok(socket !== undefined);
    const origin = await startLookup(t).lookup(toConnection(socket));
    assert.deepEqual(origin.process, { pid, name: 'agent-script', cwd: repo.work });
    assert.equal(origin.project?.branch, 'feature/who');
  },
);

for (const [host, connectTo] of [
  ['::1', '::1'],
  ['::ffff:127.0.0.1', '127.0.0.1'],
] as const) {
  test(`a client is found over ${host} (memex sees ${host})`, { skip: OFF_LINUX }, async (t) => {
    const server = await listen(t, host);
    if (server === null) {
      t.skip(`no ${host} here`);
      return;
    }
    const repo = await repoOnBranch(t);
    const accepted = connections(server, 1);
    const pid = spawnClient(t, server, connectTo, ['-e', CLIENT], repo.work);
    const [socket] = await accepted;
    assert.ok(socket !== undefined);
    assert.equal(socket.remoteAddress, host);
    const origin = await startLookup(t).lookup(toConnection(socket));
    assert.equal(origin.process?.pid, pid);
    assert.equal(origin.project?.root, repo.root);
  });
}

test(
  '50 concurrent lookups share one scan; the next ones check the known pid first',
  { skip: OFF_LINUX },
  async (t) => {
    const repo = await repoOnBranch(t);
    const server = await listen(t, '127.0.0.1');
    assert.ok(server !== null);
    const accepted = connections(server, 51);
    const pid = spawnClient(t, server, '127.0.0.1', ['-e', CLIENT], repo.work, 51);
    const [first, ...rest] = await accepted;
    assert.ok(first !== undefined);
    const lookup = startLookup(t);
    const origins = await Promise.all(rest.map((socket) => lookup.lookup(toConnection(socket))));
    assert.equal(origins.length, 50);
    assert.ok(
      origins.every(
        (origin) => origin.process?.pid === pid && origin.project?.name === 'who-project',
      ),
    );
    assert.deepEqual(lookup.counts(), { scans: 1, fullScans: 1 });
    // The pid found is remembered: its fds are read first, and no walk of /proc is needed.
    assert.equal((await lookup.lookup(toConnection(first))).process?.pid, pid);
    assert.deepEqual(lookup.counts(), { scans: 2, fullScans: 1 });
  },
);

test(
  'a connection nobody holds is UNKNOWN_ORIGIN within the limit, without walking /proc',
  { skip: OFF_LINUX },
  async (t) => {
    const server = await listen(t, '127.0.0.1');
    assert.ok(server !== null);
    const { port } = server.address() as AddressInfo;
    const lookup = startLookup(t);
    const started = performance.now();
    const origin = await lookup.lookup({
      clientAddress: '127.0.0.1',
      clientPort: 1,
      proxyAddress: '127.0.0.1',
      proxyPort: port,
    });
    assert.deepEqual(origin, UNKNOWN_ORIGIN);
    assert.ok(performance.now() - started < LOOKUP_TIMEOUT_MS);
    assert.deepEqual(lookup.counts(), { scans: 1, fullScans: 0 });
  },
);

interface FakeProcess {
  readonly pid: number;
  readonly sockets: readonly number[];
  readonly exe: string | null;
  readonly cmdline: string;
  readonly cwd: string;
}

/** A /proc tree with one socket table and the given processes, owned by the test's uid. */
async function fakeProc(
  t: TestContext,
  rows: string,
  processes: readonly FakeProcess[],
  rows6 = '',
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'memex-proc-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'net'));
  const header =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  await writeFile(join(root, 'net', 'tcp'), header + rows);
  await writeFile(join(root, 'net', 'tcp6'), header + rows6);
  await writeFile(join(root, 'self'), 'not a process');
  for (const fake of processes) {
    const dir = join(root, String(fake.pid));
    await mkdir(join(dir, 'fd'), { recursive: true });
    await symlink('/dev/null', join(dir, 'fd', '0'));
    await symlink('pipe:[1]', join(dir, 'fd', '1'));
    for (const [index, inode] of fake.sockets.entries()) {
      await symlink(`socket:[${inode}]`, join(dir, 'fd', String(index + 3)));
    }
    if (fake.exe !== null) await symlink(fake.exe, join(dir, 'exe'));
    await writeFile(join(dir, 'cmdline'), fake.cmdline);
    await symlink(fake.cwd, join(dir, 'cwd'));
  }
  return root;
}

/** A /proc/net/tcp row of a 127.0.0.1 client port → memex port 8080, owned by `uid`. */
function row(clientPort: number, inode: number, uid: number): string {
  const hex = clientPort.toString(16).toUpperCase().padStart(4, '0');
  return `   0: 0100007F:${hex} 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 ${uid} 0 ${inode} 1\n`;
}

function local(clientPort: number): Connection {
  return { clientAddress: '127.0.0.1', clientPort, proxyAddress: '127.0.0.1', proxyPort: 8080 };
}

test(
  'a fake /proc: names from cmdline scripts and rewritten titles, cwd and project',
  { skip: OFF_LINUX },
  async (t) => {
    const uid = process.getuid?.() ?? 0;
    const repo = await repoOnBranch(t);
    const root = await fakeProc(
      t,
      row(50001, 9001, uid) + row(50002, 9002, uid) + row(50003, 9003, uid),
      [
        {
          pid: 4242,
          sockets: [9001],
          exe: '/usr/bin/node',
          cmdline: 'node\0/usr/local/bin/claude\0--continue\0',
          cwd: repo.work,
        },
        {
          pid: 4243,
          sockets: [9002],
          exe: '/usr/bin/node (deleted)',
          cmdline: 'claude\0\0\0\0',
          cwd: '/',
        },
        { pid: 4244, sockets: [9003], exe: null, cmdline: '/opt/codex/codex\0exec\0', cwd: '/' },
        { pid: 4245, sockets: [], exe: '/usr/bin/bash', cmdline: 'bash\0', cwd: '/' },
      ],
    );
    const lookup = startLookup(t, { platform: 'linux', procRoot: root });
    const [claude, titled, codex, nobody] = await Promise.all(
      [50001, 50002, 50003, 50004].map((port) => lookup.lookup(local(port))),
    );
    assert.deepEqual(claude, {
      process: { pid: 4242, name: 'claude', cwd: repo.work },
      project: { root: repo.root, name: 'who-project', branch: 'feature/who' },
      user: null,
    });
    assert.deepEqual(titled?.process, { pid: 4243, name: 'claude', cwd: '/' });
    assert.deepEqual(codex?.process, { pid: 4244, name: 'codex', cwd: '/' });
    assert.deepEqual(nobody, UNKNOWN_ORIGIN);
    assert.deepEqual(lookup.counts(), { scans: 1, fullScans: 1 });
  },
);

test(
  'a fake /proc: the recent pids are read first, and a pid already found ends the walk',
  { skip: OFF_LINUX },
  async (t) => {
    const uid = process.getuid?.() ?? 0;
    const root = await fakeProc(t, row(50001, 9001, uid) + row(50002, 9002, uid), [
      { pid: 10, sockets: [9001, 9002], exe: '/usr/bin/node', cmdline: 'node\0a.js\0', cwd: '/' },
    ]);
    const source = createLinuxSource(root);
    const first = await source.scan([local(50001)]);
    assert.equal(first.full, true);
    const second = await source.scan([local(50002)]);
    assert.equal(second.full, false);
    assert.equal([...second.owners.values()][0]?.pid, 10);
    // memex's own pid is never walked: the same tree seen as pid 10 finds nobody.
    const self = await createLinuxSource(root, 10).scan([local(50001)]);
    assert.equal(self.owners.size, 0);
  },
);

test(
  'a fake /proc: sockets of another uid are not looked for without privileges',
  {
    skip:
      OFF_LINUX ||
      (process.getuid?.() === 0 && 'root may look at every uid: run it as another user'),
  },
  async (t) => {
    const uid = process.getuid?.() ?? 0;
    const root = await fakeProc(t, row(50001, 9001, uid + 1), [
      { pid: 10, sockets: [9001], exe: '/usr/bin/node', cmdline: 'node\0', cwd: '/' },
    ]);
    const scan = await createLinuxSource(root).scan([local(50001)]);
    assert.deepEqual(scan, { owners: new Map(), full: false });
  },
);

test(
  "a fake /proc: processes of another uid than the socket's are skipped",
  { skip: OFF_LINUX },
  async (t) => {
    const uid = process.getuid?.() ?? 0;
    if (uid !== 0) {
      t.skip('only root sees sockets of other uids');
      return;
    }
    // The fake pid directory belongs to root; a socket owned by uid 1000 is not in it.
    const root = await fakeProc(t, row(50001, 9001, 1000), [
      { pid: 10, sockets: [9001], exe: '/usr/bin/node', cmdline: 'node\0', cwd: '/' },
    ]);
    const scan = await createLinuxSource(root).scan([local(50001)]);
    assert.equal(scan.owners.size, 0);
    assert.equal(scan.full, true);
  },
);

test(
  'a fake /proc: an IPv4 client missing from the IPv4 table is looked for in the IPv6 one',
  { skip: OFF_LINUX },
  async (t) => {
    const uid = process.getuid?.() ?? 0;
    // An AF_INET6 socket connected to ::ffff:127.0.0.1:8080 from port 50000 (0xC350).
    const mapped = `   0: 0000000000000000FFFF00000100007F:C350 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000 ${uid} 0 9100 1\n`;
    const root = await fakeProc(
      t,
      row(50001, 9001, uid),
      [{ pid: 11, sockets: [9001, 9100], exe: '/usr/bin/node', cmdline: 'node\0', cwd: '/' }],
      mapped,
    );
    const scan = await createLinuxSource(root).scan([local(50000)]);
    assert.equal([...scan.owners.values()][0]?.pid, 11);
  },
);
