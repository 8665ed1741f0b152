// Body readers, one per framing (SSE, NDJSON, JSON), chosen from the family and the response's
// content type. They see decoded bytes and say at the end what the body told about usage.

import type { SchemaId } from '../http/schema.js';
import { LineParser, SseParser } from './framing.js';
import { MAX_JSON_BYTES, parseJson, type UsageOutcome } from './outcome.js';
import {
  AnthropicSink,
  GeminiSink,
  OllamaSink,
  OpenAiSink,
  ResponsesSink,
  type StreamSink,
} from './streams.js';
import { outcomeOfJson } from './tokens.js';

export type Family = Exclude<SchemaId, 'unknown' | 'openai-realtime' | 'gemini-live'>;

/** Whether HTTP bodies of `schema` carry usage memex reads (Realtime and Live are WebSocket-only). */
export function isFamily(schema: SchemaId): schema is Family {
  return schema !== 'unknown' && schema !== 'openai-realtime' && schema !== 'gemini-live';
}
export type Framing = 'sse' | 'ndjson' | 'json';

/** What a body reader does; each framing implements it over the decoded bytes. */
export interface BodyReader {
  write(chunk: Buffer): void;
  finish(aborted: boolean): UsageOutcome;
  /** True once more bytes cannot change the outcome (a JSON body past its cap). */
  readonly saturated: boolean;
  /** True once a stream's terminal event was read (StreamSink.terminal); never for JSON. */
  readonly terminal: boolean;
  /** When a stream's first content event was read (StreamSink.contentAt); 0 for none or JSON. */
  readonly contentAt: number;
}

/** The media type without parameters, lowercased (RFC 9110 §8.3.1). */
function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** The framing to read a family's body with, or undefined when it carries no usage. */
export function framingOf(schema: Family, contentType: string | undefined): Framing | undefined {
  const media = mediaTypeOf(contentType);
  if (
    media === 'application/json' ||
    (media.startsWith('application/') && media.endsWith('+json'))
  ) {
    return 'json';
  }
  if (schema === 'ollama') {
    // Ollama streams NDJSON by default; a missing type is read the same way.
    return media === 'application/x-ndjson' || media === 'application/ndjson' || media === ''
      ? 'ndjson'
      : undefined;
  }
  return media === 'text/event-stream' ? 'sse' : undefined;
}

function createSink(schema: Family): StreamSink {
  switch (schema) {
    case 'anthropic':
      return new AnthropicSink();
    case 'openai':
      return new OpenAiSink();
    case 'openai-responses':
      return new ResponsesSink();
    case 'gemini':
      return new GeminiSink();
    case 'ollama':
      return new OllamaSink();
  }
}

export function createBodyReader(schema: Family, framing: Framing): BodyReader {
  switch (framing) {
    case 'json':
      return createJsonReader(schema);
    case 'sse': {
      const sink = createSink(schema);
      const parser = new SseParser(sink);
      return framedReader(sink, parser, () => parser.events);
    }
    case 'ndjson': {
      const sink = createSink(schema);
      const parser = new LineParser(sink);
      return framedReader(sink, parser, () => parser.lines);
    }
  }
}

/**
 * A streamed body: empty or cut before its first event → unknown; a complete body whose bytes
 * never formed one event → unparsed.
 */
function framedReader(
  sink: StreamSink,
  parser: { write(chunk: Buffer): void; end(): void },
  seen: () => number,
): BodyReader {
  let bytes = 0;
  return {
    saturated: false,
    get terminal() {
      return sink.terminal;
    },
    get contentAt() {
      return sink.contentAt;
    },
    write(chunk) {
      bytes += chunk.length;
      parser.write(chunk);
    },
    finish(aborted) {
      if (!aborted) parser.end();
      const outcome = sink.finish(aborted);
      if (outcome.kind === 'counted' || aborted || bytes === 0 || seen() > 0) return outcome;
      return { kind: 'unparsed', model: outcome.model };
    },
  };
}

/** A JSON body, buffered up to MAX_JSON_BYTES and parsed at the end. */
function createJsonReader(schema: Family): BodyReader {
  let chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  return {
    terminal: false,
    contentAt: 0,
    get saturated() {
      return overflow;
    },
    write(chunk) {
      if (overflow) return;
      size += chunk.length;
      if (size > MAX_JSON_BYTES) {
        overflow = true;
        chunks = [];
      } else {
        chunks.push(chunk);
      }
    },
    finish(aborted) {
      if (overflow || size === 0) return { kind: 'unknown', model: '' };
      let text = Buffer.concat(chunks, size).toString('utf8');
      chunks = [];
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const doc = parseJson(text);
      // A cut body is expected to be incomplete: tokens unknown, not a malformed reply.
      if (doc === undefined) return { kind: aborted ? 'unknown' : 'unparsed', model: '' };
      return outcomeOfJson(schema, doc);
    },
  };
}
