// One request/response pair as memex records it: the ServerResponse subclass the server creates
// (and upgrade.ts creates for a WebSocket handshake). Its context (schema, host, path, timeouts)
// is set once, when the request is admitted and routed, and only read afterwards; the exchange is
// recorded once, when the response closes — for a WebSocket, when the socket does.

import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { LimitsReading } from '../../shared/limits.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import type { SchemaId } from '../../shared/schemas.js';
import { DEFAULT_CONFIG, type Timeouts } from '../config/config.js';
import type { Stats } from '../stats.js';
import { readHeadLimits } from '../observe/response.js';
import type { UsageOutcome } from '../usage/outcome.js';
import { clientOf, sessionOf } from '../observe/client.js';
import { ConnectionOrigin } from './attribution.js';
import type { HistorySink } from '../history/history.js';
import { Inspection, type InspectorSetting } from '../observe/inspect.js';

/** What the stages after routing know about a request; built once per request. */
export interface ExchangeContext {
  readonly schema: SchemaId;
  /** Upstream host, for stats ('' when refused before routing). */
  readonly host: string;
  /** The client's path without the query (a query can carry a key, `?key=`). */
  readonly path: string;
  readonly timeouts: Timeouts;
  /** The proxy user whose credentials let the request in (an exposed listener's), or null. */
  readonly user: string | null;
  /** Where the finished exchange is kept (history on), or null. */
  readonly history: HistorySink | null;
  /** What the request inspector keeps of the exchange (inspector and history on), or null. */
  readonly inspector: InspectorSetting | null;
}

/** The context of a request refused before it was routed to anything. */
export function refusedContext(path: string): ExchangeContext {
  return {
    schema: 'unknown',
    host: '',
    path,
    timeouts: DEFAULT_CONFIG.timeouts,
    user: null,
    history: null,
    inspector: null,
  };
}

/** Who sent an exchange, as its record names them. */
export type WhoFields = Pick<RequestRecord, 'client' | 'session' | 'process' | 'project' | 'user'>;

const UNTRACKED: ExchangeContext = refusedContext('');
const NO_ORIGIN = new ConnectionOrigin({ process: null, project: null, user: null });

export class Exchange extends ServerResponse {
  #context: ExchangeContext = UNTRACKED;
  /** What the response said about tokens, once its usage reader is done. */
  usage: UsageOutcome | undefined = undefined;
  // A compressed body's usage arrives after the response closed: recording waits for it.
  #usagePending = false;
  #recordDue = false;
  // The usage reader saw the stream's terminal event: the client had the whole reply.
  #terminal = false;
  // A WebSocket: 101 relayed, then the spliced sockets; `#cut` when either side failed.
  #upgraded = false;
  #cut = false;
  #stats: Stats | undefined;
  #clientSocket: Socket | undefined;
  #startedAt = 0;
  // performance.now() of the upstream's response head and of its first body byte (0: not yet).
  #headAt = 0;
  #firstByteAt = 0;
  // performance.now() of a stream's first content event, from the usage reader (0: none).
  #contentAt = 0;
  #bytesInAt = 0;
  #bytesOutAt = 0;
  #origin: ConnectionOrigin = NO_ORIGIN;
  // When the exchange ended, and its bytes then: recording may wait for usage and the origin,
  // and a keep-alive connection's next request must not count into this one.
  #endedAt = 0;
  #bytesIn = 0;
  #bytesOut = 0;

  get context(): ExchangeContext {
    return this.#context;
  }

  /**
   * Starts accounting with `context` and the connection's `origin`; the exchange is recorded
   * when the response closes.
   */
  track(stats: Stats, context: ExchangeContext, origin: ConnectionOrigin): void {
    const socket = this.req.socket;
    this.#context = context;
    this.#origin = origin;
    this.#stats = stats;
    this.#clientSocket = socket;
    this.#startedAt = performance.now();
    this.#bytesInAt = socket.bytesRead;
    this.#bytesOutAt = socket.bytesWritten;
    stats.requestStarted();
    if (context.inspector !== null) this.inspection = new Inspection(context.inspector);
    this.once('close', recordExchange);
  }

  /** The upstream's response head arrived (relay.ts). */
  responseHead(): void {
    this.#headAt = performance.now();
  }

  /** The first byte of the response body arrived (observe/response.ts). */
  readonly firstByte = (): void => {
    this.#firstByteAt = performance.now();
  };

  /** What the inspector keeps while the exchange relays; set only while the inspector is on. */
  inspection: Inspection | undefined = undefined;

  /** The upstream's response, whose head's limits are read when the exchange is recorded. */
  limitsHead: IncomingMessage | undefined = undefined;

  /** What the response head said about limits, for the credential `fingerprint`. */
  limitsRead(reading: LimitsReading, fingerprint: string): void {
    this.#stats?.limitsRead(this.#context.host, fingerprint, reading, this.statusCode);
  }

  /** A usage reader is reading this response: recording waits for {@link usageRead}. */
  usageStarted(): void {
    this.#usagePending = true;
  }

  /** The usage reader's outcome; records the exchange if it closed meanwhile. */
  usageRead(outcome: UsageOutcome, terminal: boolean, contentAt = 0): void {
    this.usage = outcome;
    this.#terminal = terminal;
    this.#contentAt = contentAt;
    this.#usagePending = false;
    if (this.#recordDue) this.record();
  }

  /** The upstream answered 101 and the sockets are spliced: recorded as status 101 at close. */
  upgraded(): void {
    this.#upgraded = true;
  }

  /** A side of the WebSocket failed (reset, timeout): the record says incomplete. */
  upgradeCut(): void {
    this.#cut = true;
  }

  /** Records the finished exchange; called when the response closes, then by what it awaits. */
  record(): void {
    const socket = this.#clientSocket;
    if (!this.#recordDue) {
      this.#recordDue = true;
      this.#endedAt = performance.now();
      if (socket !== undefined) {
        this.#bytesIn = socket.bytesRead - this.#bytesInAt;
        this.#bytesOut = socket.bytesWritten - this.#bytesOutAt;
      }
    }
    if (this.#usagePending) return;
    const stats = this.#stats;
    if (stats === undefined || socket === undefined) return;
    const context = this.#context;
    const durationMs = this.#endedAt - this.#startedAt;
    // Epoch time of the performance.now() clock's zero point, for the wall-clock times below.
    const epoch = Date.now() - performance.now();
    const head = this.limitsHead;
    if (head !== undefined) {
      this.limitsHead = undefined;
      readHeadLimits(head, this, epoch + this.#headAt);
    }
    const firstAt = this.#firstByteAt === 0 ? this.#headAt : this.#firstByteAt;
    const origin = this.#origin;
    const record: RequestRecord = {
      time: epoch + this.#startedAt,
      method: this.req.method ?? '',
      host: context.host,
      path: context.path,
      schema: context.schema,
      status: this.#upgraded ? 101 : this.headersSent ? this.statusCode : 0,
      complete: this.#upgraded ? !this.#cut : this.writableFinished || this.#terminal,
      durationMs: Math.round(durationMs * 100) / 100,
      ...(firstAt === 0 ? {} : { ttfbMs: Math.round((firstAt - this.#startedAt) * 100) / 100 }),
      ...(this.#contentAt === 0
        ? {}
        : { firstContentMs: Math.round((this.#contentAt - this.#startedAt) * 100) / 100 }),
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      ...(this.usage === undefined ? {} : { usage: this.usage }),
      ...this.who(),
    };
    // Counted now; a connection whose origin is still being looked up is attributed when it is,
    // and kept in history then.
    const pending = origin.origin === undefined;
    stats.requestEnded(record, pending);
    const history = context.history;
    const capture = this.inspection?.toCapture(this.req);
    this.inspection = undefined;
    if (pending) {
      origin.whenKnown(() => {
        const attributed = { ...record, ...this.who() };
        stats.requestAttributed(record, attributed);
        history?.add(attributed, capture);
      });
    } else history?.add(record, capture);
    this.#stats = undefined;
  }

  /** Who sent this exchange, as far as is known now (the origin may still be looked up). */
  who(): WhoFields {
    const headers = this.req.headers;
    const origin = this.#origin.origin;
    const session = sessionOf(headers);
    const user = this.#context.user;
    return {
      client: clientOf(headers),
      ...(session === undefined ? {} : { session }),
      ...(origin?.process == null ? {} : { process: origin.process }),
      ...(origin?.project == null ? {} : { project: origin.project }),
      ...(user === null ? {} : { user }),
    };
  }
}

function recordExchange(this: Exchange): void {
  this.record();
}
