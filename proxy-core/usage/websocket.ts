// Reads the model responses a WebSocket carries from a copy of its frames, after the relay wrote
// them: each response is reported once, with its own usage, as it ends (or as the socket goes).
//
//   server frames ─▶ ws Receiver (+ permessage-deflate as the 101 agreed) ─▶ message
//                       │
//                       ▼  sniff "type" from the bytes; parse only the messages that matter
//   Responses (Codex)   response.created … response.completed / failed / incomplete
//   Realtime            session.created/updated (model) … response.done (usage)
//   Gemini Live         serverContent … usageMetadata … turnComplete   (model: client's setup)
//
// A frame memex cannot decode, a message over MAX_MESSAGE_BYTES or a stream it cannot inflate
// makes the response in progress `unparsed` and stops the reading, never the relay.

import type { SchemaId } from '../../shared/schemas.js';
import { isObject, parseJson, toModel, type TokenCounts, type UsageOutcome } from './outcome.js';
import { ResponsesSink } from './streams.js';
import { geminiTokens, realtimeTokens } from './tokens.js';
import { frameCodec, type Deflate, type FrameReceiver, type FrameSender } from './ws-codec.js';

/** A message larger than this (after inflating) is not read: its response is unparsed. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Frame bytes waiting to be parsed (behind an inflating message) beyond which reading stops. */
export const MAX_PENDING_FRAME_BYTES = 8 * 1024 * 1024;

/** One model response carried inside a WebSocket. */
export interface CarriedResponse {
  readonly outcome: UsageOutcome;
  /** The protocol's last event of a response was seen (Codex hangs up right after it). */
  readonly terminal: boolean;
  /** performance.now() when the response's first event was read. */
  readonly startedAt: number;
}

export interface WebSocketReader {
  /** A copy of bytes the server sent, after they were written to the client. */
  fromServer(chunk: Buffer): void;
  /** A copy of bytes the client sent; only read while {@link readsClient}. */
  fromClient(chunk: Buffer): void;
  /** True while the client's frames can still say something (Gemini Live's model). */
  readonly readsClient: boolean;
  /** The socket is gone: a response in progress is reported, cut. */
  close(): void;
}

/** The schemas whose WebSockets memex reads. */
export function readsWebSocket(schema: SchemaId): boolean {
  return schema === 'openai-responses' || schema === 'openai-realtime' || schema === 'gemini-live';
}

/**
 * A reader for a WebSocket of `schema` whose 101 answered `extensions` (Sec-WebSocket-Extensions),
 * or undefined for a schema it does not read. `report` must not throw.
 */
export function createWebSocketReader(
  schema: SchemaId,
  extensions: string | undefined,
  report: (response: CarriedResponse) => void,
): WebSocketReader | undefined {
  let protocol: Protocol;
  switch (schema) {
    case 'openai-responses':
      protocol = new ResponsesSocket(report);
      break;
    case 'openai-realtime':
      protocol = new RealtimeSocket(report);
      break;
    case 'gemini-live':
      protocol = new GeminiLiveSocket(report);
      break;
    case 'anthropic':
    case 'openai':
    case 'gemini':
    case 'ollama':
    case 'unknown':
      return undefined;
  }
  // `settled`: the protocol has said its last (closed, or failed); nothing more is read.
  let settled = false;
  const fail = (): void => {
    if (settled) return;
    settled = true;
    protocol.fail();
    server.stop();
    client.stop();
  };
  const closeProtocol = (): void => {
    if (settled) return;
    settled = true;
    protocol.close();
  };
  const server = readFrames(
    'server',
    extensions,
    protocol.server.bind(protocol),
    fail,
    closeProtocol,
  );
  const client = readFrames('client', extensions, protocol.client.bind(protocol), fail, ignore);
  // Once the client's frames have said what they can, their receiver goes.
  const releaseClient = (): void => {
    if (!protocol.readsClient) client.stop();
  };
  return {
    fromServer(chunk) {
      if (!settled) server.write(chunk);
    },
    fromClient(chunk) {
      if (settled || !protocol.readsClient) return;
      client.write(chunk);
      releaseClient();
    },
    get readsClient() {
      return !settled && protocol.readsClient;
    },
    close() {
      // The server's last frames may still be inflating: the protocol closes once they are read.
      server.end();
      client.stop();
    },
  };
}

interface Frames {
  write(chunk: Buffer): void;
  /** No more input: read what is buffered, then `done`. */
  end(): void;
  /** No more input and no more messages; resources go once the receiver is idle. */
  stop(): void;
}

function readFrames(
  sender: FrameSender,
  extensions: string | undefined,
  onMessage: (data: Buffer, isBinary: boolean) => void,
  fail: () => void,
  done: () => void,
): Frames {
  let deflate: Deflate | undefined;
  let receiver: FrameReceiver;
  try {
    const codec = frameCodec();
    deflate = codec.deflate(extensions, sender, MAX_MESSAGE_BYTES);
    receiver = codec.receiver(sender, deflate, MAX_MESSAGE_BYTES);
  } catch {
    // ws refuses the agreed extensions (or is missing): the two ends may still agree; we can't read.
    queueMicrotask(fail);
    return { write: ignore, end: ignore, stop: ignore };
  }
  let ending = false;
  let muted = false;
  let finished = false;
  // ws's inflater must not be released while it inflates (its callback would find it gone and
  // throw): only once the receiver has finished or failed.
  const finish = (): void => {
    if (finished) return;
    finished = true;
    deflate?.cleanup();
    receiver.destroy();
    if (!muted) done();
  };
  receiver.on('message', (data, isBinary) => {
    if (muted) return;
    try {
      onMessage(data, isBinary);
    } catch {
      fail(); // a bug of ours must not reach the socket's listener
    }
  });
  receiver.on('error', () => {
    if (!muted) fail();
    finish();
  });
  receiver.on('finish', finish);
  const end = (): void => {
    if (ending || finished) return;
    ending = true;
    receiver.end();
  };
  return {
    write(chunk) {
      if (ending) return;
      if (receiver.writableLength > MAX_PENDING_FRAME_BYTES) {
        fail();
        return;
      }
      receiver.write(chunk);
    },
    end,
    stop() {
      muted = true;
      end();
    },
  };
}

function ignore(): void {
  return;
}

/** What each API's messages mean; fed whole messages, in order. */
abstract class Protocol {
  #startedAt: number | undefined;
  readonly #report: (response: CarriedResponse) => void;

  constructor(report: (response: CarriedResponse) => void) {
    this.#report = report;
  }

  get readsClient(): boolean {
    return false;
  }

  abstract server(data: Buffer, isBinary: boolean): void;

  client(_data: Buffer, _isBinary: boolean): void {
    return;
  }

  /** The socket closed: a response in progress ends cut. */
  close(): void {
    if (this.#startedAt !== undefined) this.end(this.cut(), false);
  }

  /** Reading failed: a response in progress is unparsed. */
  fail(): void {
    if (this.#startedAt !== undefined) {
      this.end({ kind: 'unparsed', model: this.cut().model }, false);
    }
  }

  /** The outcome of a response cut short, from what was seen of it. */
  protected abstract cut(): UsageOutcome;

  protected begin(): void {
    this.#startedAt ??= performance.now();
  }

  protected get open(): boolean {
    return this.#startedAt !== undefined;
  }

  protected end(outcome: UsageOutcome, terminal: boolean): void {
    const startedAt = this.#startedAt ?? performance.now();
    this.#startedAt = undefined;
    this.#report({ outcome, terminal, startedAt });
  }
}

const TYPE_KEY = Buffer.from('"type"');
// Event types sit at the top of a message; audio deltas can be megabytes of base64 after them.
const TYPE_SEARCH_BYTES = 512;

/** The first `"type": "…"` value of a JSON message, read off its bytes without decoding it. */
export function sniffType(data: Buffer): string | undefined {
  let at = data.subarray(0, TYPE_SEARCH_BYTES).indexOf(TYPE_KEY);
  if (at === -1 && data.length > TYPE_SEARCH_BYTES) at = data.indexOf(TYPE_KEY);
  if (at === -1) return undefined;
  let index = skipSpace(data, at + TYPE_KEY.length);
  if (data[index] !== 0x3a /* : */) return undefined;
  index = skipSpace(data, index + 1);
  if (data[index] !== 0x22 /* " */) return undefined;
  const close = data.indexOf(0x22, index + 1);
  if (close === -1 || close - index > 100) return undefined;
  return data.toString('latin1', index + 1, close);
}

function skipSpace(data: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const code = data[at];
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return at;
    at++;
  }
}

function parseObject(data: Buffer): Readonly<Record<string, unknown>> | undefined {
  const doc = parseJson(data.toString('utf8'));
  return isObject(doc) ? doc : undefined;
}

/**
 * The Responses API over a WebSocket (Codex): each `response.create` the client sends is answered
 * with the events of one SSE stream, one JSON event per text frame.
 */
class ResponsesSocket extends Protocol {
  #sink = new ResponsesSink();

  server(data: Buffer): void {
    const type = sniffType(data);
    if (type === undefined || !this.#sink.wants(type)) return;
    this.begin();
    // As 'message': the sink takes the type from the parsed event, not from our sniff.
    this.#sink.event('message', data.toString('utf8'));
    if (this.#sink.terminal) {
      this.end(this.#sink.finish(false), true);
      this.#sink = new ResponsesSink();
    }
  }

  protected cut(): UsageOutcome {
    const outcome = this.#sink.finish(true);
    this.#sink = new ResponsesSink();
    return outcome;
  }
}

/** OpenAI Realtime: the model from the session, one response per `response.done`. */
class RealtimeSocket extends Protocol {
  #model = '';

  server(data: Buffer): void {
    const type = sniffType(data);
    if (type === 'session.created' || type === 'session.updated') {
      const session = parseObject(data)?.['session'];
      if (isObject(session)) this.#model = toModel(session['model']) ?? this.#model;
    } else if (type === 'response.created') {
      this.begin();
    } else if (type === 'response.done') {
      this.begin();
      const doc = parseObject(data);
      const response = doc?.['response'];
      const usage = isObject(response) ? response['usage'] : undefined;
      const tokens = isObject(usage) ? realtimeTokens(usage) : undefined;
      this.end(this.#outcome(tokens, doc === undefined), true);
    }
  }

  protected cut(): UsageOutcome {
    return { kind: 'unknown', model: this.#model };
  }

  #outcome(tokens: TokenCounts | undefined, malformed: boolean): UsageOutcome {
    if (tokens !== undefined) return { kind: 'counted', model: this.#model, tokens };
    return { kind: malformed ? 'unparsed' : 'unknown', model: this.#model };
  }
}

const USAGE_KEY = Buffer.from('"usageMetadata"');
const TURN_COMPLETE_KEY = Buffer.from('"turnComplete"');
const SETUP_COMPLETE_KEY = Buffer.from('"setupComplete"');

/**
 * Gemini Live (BidiGenerateContent): the model is named only in the client's first message
 * (`setup.model`); the server's messages (JSON, in text or binary frames) carry usageMetadata,
 * and `serverContent.turnComplete` ends a turn: one response per turn.
 */
class GeminiLiveSocket extends Protocol {
  #model = '';
  #setupRead = false;
  #tokens: TokenCounts | undefined;
  #malformed = false;

  override get readsClient(): boolean {
    return !this.#setupRead;
  }

  override client(data: Buffer): void {
    this.#setupRead = true;
    const setup = parseObject(data)?.['setup'];
    if (!isObject(setup)) return;
    const model = toModel(setup['model']);
    if (model !== undefined) this.#model = model.startsWith('models/') ? model.slice(7) : model;
  }

  server(data: Buffer): void {
    if (data.indexOf(SETUP_COMPLETE_KEY) !== -1 && !this.open) return;
    this.begin();
    const hasUsage = data.indexOf(USAGE_KEY) !== -1;
    const mayComplete = data.indexOf(TURN_COMPLETE_KEY) !== -1;
    if (!hasUsage && !mayComplete) return;
    const doc = parseObject(data);
    if (doc === undefined) {
      this.#malformed = true;
      return;
    }
    const usage = doc['usageMetadata'];
    if (isObject(usage)) {
      const tokens = geminiTokens(usage);
      if (tokens === undefined) this.#malformed = true;
      else this.#tokens = tokens;
    }
    const content = doc['serverContent'];
    if (isObject(content) && content['turnComplete'] === true) this.end(this.#take(), true);
  }

  protected cut(): UsageOutcome {
    return this.#take();
  }

  #take(): UsageOutcome {
    const tokens = this.#tokens;
    const malformed = this.#malformed;
    this.#tokens = undefined;
    this.#malformed = false;
    if (tokens !== undefined) return { kind: 'counted', model: this.#model, tokens };
    return { kind: malformed ? 'unparsed' : 'unknown', model: this.#model };
  }
}
