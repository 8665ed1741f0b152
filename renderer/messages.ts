// What a captured exchange said, for the request detail: the prompt's messages and the reply's
// text, read out of Anthropic, OpenAI (Chat Completions and Responses), Gemini and Ollama bodies
// and streams. Pure; a body it cannot read gives nothing (the raw body is shown anyway).

import type { CapturedEvent } from '../shared/history.js';
import type { SchemaId } from '../shared/schemas.js';

/** One message of a prompt. */
export interface Turn {
  readonly role: string;
  readonly text: string;
}

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isFields(value) ? value[key] : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The text of a message's content in any of the APIs' shapes: a string, a list of blocks or
 * parts with a `text` (Anthropic's `text`, OpenAI's `text`/`input_text`/`output_text`, Gemini's
 * parts), or an object with `parts`. Images, tool calls and the like have no text and are left out.
 */
function textOf(value: unknown, separator = '\n'): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value
      .map((part) => textOf(part, separator))
      .filter((text) => text !== '')
      .join(separator);
  }
  const text = field(value, 'text');
  if (typeof text === 'string') return text;
  const parts = field(value, 'parts');
  return parts === undefined ? '' : textOf(parts, separator);
}

function turn(role: unknown, content: unknown): Turn[] {
  const text = textOf(content);
  return text === '' ? [] : [{ role: typeof role === 'string' ? role : 'user', text }];
}

function turns(messages: unknown, contentKey: string): Turn[] {
  return list(messages).flatMap((message) =>
    turn(field(message, 'role'), field(message, contentKey)),
  );
}

/** The prompt of a request body, system text first; empty when there is none to read. */
export function readPrompt(schema: SchemaId, body: string | null): Turn[] {
  const json = body === null ? undefined : parseJson(body);
  if (!isFields(json)) return [];
  switch (schema) {
    case 'anthropic':
      return [...turn('system', json['system']), ...turns(json['messages'], 'content')];
    case 'openai':
      return turns(json['messages'], 'content');
    case 'openai-responses': {
      const input = json['input'];
      const asked = typeof input === 'string' ? turn('user', input) : turns(input, 'content');
      return [...turn('system', json['instructions']), ...asked];
    }
    case 'gemini':
      return [
        ...turn('system', json['systemInstruction'] ?? json['system_instruction']),
        ...turns(json['contents'], 'parts'),
      ];
    case 'ollama':
      return [
        ...turn('system', json['system']),
        ...turn('user', json['prompt']),
        ...turns(json['messages'], 'content'),
      ];
    case 'openai-realtime':
    case 'gemini-live':
    case 'unknown':
      return [];
  }
}

/**
 * The reply's text: from a stream's events when there are any, else from the response body
 * (a JSON document, or Ollama's JSON lines); null when neither says anything readable.
 */
export function readReply(
  schema: SchemaId,
  body: string | null,
  events: readonly CapturedEvent[] | null,
): string | null {
  const read = READERS[schema];
  if (read === null) return null;
  const chunks =
    events !== null && events.length > 0
      ? events.map((event) => read(parseJson(event.data)))
      : (body === null ? [] : documentsOf(body)).map(read);
  const text = chunks.join('');
  return text === '' ? null : text;
}

// A body is one JSON document, a JSON array of streamed chunks (Gemini without `alt=sse`), or
// one document per line (Ollama's stream).
function documentsOf(body: string): readonly unknown[] {
  const whole = parseJson(body);
  if (Array.isArray(whole)) return whole;
  if (whole !== undefined) return [whole];
  return body.split('\n').map(parseJson);
}

/** The text one document, or one event's data, adds to the reply ('' for none). */
type Reader = (document: unknown) => string;

const READERS: Readonly<Record<SchemaId, Reader | null>> = {
  anthropic: (document) => {
    // A whole message has its content; a stream adds text in content_block_delta events.
    const delta = field(document, 'delta');
    if (field(delta, 'type') === 'text_delta') return textOf(field(delta, 'text'));
    return field(document, 'type') === 'message' ? textOf(field(document, 'content')) : '';
  },
  openai: (document) => {
    const choice = list(field(document, 'choices'))[0];
    return textOf(field(field(choice, 'message') ?? field(choice, 'delta'), 'content'));
  },
  'openai-responses': (document) => {
    // Every event's data names its type; response.completed wraps the whole response, not
    // read again.
    if (field(document, 'type') === 'response.output_text.delta') {
      return textOf(field(document, 'delta'));
    }
    if (field(document, 'object') !== 'response') return '';
    return list(field(document, 'output'))
      .filter((item) => field(item, 'type') === 'message')
      .map((item) => textOf(field(item, 'content')))
      .join('\n');
  },
  gemini: (document) => {
    const candidate = list(field(document, 'candidates'))[0];
    return textOf(field(field(candidate, 'content'), 'parts'), '');
  },
  ollama: (document) =>
    textOf(field(field(document, 'message'), 'content') ?? field(document, 'response')),
  'openai-realtime': null,
  'gemini-live': null,
  unknown: null,
};
