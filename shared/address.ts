// Host and port spelling rules every process needs: an IPv6 literal's brackets (RFC 3986 §3.2.2)
// and the default port of a scheme. Pure.

/** `[::1]` → `::1`; any other host unchanged. */
export function bareHost(host: string): string {
  return host.length > 1 && host.charCodeAt(0) === 91 /* [ */ && host.endsWith(']')
    ? host.slice(1, -1)
    : host;
}

/** The port a URL without one means: 443 for https, 80 for http (RFC 9110 §4.2). */
export function defaultPort(secure: boolean): number {
  return secure ? 443 : 80;
}
