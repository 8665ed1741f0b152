// What Linux's /proc says about sockets and processes, parsed from its text: the TCP tables
// (/proc/net/tcp, /proc/net/tcp6), fd links (`socket:[inode]`) and command lines.

import { bytesToAddressKey, toConnectionKey, type Connection } from './address.js';

export interface TcpRow {
  /** Canonical address keys (address.ts) and ports. */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The kernel's TCP state number (include/net/tcp_states.h). */
  readonly state: number;
  /** The uid of the socket's owner. */
  readonly uid: number;
  /** The socket's inode; 0 for a connection no process holds (TIME_WAIT). */
  readonly inode: number;
}

/** A socket found for a connection: its inode and the uid that owns it. */
export interface Socket {
  readonly inode: number;
  readonly uid: number;
}

/**
 * States in which a process still holds its end: established, or closing with the descriptor
 * still open (FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, CLOSING).
 */
const HELD_STATES: ReadonlySet<number> = new Set([0x01, 0x04, 0x05, 0x08, 0x09, 0x0b]);

/**
 * The rows of a /proc/net/tcp or tcp6 table. Addresses are printed as 32-bit words in the
 * machine's byte order (`%08X` of the network-order bytes read as a native integer:
 * 127.0.0.1 is `0100007F` on x86), ports as plain hex. Malformed lines are skipped.
 */
export function parseTcpTable(text: string, littleEndian: boolean): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const [, local, remote, state, , , , uid, , inode] = fields;
    if (local === undefined || remote === undefined || state === undefined) continue;
    if (uid === undefined || inode === undefined) continue;
    const localEnd = parseHexEndpoint(local, littleEndian);
    const remoteEnd = parseHexEndpoint(remote, littleEndian);
    if (localEnd === null || remoteEnd === null || !/^[0-9A-F]{2}$/i.test(state)) continue;
    if (!/^\d+$/.test(uid) || !/^\d+$/.test(inode)) continue;
    rows.push({
      localAddress: localEnd.address,
      localPort: localEnd.port,
      remoteAddress: remoteEnd.address,
      remotePort: remoteEnd.port,
      state: parseInt(state, 16),
      uid: Number(uid),
      inode: Number(inode),
    });
  }
  return rows;
}

/**
 * For each connection (by its connection key), the socket of its client end: the row whose
 * local end is the client and whose remote end is memex, held by some process.
 */
export function findSockets(
  rows: readonly TcpRow[],
  connections: readonly Connection[],
): Map<string, Socket> {
  const held = new Map<string, Socket>();
  for (const row of rows) {
    if (row.inode === 0 || !HELD_STATES.has(row.state)) continue;
    const key = toConnectionKey(row.localAddress, row.localPort, row.remoteAddress, row.remotePort);
    if (key !== null) held.set(key, { inode: row.inode, uid: row.uid });
  }
  const found = new Map<string, Socket>();
  for (const connection of connections) {
    const key = toConnectionKey(
      connection.clientAddress,
      connection.clientPort,
      connection.proxyAddress,
      connection.proxyPort,
    );
    const socket = key === null ? undefined : held.get(key);
    if (key !== null && socket !== undefined) found.set(key, socket);
  }
  return found;
}

/** The inode of an fd link's target `socket:[12345]`; null for any other file. */
export function parseSocketLink(target: string): number | null {
  const match = /^socket:\[(\d+)\]$/.exec(target);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/**
 * The arguments in /proc/<pid>/cmdline: NUL-terminated strings. A process that rewrote its
 * title (Node's `process.title`) leaves NUL padding after it, which is dropped.
 */
export function parseCmdline(text: string): string[] {
  return text.split('\0').filter((arg) => arg !== '');
}

/** The target of /proc/<pid>/exe without the ` (deleted)` the kernel adds once it is replaced. */
export function toExecutablePath(link: string): string {
  return link.endsWith(' (deleted)') ? link.slice(0, -' (deleted)'.length) : link;
}

function parseHexEndpoint(
  text: string,
  littleEndian: boolean,
): { address: string; port: number } | null {
  const match = /^([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4})$/i.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  const hex = match[1];
  const bytes = new Uint8Array(hex.length / 2);
  const view = new DataView(bytes.buffer);
  for (let word = 0; word < hex.length / 8; word++) {
    view.setUint32(word * 4, parseInt(hex.slice(word * 8, word * 8 + 8), 16), littleEndian);
  }
  const address = bytesToAddressKey(bytes);
  return address === null ? null : { address, port: parseInt(match[2], 16) };
}
