// History as an HTTP Archive (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/): one entry
// per stored request, its headers and bodies when the inspector captured them, its metadata
// alone otherwise, and memex's own fields under `_` names (the spec's rule for custom fields).
// Pure: the export writes what this returns.

import type {
  Capture,
  CapturedBody,
  CapturedEvent,
  CapturedHeader,
  HistoryRow,
} from './history.js';
import type { SchemaId } from './schemas.js';

export interface Har {
  readonly log: HarLog;
}

export interface HarLog {
  readonly version: '1.2';
  readonly creator: HarCreator;
  readonly entries: readonly HarEntry[];
}

export interface HarCreator {
  readonly name: string;
  readonly version: string;
}

export interface HarHeader {
  readonly name: string;
  readonly value: string;
}

export interface HarEntry {
  /** When the request arrived, ISO 8601 in UTC. */
  readonly startedDateTime: string;
  /** The whole exchange in ms: the sum of the timings. */
  readonly time: number;
  readonly request: HarRequest;
  readonly response: HarResponse;
  /** memex keeps no cache state. */
  readonly cache: Readonly<Record<string, never>>;
  readonly timings: HarTimings;
  readonly _schema: SchemaId;
  /** False when the response was cut short. */
  readonly _complete: boolean;
  readonly _model: string | null;
  readonly _tokens: HarTokens | null;
  readonly _cost: number | null;
  readonly _client: { readonly name: string; readonly version: string | null } | null;
  readonly _session: string | null;
  readonly _project: {
    readonly root: string;
    readonly name: string | null;
    readonly branch: string | null;
  } | null;
}

export interface HarTokens {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

export interface HarRequest {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly cookies: readonly never[];
  readonly headers: readonly HarHeader[];
  readonly queryString: readonly never[];
  readonly postData?: HarPostData;
  readonly headersSize: -1;
  readonly bodySize: number;
}

export interface HarPostData {
  readonly mimeType: string;
  readonly text?: string;
  readonly comment?: string;
}

export interface HarResponse {
  readonly status: number;
  readonly statusText: string;
  readonly httpVersion: string;
  readonly cookies: readonly never[];
  readonly headers: readonly HarHeader[];
  readonly content: HarContent;
  readonly redirectURL: '';
  readonly headersSize: -1;
  /** The body's bytes on the wire; -1 when only the head and body together were counted. */
  readonly bodySize: number;
}

export interface HarContent {
  readonly size: number;
  readonly mimeType: string;
  readonly text?: string;
  readonly comment?: string;
}

export interface HarTimings {
  readonly send: number;
  /** Until the first byte of the response. */
  readonly wait: number;
  readonly receive: number;
}

// memex relays HTTP/1.1 on both sides (node:http).
const HTTP_VERSION = 'HTTP/1.1';

/**
 * `rows` as a HAR log, with each row's capture from `captures` (by row id) where there is one.
 * No url carries a query string: history never stores one, and a path that somehow held one
 * loses it here too.
 */
export function toHar(
  rows: readonly HistoryRow[],
  captures: ReadonlyMap<number, Capture>,
  creator: HarCreator,
): Har {
  return {
    log: {
      version: '1.2',
      creator: { name: creator.name, version: creator.version },
      entries: rows.map((row) => toEntry(row, captures.get(row.id) ?? null)),
    },
  };
}

function toEntry(row: HistoryRow, capture: Capture | null): HarEntry {
  const wait = Math.min(row.ttfbMs ?? row.durationMs, row.durationMs);
  const receive = row.durationMs - wait;
  const tokens =
    row.input === null || row.output === null
      ? null
      : {
          input: row.input,
          output: row.output,
          cacheRead: row.cacheRead ?? 0,
          cacheWrite: row.cacheWrite ?? 0,
        };
  return {
    startedDateTime: new Date(row.time).toISOString(),
    time: wait + receive,
    request: toRequest(row, capture),
    response: toResponse(row, capture),
    cache: {},
    timings: { send: 0, wait, receive },
    _schema: row.schema,
    _complete: row.complete,
    _model: row.model,
    _tokens: tokens,
    _cost: row.cost,
    _client: row.client === null ? null : { name: row.client, version: row.clientVersion },
    _session: row.session,
    _project:
      row.projectRoot === null
        ? null
        : { root: row.projectRoot, name: row.projectName, branch: row.branch },
  };
}

function toRequest(row: HistoryRow, capture: Capture | null): HarRequest {
  const headers = capture?.requestHeaders ?? [];
  const body = capture?.requestBody ?? null;
  return {
    method: row.method,
    url: toUrl(row.host, row.path),
    httpVersion: HTTP_VERSION,
    cookies: [],
    headers: headers.map(toHeader),
    queryString: [],
    ...(body === null
      ? {}
      : { postData: { mimeType: contentType(headers), ...bodyText(body, null) } }),
    headersSize: -1,
    bodySize: row.bytesIn,
  };
}

function toResponse(row: HistoryRow, capture: Capture | null): HarResponse {
  const headers = capture?.responseHeaders ?? [];
  const body = capture?.responseBody ?? null;
  const events = capture?.events ?? null;
  return {
    status: row.status,
    // memex keeps the status code only; HTTP/2 has no reason phrase at all (RFC 9113 §8.3.2).
    statusText: '',
    httpVersion: HTTP_VERSION,
    cookies: [],
    headers: headers.map(toHeader),
    content: {
      size: body?.bytes ?? 0,
      mimeType: contentType(headers),
      ...(body === null ? {} : bodyText(body, events)),
    },
    redirectURL: '',
    headersSize: -1,
    bodySize: body?.bytes ?? -1,
  };
}

function toHeader([name, value]: CapturedHeader): HarHeader {
  return { name, value };
}

function contentType(headers: readonly CapturedHeader[]): string {
  return headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
}

// A body that is not text keeps only its size; a stream whose body text was not kept is written
// back from its events, in the event-stream format (WHATWG HTML §9.2.5).
function bodyText(
  body: CapturedBody,
  events: readonly CapturedEvent[] | null,
): { text?: string; comment?: string } {
  const text = body.text ?? (events === null ? null : events.map(toEventText).join(''));
  if (text === null) return { comment: 'not text: only its size is kept' };
  return body.truncated ? { text, comment: 'truncated at the inspector’s size limit' } : { text };
}

function toEventText({ event, data }: CapturedEvent): string {
  const lines = data.split('\n').map((line) => `data: ${line}\n`);
  return `${event === '' ? '' : `event: ${event}\n`}${lines.join('')}\n`;
}

// The host of a request refused before it had an upstream (history's host is '' then), or of one
// whose host is no valid name: `.invalid` never resolves (RFC 6761 §6.4).
const NO_HOST = 'memex.invalid';

/**
 * The request's URL: https, except to this machine or a private network (Ollama and other local
 * servers speak plain http); the path without query or fragment.
 */
export function toUrl(host: string, path: string): string {
  const origin =
    host === '' ? `http://${NO_HOST}` : `${isLocal(host) ? 'http' : 'https'}://${host}`;
  const url = URL.canParse(origin) ? new URL(origin) : new URL(`http://${NO_HOST}`);
  // Setting the pathname percent-encodes whatever a path must not hold, `?` and `#` included.
  url.pathname = path.split(/[?#]/, 1)[0] ?? '';
  return url.href;
}

const LOCAL_NAME = /^(?:localhost|.*\.localhost|.*\.local|\[::1\]|0\.0\.0\.0)$/i;
const PRIVATE_ADDRESS = /^(?:127\.|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.)/;

function isLocal(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return name !== undefined && (LOCAL_NAME.test(name) || PRIVATE_ADDRESS.test(name));
}
