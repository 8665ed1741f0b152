// Hop-by-hop header rules (RFC 9110 §7.6.1): what a proxy must not pass on, in both directions.
// Everything else, API keys included, passes unchanged.

/** Headers that describe one connection, never the message (Go's hopHeaders list). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'transfer-encoding',
]);

/** The lowercase header names listed in a Connection header's value(s). */
export function connectionTokens(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = typeof value === 'string' ? value : value.join(',');
  const tokens: string[] = [];
  for (const part of joined.split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '') tokens.push(token);
  }
  return tokens;
}

/**
 * Removes, in place, the hop-by-hop headers of a parsed (lowercase-keyed) header object: the fixed
 * list, every header named in Connection, and `expect`, which the listening server has already
 * answered with `100 Continue` on the client's hop.
 */
export function removeHopByHop(headers: Record<string, string | string[] | undefined>): void {
  // Header names are data here (RFC 9110 §7.6.1 lets Connection name any field).
  /* eslint-disable @typescript-eslint/no-dynamic-delete */
  const named = headers['connection'];
  if (named !== undefined) {
    for (const token of connectionTokens(named)) delete headers[token];
  }
  for (const name of HOP_BY_HOP) {
    if (name in headers) delete headers[name];
  }
  if ('expect' in headers) delete headers['expect'];
  /* eslint-enable @typescript-eslint/no-dynamic-delete */
}

/**
 * Copies a raw header list (`[name, value, name, value, …]`, as Node gives it) without its
 * hop-by-hop entries, keeping the sender's order, letter case and repeated fields.
 */
export function withoutHopByHop(raw: readonly string[]): string[] {
  let named: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'connection') {
      named = (named ?? []).concat(connectionTokens(raw[i + 1]));
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (name === undefined || value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.includes(lower) === true) continue;
    out.push(name, value);
  }
  return out;
}

/**
 * Removes, in place, what a client says about earlier hops: `X-Forwarded-*`, `Forwarded` and
 * `Via`. In reverse mode memex is the client's endpoint, so these would only let a client put
 * claims about addresses and proxies in front of the vendor under memex's name.
 */
export function removeForwardingHeaders(
  headers: Record<string, string | string[] | undefined>,
): void {
  /* eslint-disable @typescript-eslint/no-dynamic-delete */
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-forwarded-') || name === 'forwarded' || name === 'via') {
      delete headers[name];
    }
  }
  /* eslint-enable @typescript-eslint/no-dynamic-delete */
}
