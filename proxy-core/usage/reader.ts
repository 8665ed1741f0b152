// createUsageReader: picks a body reader from the response head (family, framing, encoding) and
// feeds it the copy of each chunk the proxy already sent on. It never throws and reports once.
//
//   chunk ──► [zlib decompressor, async, only when content-encoding says so]
//                    │
//                    ▼
//            SSE parser ─► family sink      (text/event-stream)
//            NDJSON lines ─► Ollama sink    (application/x-ndjson)
//            JSON buffer (≤ MAX_JSON_BYTES) (application/json) ─► parse at end
//                    │
//                    ▼
//             done(outcome, terminal)   exactly once

import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { SchemaId } from '../http/schema.js';
import { createBodyReader, framingOf, isFamily, type BodyReader } from './body.js';
import type { UsageOutcome } from './outcome.js';

export { MAX_JSON_BYTES, type TokenCounts, type UsageOutcome } from './outcome.js';

/** The response head a reader is chosen from. */
export interface ResponseHead {
  readonly status: number;
  /** The `content-type` header value, if any. */
  readonly contentType: string | undefined;
  /** The `content-encoding` header value, if any. */
  readonly contentEncoding: string | undefined;
}

/** Fed with each response chunk after the proxy wrote it to the client. */
export interface UsageReader {
  /** Reads a copy of one chunk; the Buffer must not be modified afterwards. */
  write(chunk: Buffer): void;
  /** The body ended cleanly. */
  end(): void;
  /** The client or upstream cut the body: finish with what is known. */
  abort(): void;
}

/**
 * Returns a reader for a 2xx response, or undefined when there is nothing to read: the `unknown`
 * family, a non-2xx status (error bodies carry no usage), or a content type that is neither
 * SSE, NDJSON (Ollama) nor JSON. `done` is called exactly once: synchronously from end() or
 * abort() for identity bodies, later for compressed ones, never from inside write(). An
 * unsupported content-encoding gives a reader that reports `unparsed`. The caller must end
 * every reader with end() or abort(): `done` waits for one of them. `done` must not throw; a
 * throw is swallowed so that it cannot reach a stream listener. `terminal` says the stream's
 * terminal event was read (StreamSink.terminal): the whole reply reached the client even if the
 * connection was cut afterwards. `contentAt` is when the first content event was read
 * (StreamSink.contentAt), 0 for none.
 */
export function createUsageReader(
  schema: SchemaId,
  head: ResponseHead,
  done: (outcome: UsageOutcome, terminal: boolean, contentAt: number) => void,
): UsageReader | undefined {
  if (!isFamily(schema) || head.status < 200 || head.status > 299) return undefined;
  const framing = framingOf(schema, head.contentType);
  if (framing === undefined) return undefined;
  const body = createBodyReader(schema, framing);
  let settled = false;
  const settle = (outcome: UsageOutcome): void => {
    if (settled) return;
    settled = true;
    try {
      done(outcome, body.terminal, body.contentAt);
    } catch {
      // The caller's bug must not become an uncaught exception in a zlib or socket listener.
    }
  };
  const encoding = encodingOf(head.contentEncoding);
  if (encoding === 'unsupported') return createUnparsedReader(settle);
  if (encoding === 'identity') return createPlainReader(body, settle);
  return createDecompressingReader(encoding, body, settle);
}

/** Compressed input waiting for the decompressor beyond which decoding is abandoned. */
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;

type Encoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'unsupported';

/** RFC 9110 §8.4.1. A list of several codings (`gzip, br`) is not supported: unparsed. */
function encodingOf(header: string | undefined): Encoding {
  const coding = (header ?? '').trim().toLowerCase();
  switch (coding) {
    case '':
    case 'identity':
      return 'identity';
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    case 'br':
      return 'br';
    default:
      return 'unsupported';
  }
}

function createPlainReader(body: BodyReader, settle: (outcome: UsageOutcome) => void): UsageReader {
  let closed = false;
  let failed = false;
  const finish = (aborted: boolean): void => {
    if (closed) return;
    closed = true;
    settle(failed ? { kind: 'unparsed', model: '' } : safeFinish(body, aborted));
  };
  return {
    write(chunk) {
      if (closed || failed) return;
      try {
        body.write(chunk);
      } catch {
        failed = true; // a bug of ours; reported as unparsed at the end, never thrown
      }
    },
    end: () => {
      finish(false);
    },
    abort: () => {
      finish(true);
    },
  };
}

function safeFinish(body: BodyReader, aborted: boolean): UsageOutcome {
  try {
    return body.finish(aborted);
  } catch {
    return { kind: 'unparsed', model: '' };
  }
}

function createUnparsedReader(settle: (outcome: UsageOutcome) => void): UsageReader {
  const finish = (): void => {
    settle({ kind: 'unparsed', model: '' });
  };
  return { write() {}, end: finish, abort: finish };
}

function createDecompressor(encoding: 'gzip' | 'deflate' | 'br'): Transform {
  switch (encoding) {
    case 'gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
  }
}

/**
 * Decodes the copy with a streaming zlib decompressor. A decompression error (or a
 * decompressor that cannot even be created) reports unparsed; after abort() the decompressor is
 * flushed and whatever it produced is read, a truncation error included. Decoding stops early,
 * and its input is dropped, once the body reader is saturated (a JSON body past its cap: a
 * small compressed body can decode to gigabytes) or once the decompressor lags more than
 * MAX_PENDING_BYTES behind the response (tokens unknown rather than unbounded memory).
 */
function createDecompressingReader(
  encoding: 'gzip' | 'deflate' | 'br',
  body: BodyReader,
  settle: (outcome: UsageOutcome) => void,
): UsageReader {
  let closed = false;
  let aborted = false;
  let failed = false;
  let abandoned: UsageOutcome | undefined;
  let zlib: Transform;
  try {
    zlib = createDecompressor(encoding);
  } catch {
    return createUnparsedReader(settle);
  }
  const abandon = (outcome: UsageOutcome): void => {
    abandoned = outcome;
    zlib.destroy();
    // Once end() or abort() has come, nobody else will settle.
    if (closed) settle(outcome);
  };
  zlib.on('data', (decoded: Buffer) => {
    if (failed || abandoned !== undefined) return;
    try {
      body.write(decoded);
    } catch {
      failed = true;
    }
    if (body.saturated) abandon(safeFinish(body, false));
  });
  zlib.on('error', () => {
    const outcome = safeFinish(body, true);
    settle(aborted && !failed ? outcome : { kind: 'unparsed', model: outcome.model });
    zlib.destroy();
  });
  zlib.on('end', () => {
    settle(failed ? { kind: 'unparsed', model: '' } : safeFinish(body, aborted));
  });
  const close = (): void => {
    if (closed) return;
    closed = true;
    if (abandoned !== undefined) settle(abandoned);
    else zlib.end();
  };
  return {
    write(chunk) {
      // After a decompression error the outcome is settled; more input is pointless.
      if (closed || abandoned !== undefined || zlib.destroyed) return;
      if (zlib.writableLength > MAX_PENDING_BYTES) {
        abandon({ kind: 'unknown', model: '' });
        return;
      }
      zlib.write(chunk);
    },
    end: close,
    abort: () => {
      if (closed) return;
      aborted = true;
      close();
    },
  };
}
