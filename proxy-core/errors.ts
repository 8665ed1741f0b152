// Errors memex makes: stable codes, and the one table that maps a socket errno to a code and a
// code to an HTTP status (STYLE.md, Errors).

/** Codes of failures that memex answers for itself, tagged `x-memex-error: CODE`. */
export type ProxyErrorCode =
  | 'UPSTREAM_REFUSED'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_DNS'
  | 'UPSTREAM_RESET'
  | 'UPSTREAM_TLS'
  | 'UPSTREAM_CONNECT_TIMEOUT'
  | 'RESPONSE_TIMEOUT'
  | 'BAD_REQUEST'
  | 'NO_ROUTE'
  | 'METHOD_NOT_ALLOWED'
  | 'CONNECT_PORT_FORBIDDEN'
  | 'BROWSER_REFUSED'
  | 'HOST_REFUSED'
  | 'DESTINATION_FORBIDDEN'
  | 'PROXY_AUTH_REQUIRED'
  | 'LOOP_DETECTED'
  | 'INTERNAL';

const STATUS: Readonly<Record<ProxyErrorCode, number>> = {
  UPSTREAM_REFUSED: 502,
  UPSTREAM_UNREACHABLE: 502,
  UPSTREAM_DNS: 502,
  UPSTREAM_RESET: 502,
  UPSTREAM_TLS: 502,
  UPSTREAM_CONNECT_TIMEOUT: 504,
  RESPONSE_TIMEOUT: 504,
  BAD_REQUEST: 400,
  NO_ROUTE: 404,
  METHOD_NOT_ALLOWED: 405,
  CONNECT_PORT_FORBIDDEN: 403,
  BROWSER_REFUSED: 403,
  HOST_REFUSED: 403,
  DESTINATION_FORBIDDEN: 403,
  PROXY_AUTH_REQUIRED: 407,
  // RFC 5842 §7.2: the one standard status for a request that would loop.
  LOOP_DETECTED: 508,
  INTERNAL: 500,
};

const ERRNO: Readonly<Record<string, ProxyErrorCode>> = {
  ECONNREFUSED: 'UPSTREAM_REFUSED',
  EHOSTUNREACH: 'UPSTREAM_UNREACHABLE',
  ENETUNREACH: 'UPSTREAM_UNREACHABLE',
  EHOSTDOWN: 'UPSTREAM_UNREACHABLE',
  EADDRNOTAVAIL: 'UPSTREAM_UNREACHABLE',
  ENOTFOUND: 'UPSTREAM_DNS',
  EAI_AGAIN: 'UPSTREAM_DNS',
  EAI_FAIL: 'UPSTREAM_DNS',
  ECONNRESET: 'UPSTREAM_RESET',
  EPIPE: 'UPSTREAM_RESET',
  ECONNABORTED: 'UPSTREAM_RESET',
  ETIMEDOUT: 'UPSTREAM_CONNECT_TIMEOUT',
};

/** A failure memex reports to the client itself; `status` is the HTTP status it answers with. */
export class ProxyError extends Error {
  readonly code: ProxyErrorCode;
  readonly status: number;

  constructor(code: ProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
    this.status = STATUS[code];
  }
}

/** The status memex answers with for a code. */
export function toStatus(code: ProxyErrorCode): number {
  return STATUS[code];
}

/** Maps an error from a socket, DNS or TLS to the code memex reports. */
export function toProxyErrorCode(err: unknown): ProxyErrorCode {
  if (err instanceof ProxyError) return err.code;
  const errno = errnoOf(err);
  if (errno === undefined) return 'UPSTREAM_RESET';
  const mapped = ERRNO[errno];
  if (mapped !== undefined) return mapped;
  if (isTlsErrno(errno)) return 'UPSTREAM_TLS';
  return 'UPSTREAM_RESET';
}

/** The errno string (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, …) of an error, if it has one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' ? code : undefined;
}

function isTlsErrno(errno: string): boolean {
  return (
    errno.startsWith('ERR_TLS_') ||
    errno.startsWith('ERR_SSL_') ||
    errno.startsWith('CERT_') ||
    errno.includes('SELF_SIGNED') ||
    errno.startsWith('UNABLE_TO_') ||
    errno === 'HOSTNAME_MISMATCH'
  );
}

/** The JSON body of every memex-generated error: `{"error":{"type":"proxy_error",…}}`. */
export function toErrorBody(code: ProxyErrorCode, message: string): string {
  return JSON.stringify({ error: { type: 'proxy_error', code, message } });
}
