// One request/response pair as memex tracks it: the ServerResponse subclass the server creates,
// carrying what accounting needs as plain fields (no side tables), recorded once at close.

import { ServerResponse, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { DEFAULT_CONFIG, type Timeouts } from '../config/config.js';
import type { SchemaId } from './schema.js';
import type { Stats } from '../stats.js';
import type { UsageOutcome } from '../usage/outcome.js';

export class Exchange extends ServerResponse {
  schema: SchemaId = 'unknown';
  /** Upstream host, for stats. */
  host = '';
  /** The request-target as the client sent it, before any rewrite. */
  target = '';
  timeouts: Timeouts = DEFAULT_CONFIG.timeouts;
  /** The request to the upstream, once forward.ts has made it. */
  upstreamRequest: ClientRequest | undefined = undefined;
  /** What the response said about tokens, once its usage reader is done. */
  usage: UsageOutcome | undefined = undefined;
  // A compressed body's usage arrives after the response closed: recording waits for it.
  private usagePending = false;
  private recordDue = false;
  private stats: Stats | undefined;
  private clientSocket: Socket | undefined;
  private startedAt = 0;
  private bytesInAt = 0;
  private bytesOutAt = 0;

  /** Starts accounting; the exchange is recorded in `stats` when the response closes. */
  track(stats: Stats): void {
    const socket = this.req.socket;
    this.stats = stats;
    this.clientSocket = socket;
    this.target = this.req.url ?? '';
    this.startedAt = performance.now();
    this.bytesInAt = socket.bytesRead;
    this.bytesOutAt = socket.bytesWritten;
    stats.requestStarted();
    this.once('close', recordExchange);
  }

  /** A usage reader is reading this response: recording waits for {@link usageRead}. */
  usageStarted(): void {
    this.usagePending = true;
  }

  /** The usage reader's outcome; records the exchange if it closed meanwhile. */
  usageRead(outcome: UsageOutcome): void {
    this.usage = outcome;
    this.usagePending = false;
    if (this.recordDue) this.record();
  }

  /** Records the finished exchange; called once, when the response closes. */
  record(): void {
    this.recordDue = true;
    if (this.usagePending) return;
    const stats = this.stats;
    const socket = this.clientSocket;
    if (stats === undefined || socket === undefined) return;
    const durationMs = performance.now() - this.startedAt;
    stats.requestEnded({
      time: Date.now() - durationMs,
      method: this.req.method ?? '',
      host: this.host,
      path: this.pathWithoutQuery(),
      schema: this.schema,
      status: this.headersSent ? this.statusCode : 0,
      complete: this.writableFinished,
      durationMs: Math.round(durationMs * 100) / 100,
      bytesIn: socket.bytesRead - this.bytesInAt,
      bytesOut: socket.bytesWritten - this.bytesOutAt,
      ...(this.usage === undefined ? {} : { usage: this.usage }),
    });
    this.stats = undefined;
  }

  /** Path without the query: a query can carry an API key (`?key=`). */
  pathWithoutQuery(): string {
    const target = this.target;
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    if (path.charCodeAt(0) === 47 /* / */) return path;
    try {
      return new URL(path).pathname;
    } catch {
      return '';
    }
  }
}

function recordExchange(this: Exchange): void {
  this.record();
}
