// Linux: the owner of a connection's client end, from /proc. The TCP tables give the socket's
// inode (and its owner's uid); the process is the one with an fd linking to `socket:[inode]`.
//
//   /proc/net/tcp, tcp6 ──inode, uid──▶ recently found pids' fds ──not all found──▶ every pid
//   of that uid: /proc/<pid>/fd/* ──pid──▶ exe, cmdline, cwd (on demand)

import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { toAddressKey, type Connection } from './address.js';
import { parseCommand } from './name.js';
import {
  findSockets,
  parseCmdline,
  parseSocketLink,
  parseTcpTable,
  toExecutablePath,
  type Socket,
  type TcpRow,
} from './proc.js';
import type { OriginSource, Owner, ProcessInfo } from './source.js';

/** Pids whose fds are read before all of /proc: an agent opens many connections. */
export const RECENT_PIDS = 16;

/**
 * Processes whose fds are read at once in a full scan, and fd links read at once per process:
 * enough to keep libuv's 4 threads busy (a lone readlink waits for a thread to wake), few
 * enough that the proxy's own file reads do not queue behind a scan for long.
 */
export const SCAN_CONCURRENCY = 4;
export const FD_BATCH = 32;

/**
 * Finds owners under `procRoot` (a fake tree in tests). memex's own process is never scanned:
 * it holds the most sockets of all under load, and a connection to itself is none of an
 * agent's.
 */
export function createLinuxSource(procRoot = '/proc', selfPid = process.pid): OriginSource {
  const littleEndian = endianness() === 'LE';
  // Without privileges only our own processes' fds can be read; others' are not tried.
  const ownUid = process.getuid?.() ?? 0;
  const recent: number[] = [];

  return {
    async scan(connections: readonly Connection[]) {
      const sockets = await findAllSockets(procRoot, connections, littleEndian);
      const wanted = new Map<number, string>();
      const uids = new Set<number>();
      for (const [key, socket] of sockets) {
        if (ownUid !== 0 && socket.uid !== ownUid) continue;
        wanted.set(socket.inode, key);
        uids.add(socket.uid);
      }
      const pids = new Map<string, number>();
      const checked = new Set(wanted.size === 0 ? [] : recent);
      await Promise.all([...checked].map((pid) => matchFds(procRoot, pid, wanted, pids)));
      const full = wanted.size > 0;
      if (full) {
        const candidates = (await readdir(procRoot).catch(() => []))
          .filter((entry) => /^\d+$/.test(entry))
          .map(Number)
          .filter((pid) => pid !== selfPid && !checked.has(pid));
        await forEachLimited(candidates, SCAN_CONCURRENCY, async (pid) => {
          if (wanted.size === 0) return;
          const owner = await stat(join(procRoot, String(pid))).catch(() => null);
          if (owner !== null && uids.has(owner.uid)) await matchFds(procRoot, pid, wanted, pids);
        });
      }
      const owners = new Map<string, Owner>();
      for (const [key, pid] of pids) {
        remember(recent, pid);
        owners.set(key, { pid, describe: () => describeProcess(procRoot, pid) });
      }
      return { owners, full };
    },
  };
}

/**
 * The client ends' sockets from the TCP tables. Reading a table walks the kernel's whole TCP
 * hash however few sockets there are (about 5 ms with 262,144 buckets), so the IPv6 table is
 * read only for IPv6 clients, and for IPv4 ones the IPv4 table lacks (an AF_INET6 socket
 * connected to an IPv4-mapped address).
 */
async function findAllSockets(
  procRoot: string,
  connections: readonly Connection[],
  littleEndian: boolean,
): Promise<Map<string, Socket>> {
  const read = (name: string): Promise<TcpRow[]> =>
    readFile(join(procRoot, 'net', name), 'latin1').then(
      (text) => parseTcpTable(text, littleEndian),
      () => [],
    );
  const ipv4 = connections.some((c) => toAddressKey(c.clientAddress)?.includes('.') === true);
  const ipv6 = connections.some((c) => toAddressKey(c.clientAddress)?.includes(':') === true);
  const [tcp, tcp6] = await Promise.all([ipv4 ? read('tcp') : [], ipv6 ? read('tcp6') : []]);
  const found = findSockets([...tcp, ...tcp6], connections);
  if (ipv6 || found.size === connections.length) return found;
  for (const [key, socket] of findSockets(await read('tcp6'), connections)) found.set(key, socket);
  return found;
}

/**
 * Name and directory of `pid`; null once it has exited. The name comes from the executable
 * (`exe`, else the command line's first argument), never `comm`: Node 24 names its main thread
 * `MainThread`, which `comm` then says, and `comm` is cut at 15 characters.
 */
export async function describeProcess(procRoot: string, pid: number): Promise<ProcessInfo | null> {
  const base = join(procRoot, String(pid));
  const [exe, cmdline, cwd] = await Promise.all([
    readlink(join(base, 'exe')).catch(() => null),
    readFile(join(base, 'cmdline'), 'utf8').catch(() => null),
    readlink(join(base, 'cwd')).catch(() => null),
  ]);
  const args = cmdline === null ? [] : parseCmdline(cmdline);
  const executable = exe === null ? args[0] : toExecutablePath(exe);
  if (executable === undefined) return null;
  return { name: parseCommand(executable, args).name, cwd, directory: cwd };
}

/** Moves each inode of `wanted` found among `pid`'s fds into `found` (by connection key). */
async function matchFds(
  procRoot: string,
  pid: number,
  wanted: Map<number, string>,
  found: Map<string, number>,
): Promise<void> {
  const fdDir = join(procRoot, String(pid), 'fd');
  const fds = await readdir(fdDir).catch(() => []);
  for (let start = 0; start < fds.length && wanted.size > 0; start += FD_BATCH) {
    const targets = await Promise.all(
      fds.slice(start, start + FD_BATCH).map((fd) => readlink(join(fdDir, fd)).catch(() => null)),
    );
    for (const target of targets) {
      const inode = target === null ? null : parseSocketLink(target);
      const key = inode === null ? undefined : wanted.get(inode);
      if (inode === null || key === undefined) continue;
      found.set(key, pid);
      wanted.delete(inode);
    }
  }
}

function remember(recent: number[], pid: number): void {
  const index = recent.indexOf(pid);
  if (index !== -1) recent.splice(index, 1);
  recent.unshift(pid);
  if (recent.length > RECENT_PIDS) recent.length = RECENT_PIDS;
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  // The workers share one iterator, so each item is taken by exactly one of them.
  const queue = items.values();
  const worker = async (): Promise<void> => {
    for (const item of queue) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
