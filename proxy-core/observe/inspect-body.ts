// A kept body turned into what a capture holds: decompressed by its content-coding, cut at the
// inspector's limit, decoded as UTF-8 text (or null), and a stream's server-sent events. Runs
// once per inspected exchange when it is recorded, never per chunk.
//
//   kept chunks ─▶ concat ─▶ [gunzip | inflate | brotli | zstd, output ≤ limit] ─▶ UTF-8 ─▶ text
//                                                                   └─▶ SseParser ─▶ events

import {
  brotliDecompressSync,
  constants,
  gunzipSync,
  inflateSync,
  zstdDecompressSync,
  type ZlibOptions,
} from 'node:zlib';
import type { CapturedBody, CapturedEvent } from '../../shared/history.js';
import { SseParser } from '../usage/framing.js';

/** A body as the relay saw it: the chunks kept (up to about the limit) and all its bytes. */
export interface KeptChunks {
  readonly chunks: readonly Buffer[];
  /** Bytes in `chunks`. */
  readonly kept: number;
  /** Bytes of the whole body on the wire, past the limit too. */
  readonly bytes: number;
}

/** A body decoded up to the limit: its bytes, and whether they stop short of the whole body. */
export interface Decoded {
  readonly data: Buffer;
  readonly cut: boolean;
}

type Decompress = (input: Buffer, maxOutputLength: number) => Buffer;

// A prefix of a stream is decoded as far as it goes (the flush modes below), so a body kept only
// in part still shows its beginning.
const SYNC_FLUSH: ZlibOptions = { finishFlush: constants.Z_SYNC_FLUSH };

const gunzip: Decompress = (input, maxOutputLength) =>
  gunzipSync(input, { ...SYNC_FLUSH, maxOutputLength });

// A Map, not an object: a coding is text from the wire (`constructor` is not a decompressor).
const DECOMPRESS: ReadonlyMap<string, Decompress> = new Map<string, Decompress>([
  ['gzip', gunzip],
  ['x-gzip', gunzip],
  ['deflate', (input, maxOutputLength) => inflateSync(input, { ...SYNC_FLUSH, maxOutputLength })],
  [
    'br',
    (input, maxOutputLength) =>
      brotliDecompressSync(input, {
        finishFlush: constants.BROTLI_OPERATION_FLUSH,
        maxOutputLength,
      }),
  ],
  [
    'zstd',
    (input, maxOutputLength) =>
      zstdDecompressSync(input, { finishFlush: constants.ZSTD_e_flush, maxOutputLength }),
  ],
]);

/**
 * The captured form of a body with content-coding `encoding` (RFC 9110 §8.4), kept text at most
 * `limit` bytes, or null when there was no body. `text` is null for a coding memex does not
 * decode (a list such as `gzip, br` included), bytes that do not decompress, and bytes that are
 * not UTF-8 text (a NUL counts as binary). `decoded` is the text's bytes, for {@link eventsOf}.
 */
export function toCapturedBody(
  body: KeptChunks,
  encoding: string | undefined,
  limit: number,
): { readonly body: CapturedBody | null; readonly decoded: Decoded | undefined } {
  if (body.bytes === 0) return { body: null, decoded: undefined };
  const wireCut = body.bytes > body.kept;
  const decoded = decode(body, (encoding ?? '').trim().toLowerCase(), limit);
  const text = decoded === undefined ? null : toText(decoded.data, decoded.cut || wireCut);
  const truncated = wireCut || decoded?.cut === true;
  return {
    body: { text, bytes: body.bytes, truncated },
    decoded:
      text === null || decoded === undefined ? undefined : { data: decoded.data, cut: truncated },
  };
}

/** The events of an SSE body's decoded bytes; a cut body's unfinished last event is left out. */
export function eventsOf({ data, cut }: Decoded): CapturedEvent[] {
  const events: CapturedEvent[] = [];
  const parser = new SseParser({
    wants: () => true,
    event(event, eventData) {
      events.push({ event, data: eventData });
    },
  });
  parser.write(data);
  if (!cut) parser.end();
  return events;
}

function decode(body: KeptChunks, coding: string, limit: number): Decoded | undefined {
  if (coding === '' || coding === 'identity') {
    const cut = body.kept > limit;
    return { data: Buffer.concat(body.chunks, Math.min(body.kept, limit)), cut };
  }
  const decompress = DECOMPRESS.get(coding);
  if (decompress === undefined) return undefined;
  return decompressed(decompress, Buffer.concat(body.chunks, body.kept), limit);
}

// How far past the limit a try may decode, so that the longest prefix that fits decodes past
// the limit: more than what one step of the input can add. zstd emits whole blocks, up to
// 128 KiB each (RFC 8878 §3.1.1.2.4); deflate adds at most a few KB per input byte.
const SLACK_BYTES = 128 * 1024;

/**
 * Decompresses `input` to at most `limit` bytes. zlib's sync calls give all or nothing (past
 * maxOutputLength they throw, and stop working there), so a body that decodes to more is cut by
 * bisection: the longest prefix of the input whose output fits the limit plus SLACK_BYTES, cut
 * to the limit. Should one step of the input expand past the slack (a bomb), less is shown,
 * never more work done: each try outputs at most that bound, and there are about log2(input
 * length) of them.
 */
function decompressed(decompress: Decompress, input: Buffer, limit: number): Decoded | undefined {
  const bound = limit + SLACK_BYTES;
  let data: Buffer;
  try {
    data = decompress(input, bound);
  } catch (err) {
    if (!isTooLarge(err)) return undefined;
    data = longestFitting(decompress, input, bound);
    return { data: data.subarray(0, limit), cut: true };
  }
  return data.length > limit ? { data: data.subarray(0, limit), cut: true } : { data, cut: false };
}

function longestFitting(decompress: Decompress, input: Buffer, bound: number): Buffer {
  let fits = 0;
  let best: Buffer = Buffer.alloc(0);
  let over = input.length;
  while (over - fits > 1) {
    const middle = (fits + over) >>> 1;
    try {
      best = decompress(input.subarray(0, middle), bound);
      fits = middle;
    } catch {
      over = middle;
    }
  }
  return best;
}

function isTooLarge(err: unknown): boolean {
  return err instanceof RangeError && 'code' in err && err.code === 'ERR_BUFFER_TOO_LARGE';
}

/** UTF-8 text, or null; a `cut` body may end inside a character, which is left out. */
function toText(data: Buffer, cut: boolean): string | null {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data, {
      stream: cut,
    });
    return text.includes('\0') ? null : text;
  } catch {
    return null;
  }
}
