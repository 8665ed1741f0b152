// Errors memex makes, each with a stable code: ProxyError for what a client is answered,
// ConfigError for configuration, ListenError for a listener that could not open; and the one
// table that maps a socket errno to a code and a code to an HTTP status (STYLE.md, Errors).

import { issueText } from '../shared/config-text.js';

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
  | 'HISTORY_OFF'
  | 'HISTORY_UNAVAILABLE'
  | 'METRICS_TOKEN_REQUIRED'
  | 'METRICS_UNAVAILABLE';

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
  HISTORY_OFF: 404,
  HISTORY_UNAVAILABLE: 503,
  METRICS_TOKEN_REQUIRED: 401,
  METRICS_UNAVAILABLE: 503,
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

/** A failure memex reports to the client itself, answered with `toStatus(code)`. */
export class ProxyError extends Error {
  readonly code: ProxyErrorCode;

  constructor(code: ProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
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

export type ConfigErrorCode =
  'CONFIG_INVALID' | 'CONFIG_SYNTAX' | 'CONFIG_NOT_FOUND' | 'CONFIG_UNREADABLE';

/** One problem in a config, located as precisely as the parser allows. */
export interface ConfigIssue {
  /** Dotted key path (`upstreams.openai`); '' for the document itself. */
  readonly keyPath: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * A config that cannot be used. Its message has one line per issue, each
 * `FILE:LINE:COLUMN: KEY.PATH: what is wrong` (no location when `file` is '': a config that is
 * wrong as a whole, like an exposed listener without credentials).
 */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(
    code: ConfigErrorCode,
    file: string,
    issues: readonly ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'), options);
    this.name = 'ConfigError';
    this.code = code;
    this.file = file;
    this.issues = issues;
  }

  /** Key path of the first issue. */
  get keyPath(): string {
    return this.issues[0]?.keyPath ?? '';
  }

  /** Line of the first issue, when known. */
  get line(): number | undefined {
    return this.issues[0]?.line;
  }
}

// The one wording of an issue, shared with the tray and the dashboard (shared/config-text.ts).
function formatIssue(file: string, issue: ConfigIssue): string {
  const { keyPath, ...where } = issue;
  return issueText(file, { key: keyPath, ...where });
}

export type ListenErrorCode =
  'PORT_IN_USE' | 'ADDRESS_UNAVAILABLE' | 'PERMISSION_DENIED' | 'LISTEN_FAILED';

/** Why the proxy could not listen. */
export class ListenError extends Error {
  readonly code: ListenErrorCode;
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, cause: unknown) {
    const errno = errnoOf(cause);
    const code: ListenErrorCode =
      errno === 'EADDRINUSE'
        ? 'PORT_IN_USE'
        : errno === 'EADDRNOTAVAIL' || errno === 'ENOTFOUND'
          ? 'ADDRESS_UNAVAILABLE'
          : errno === 'EACCES'
            ? 'PERMISSION_DENIED'
            : 'LISTEN_FAILED';
    const where = `${host}:${port}`;
    const messages: Readonly<Record<ListenErrorCode, string>> = {
      PORT_IN_USE: `port ${port} on ${host} is already in use; pick another with --port (0 picks any free port)`,
      ADDRESS_UNAVAILABLE: `cannot listen on ${where}: ${host} is not an address of this machine`,
      PERMISSION_DENIED: `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`,
      LISTEN_FAILED: `cannot listen on ${where}: ${errno ?? String(cause)}`,
    };
    super(messages[code], { cause });
    this.name = 'ListenError';
    this.code = code;
    this.host = host;
    this.port = port;
  }
}
