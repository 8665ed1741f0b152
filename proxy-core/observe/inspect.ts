// The request inspector's part of an exchange (only while `inspector.enabled`): while relaying it
// keeps references to the body chunks the relay has already written on, up to the limit, and the
// response head; when the exchange is recorded it assembles the Capture history keeps.
//
//   req ──pipe──▶ upstream        then  req 'data' ──▶ push(chunk)       (a reference, no copy)
//   response ──pipe──▶ client     then  response 'data' ──▶ push(chunk)
//   record() ──▶ toCapture(): headers redacted, bodies decoded (inspect-body.ts), SSE events

import type { IncomingMessage } from 'node:http';
import type { Capture } from '../../shared/history.js';
import { eventsOf, toCapturedBody, type KeptChunks } from './inspect-body.js';
import { toCapturedHeaders } from './inspect-headers.js';

/** What requests are inspected with, compiled from config `inspector:` (null while it is off). */
export interface InspectorSetting {
  /** Each body is kept up to this many bytes (`max_body_kb` × 1024). */
  readonly maxBodyBytes: number;
}

/** One body's chunks as relayed, up to about the limit (whole chunks); every byte counted. */
class KeptBody implements KeptChunks {
  readonly chunks: Buffer[] = [];
  kept = 0;
  bytes = 0;
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A 'data' listener: the chunk was written on before it gets here, and is never modified. */
  readonly push = (chunk: Buffer): void => {
    this.bytes += chunk.length;
    if (this.kept >= this.#limit) return;
    this.chunks.push(chunk);
    this.kept += chunk.length;
  };
}

/** What the inspector keeps of one exchange until it is recorded. */
export class Inspection {
  readonly #limit: number;
  readonly #request: KeptBody;
  readonly #response: KeptBody;
  #head: IncomingMessage | undefined;

  constructor(setting: InspectorSetting) {
    this.#limit = setting.maxBodyBytes;
    this.#request = new KeptBody(setting.maxBodyBytes);
    this.#response = new KeptBody(setting.maxBodyBytes);
  }

  /** Keeps the request body; attach after `req.pipe()`, so each chunk is sent on first. */
  readRequest(req: IncomingMessage): void {
    req.on('data', this.#request.push);
  }

  /** Keeps the upstream's head and body; attach after `response.pipe()`. */
  readResponse(response: IncomingMessage): void {
    this.#head = response;
    response.on('data', this.#response.push);
  }

  /** The upstream's 101: a head without a body. */
  upgraded(response: IncomingMessage): void {
    this.#head = response;
  }

  /**
   * The Capture of the exchange of `req`, or undefined should assembling it fail: the inspector
   * must not be the reason an exchange goes unrecorded. An answer memex wrote itself (a
   * refusal, a 502) has no upstream head: its headers and body are not captured.
   */
  toCapture(req: IncomingMessage): Capture | undefined {
    try {
      return this.#assemble(req);
    } catch {
      return undefined;
    }
  }

  #assemble(req: IncomingMessage): Capture {
    const head = this.#head;
    const request = toCapturedBody(this.#request, req.headers['content-encoding'], this.#limit);
    if (head === undefined) {
      return {
        requestHeaders: toCapturedHeaders(req.rawHeaders),
        responseHeaders: [],
        requestBody: request.body,
        responseBody: null,
        events: null,
      };
    }
    const headers = head.headers;
    const response = toCapturedBody(this.#response, headers['content-encoding'], this.#limit);
    const decoded = response.decoded;
    return {
      requestHeaders: toCapturedHeaders(req.rawHeaders),
      responseHeaders: toCapturedHeaders(head.rawHeaders),
      requestBody: request.body,
      responseBody: response.body,
      events:
        decoded !== undefined && isEventStream(headers['content-type']) ? eventsOf(decoded) : null,
    };
  }
}

function isEventStream(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'text/event-stream';
}
