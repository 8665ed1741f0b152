// One spelling for the two ends of a TCP connection, whoever prints them: Node's socket
// (`::ffff:127.0.0.1`), the kernel's /proc/net tables (raw bytes), lsof, netstat, PowerShell.

/** A client connection as memex's listener sees it: Node's `remoteAddress`/`localAddress`. */
export interface Connection {
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly proxyAddress: string;
  readonly proxyPort: number;
}

/**
 * An address in one canonical form: IPv4, and IPv4-mapped IPv6 (RFC 4291 §2.5.5.2), dotted;
 * other IPv6 as eight 4-digit lowercase groups, zone dropped. Null for anything else.
 */
export function toAddressKey(text: string): string | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isDottedQuad(bare)) return bare;
  const groups = parseIPv6(bare.split('%', 1)[0] ?? '');
  return groups === null ? null : groupsToKey(groups);
}

/** The key of raw address bytes (4 for IPv4, 16 for IPv6, network order); null otherwise. */
export function bytesToAddressKey(bytes: Uint8Array): string | null {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) return null;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return groupsToKey(groups);
}

/**
 * The key one connection is known by in every table: client end, then memex's end. Null when
 * an address is no IP address.
 */
export function toConnectionKey(
  clientAddress: string,
  clientPort: number,
  proxyAddress: string,
  proxyPort: number,
): string | null {
  const client = toAddressKey(clientAddress);
  const proxy = toAddressKey(proxyAddress);
  if (client === null || proxy === null) return null;
  return `${client} ${clientPort} ${proxy} ${proxyPort}`;
}

/** Splits `host:port` as lsof and netstat print an endpoint (`[::1]:8080` for IPv6). */
export function parseEndpoint(text: string): { address: string; port: number } | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) return null;
  const address = toAddressKey(text.slice(0, colon));
  return address === null ? null : { address, port };
}

function groupsToKey(groups: readonly number[]): string {
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return groups.map((group) => group.toString(16).padStart(4, '0')).join(':');
}

function isDottedQuad(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) < 256);
}

/** The eight 16-bit groups of an IPv6 text form (RFC 4291 §2.2), or null. */
function parseIPv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = toGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function toGroups(text: string): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && isDottedQuad(part)) {
      const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
      groups.push((a << 8) | b, (c << 8) | d);
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}
