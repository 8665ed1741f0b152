// Per-family readers of streamed bodies: each takes framed events (SSE) or lines (NDJSON) and
// keeps only the model and the latest usage, parsing JSON only for events that can carry usage.

import type { EventSink } from './framing.js';
import {
  isObject,
  parseJson,
  toModel,
  zeroTokens,
  type JsonObject,
  type TokenCounts,
  type UsageOutcome,
} from './outcome.js';
import {
  geminiTokens,
  ollamaTokens,
  openaiTokens,
  overlayAnthropic,
  responsesTokens,
} from './tokens.js';

/** An EventSink that can say, at the end, what it learnt. */
export interface StreamSink extends EventSink {
  /** `aborted`: the stream was cut; every family reports what it saw (see each class). */
  finish(aborted: boolean): UsageOutcome;
  /**
   * True once the stream's terminal event has arrived (`message_stop`, `data: [DONE]`,
   * `response.completed`, Gemini's chunk with a finishReason, Ollama's `done: true`): a client
   * that hangs up after it has had the whole reply (issue 14).
   */
  readonly terminal: boolean;
  /**
   * performance.now() when the first event carrying content (text, a tool call's arguments)
   * arrived; 0 before one did. Content events are not parsed, only recognised.
   */
  readonly contentAt: number;
}

/** Whether `"key"` is followed by a non-empty string somewhere in `data`. */
function hasText(data: string, quotedKey: string): boolean {
  return hasField(data, quotedKey, '"') && !hasField(data, quotedKey, '""');
}

/** Whether `"key"` occurs followed (after optional whitespace and a colon) by `first`. */
export function hasField(data: string, quotedKey: string, first: string): boolean {
  for (let at = data.indexOf(quotedKey); at !== -1; at = data.indexOf(quotedKey, at + 1)) {
    let index = skipSpace(data, at + quotedKey.length);
    if (data[index] !== ':') continue;
    index = skipSpace(data, index + 1);
    if (data.startsWith(first, index)) return true;
  }
  return false;
}

function skipSpace(data: string, index: number): number {
  let at = index;
  for (;;) {
    const code = data.charCodeAt(at);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return at;
    at++;
  }
}

/** The shared end: usage seen → counted; else a malformed event → unparsed; else unknown. */
abstract class Sink implements StreamSink {
  protected model = '';
  protected tokens: TokenCounts | undefined;
  protected malformed = false;
  #terminal = false;
  #contentAt = 0;

  get terminal(): boolean {
    return this.#terminal;
  }

  get contentAt(): number {
    return this.#contentAt;
  }

  protected content(): void {
    if (this.#contentAt === 0) this.#contentAt = performance.now();
  }

  protected ended(): void {
    this.#terminal = true;
  }

  abstract wants(type: string): boolean;
  abstract event(type: string, data: string): void;

  finish(_aborted: boolean): UsageOutcome {
    const model = this.model;
    if (this.tokens !== undefined) return { kind: 'counted', model, tokens: { ...this.tokens } };
    return { kind: this.malformed ? 'unparsed' : 'unknown', model };
  }

  /** Parses an event's JSON object; anything else marks the stream malformed. */
  protected parse(data: string): JsonObject | undefined {
    const doc = parseJson(data);
    if (isObject(doc)) return doc;
    this.malformed = true;
    return undefined;
  }

  protected noteModel(value: unknown): void {
    this.model = toModel(value) ?? this.model;
  }
}

/**
 * Anthropic Messages: message_start gives the model and the initial usage; each message_delta
 * overwrites the keys it carries (running totals). A cut stream (or one ending in an `error`
 * event) is still counted with what was seen: message_start's input and the last output.
 */
export class AnthropicSink extends Sink {
  wants(type: string): boolean {
    return (
      type === 'message_start' ||
      type === 'message_delta' ||
      type === 'message_stop' ||
      type === 'message' ||
      (type === 'content_block_delta' && this.contentAt === 0)
    );
  }

  event(type: string, data: string): void {
    let kind = type;
    if (kind === 'message') {
      // No `event:` line (some gateways drop it): sniff the data's own type instead.
      if (hasField(data, '"type"', '"message_start"')) kind = 'message_start';
      else if (hasField(data, '"type"', '"message_delta"')) kind = 'message_delta';
      else if (hasField(data, '"type"', '"message_stop"')) kind = 'message_stop';
      else if (this.contentAt === 0 && hasField(data, '"type"', '"content_block_delta"')) {
        kind = 'content_block_delta';
      } else return;
    }
    if (kind === 'content_block_delta') {
      this.content();
      return;
    }
    if (kind === 'message_stop') {
      this.ended();
      return;
    }
    const doc = this.parse(data);
    if (doc === undefined) return;
    if (kind === 'message_start') {
      const message = doc['message'];
      if (!isObject(message)) {
        this.malformed = true;
        return;
      }
      this.noteModel(message['model']);
      const usage = message['usage'];
      if (isObject(usage)) {
        this.tokens = zeroTokens();
        overlayAnthropic(this.tokens, usage);
      }
      return;
    }
    const usage = doc['usage'];
    if (isObject(usage)) {
      this.tokens ??= zeroTokens();
      overlayAnthropic(this.tokens, usage);
    }
  }
}

/**
 * OpenAI Chat Completions: usage only in the last chunk, and only with
 * stream_options.include_usage. Chunks are parsed until one names the model, then only those
 * whose data has `"usage": {` (never the `"usage": null` of ordinary newer chunks).
 */
export class OpenAiSink extends Sink {
  wants(_type: string): boolean {
    return true;
  }

  event(_type: string, data: string): void {
    if (data === '[DONE]') {
      this.ended();
      return;
    }
    if (this.contentAt === 0 && (hasText(data, '"content"') || data.includes('"tool_calls"'))) {
      this.content();
    }
    const hasUsage = hasField(data, '"usage"', '{');
    if (this.model !== '' && !hasUsage) return;
    const doc = this.parse(data);
    if (doc === undefined) return;
    this.noteModel(doc['model']);
    const usage = doc['usage'];
    if (!isObject(usage)) return;
    const tokens = openaiTokens(usage);
    if (tokens === undefined) this.malformed = true;
    else this.tokens = tokens;
  }
}

const RESPONSES_EVENTS: ReadonlySet<string> = new Set([
  'response.created',
  'response.completed',
  'response.incomplete',
  'response.failed',
]);

/** `response.output_text.delta`, `response.function_call_arguments.delta`…: generated content. */
function isOutputDelta(type: string): boolean {
  return (
    type.endsWith('.delta') &&
    (type.startsWith('response.output_') || type.startsWith('response.function_call'))
  );
}

/** OpenAI Responses: the model from response.created, usage from the terminal event. */
export class ResponsesSink extends Sink {
  wants(type: string): boolean {
    return (
      type === 'message' ||
      RESPONSES_EVENTS.has(type) ||
      (this.contentAt === 0 && isOutputDelta(type))
    );
  }

  event(type: string, data: string): void {
    if (isOutputDelta(type)) {
      this.content();
      return;
    }
    if (type === 'message' && !hasField(data, '"type"', '"response.')) return;
    // No `event:` line (and every WebSocket message): the data names its own type.
    if (
      this.contentAt === 0 &&
      type === 'message' &&
      hasField(data, '"type"', '"response.output_') &&
      data.includes('.delta"')
    ) {
      this.content();
      return;
    }
    const doc = this.parse(data);
    if (doc === undefined) return;
    const kind = type === 'message' ? doc['type'] : type;
    if (kind !== 'response.created' && typeof kind === 'string' && RESPONSES_EVENTS.has(kind)) {
      this.ended();
    }
    const response = doc['response'];
    if (!isObject(response)) return;
    this.noteModel(response['model']);
    const usage = response['usage'];
    if (!isObject(usage)) return;
    const tokens = responsesTokens(usage);
    if (tokens === undefined) this.malformed = true;
    else this.tokens = tokens;
  }
}

/**
 * Gemini: every chunk carries running usage, so only the first chunk (for the model) and the
 * last chunk holding usageMetadata are parsed, the latter at the end.
 */
export class GeminiSink extends Sink {
  #last = '';
  #first = true;

  wants(_type: string): boolean {
    return true;
  }

  event(_type: string, data: string): void {
    if (this.contentAt === 0 && hasText(data, '"text"')) this.content();
    // The last chunk is the one whose candidate says why generation stopped.
    if (hasField(data, '"finishReason"', '"')) this.ended();
    if (this.#first) {
      this.#first = false;
      this.#read(data);
    } else if (data.includes('"usageMetadata"')) {
      this.#last = data;
    }
  }

  override finish(aborted: boolean): UsageOutcome {
    if (this.#last !== '') this.#read(this.#last);
    this.#last = '';
    return super.finish(aborted);
  }

  #read(data: string): void {
    const doc = this.parse(data);
    if (doc === undefined) return;
    this.noteModel(doc['modelVersion']);
    const usage = doc['usageMetadata'];
    if (!isObject(usage)) return;
    const tokens = geminiTokens(usage);
    if (tokens === undefined) this.malformed = true;
    else this.tokens = tokens;
  }
}

/** Ollama NDJSON: the first line names the model; counts come on the final `done: true` line. */
export class OllamaSink extends Sink {
  wants(_type: string): boolean {
    return true;
  }

  event(_type: string, line: string): void {
    if (this.contentAt === 0 && (hasText(line, '"content"') || hasText(line, '"response"'))) {
      this.content();
    }
    if (this.model !== '' && !hasField(line, '"done"', 'true')) return;
    const doc = this.parse(line);
    if (doc === undefined) return;
    this.noteModel(doc['model']);
    if (doc['done'] !== true) return;
    this.ended();
    const tokens = ollamaTokens(doc);
    if (tokens !== undefined) this.tokens = tokens;
  }
}
