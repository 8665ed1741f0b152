// Where an exposed (non-loopback) memex may connect: public addresses only. Checked on the
// address DNS returned, inside the dial itself, so a name cannot resolve to a public address for
// the check and to a private one for the connection (DNS rebinding).

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import { bareHost } from '../../shared/address.js';
import { isLoopbackHost } from '../config/config.js';
import { ProxyError } from '../errors.js';

// Loopback, link-local (cloud metadata 169.254.169.254 included), private and unspecified
// ranges: a proxy reachable from a LAN must not become a way into this machine or its network.
const FORBIDDEN: BlockList = toBlockList([
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
]);

function toBlockList(ranges: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

/** True for an IP address an exposed memex must not connect to; false for names and public IPs. */
export function isForbiddenAddress(address: string): boolean {
  const bare = bareHost(address);
  const family = isIP(bare);
  if (family === 4) return FORBIDDEN.check(bare, 'ipv4');
  if (family !== 6) return false;
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) reaches the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped !== undefined) return FORBIDDEN.check(mapped, 'ipv4');
  return FORBIDDEN.check(bare, 'ipv6');
}

/** The error a forbidden destination fails with (403 DESTINATION_FORBIDDEN). */
export function forbiddenDestination(host: string): ProxyError {
  return new ProxyError(
    'DESTINATION_FORBIDDEN',
    `${host} is a loopback, link-local or private address; memex listening beyond loopback ` +
      'connects to public addresses only',
  );
}

/**
 * A `lookup` for net.connect that resolves as usual, then fails with DESTINATION_FORBIDDEN when
 * any address is forbidden. The socket dials exactly the address returned here. IP literals never
 * reach a lookup: check them with `isForbiddenAddress` first.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err !== null) {
      callback(err, '', 0);
      return;
    }
    if (addresses.some((entry) => isForbiddenAddress(entry.address))) {
      callback(forbiddenDestination(hostname), '', 0);
      return;
    }
    if (options.all === true) {
      (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, addresses);
      return;
    }
    const first = addresses[0];
    if (first === undefined) {
      callback(
        Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
        '',
        0,
      );
      return;
    }
    callback(null, first.address, first.family);
  });
};

/** The host names and addresses that reach this memex (besides loopback), read once. */
export function ownAddresses(listenHost: string): ReadonlySet<string> {
  const own = new Set<string>([listenHost.toLowerCase(), '0.0.0.0', '::']);
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) own.add(entry.address.toLowerCase());
  }
  return own;
}

/**
 * True when `host:port` is memex's own listener: the request would come straight back in (508).
 * `own` comes from `ownAddresses`.
 */
export function isSelf(
  host: string,
  port: number,
  listenPort: number,
  own: ReadonlySet<string>,
): boolean {
  if (port !== listenPort) return false;
  const lower = bareHost(host).toLowerCase();
  return isLoopbackHost(lower) || own.has(lower);
}
