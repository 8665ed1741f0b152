// The first content event of a stream (issue 15, time to first token): every streamed wire
// fixture has one and each family's sink finds it, whole or one byte at a time; events that only
// open a stream (message_start, response.created, a role-only chunk) are not content.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createBodyReader, type Family, type Framing } from '../../../proxy-core/usage/body.js';

const WIRE = new URL('../../../../test/fixtures/wire/', import.meta.url);

const STREAMS: readonly (readonly [string, Family, Framing])[] = [
  ['anthropic/messages_stream.sse', 'anthropic', 'sse'],
  ['anthropic/messages_stream_tool_use.sse', 'anthropic', 'sse'],
  ['openai_chat/chat_stream.sse', 'openai', 'sse'],
  ['openai_chat/chat_stream_tool_calls.sse', 'openai', 'sse'],
  ['openai_responses/response_stream.sse', 'openai-responses', 'sse'],
  ['gemini/stream_generate_content.sse', 'gemini', 'sse'],
  ['ollama/chat_stream.ndjson', 'ollama', 'ndjson'],
];

for (const [name, family, framing] of STREAMS) {
  test(`${name}: the first content event is found, whole and byte by byte`, () => {
    const body = readFileSync(new URL(name, WIRE));
    for (const size of [body.length, 1]) {
      const reader = createBodyReader(family, framing);
      for (let at = 0; at < body.length; at += size) reader.write(body.subarray(at, at + size));
      reader.finish(false);
      assert.ok(reader.contentAt > 0, `${name} (${size}-byte writes)`);
    }
  });
}

const OPENERS: readonly (readonly [Family, string])[] = [
  [
    'anthropic',
    'event: message_start\ndata: {"type":"message_start","message":{"model":"m","usage":{"input_tokens":1}}}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  ],
  ['openai', 'data: {"model":"m","choices":[{"delta":{"role":"assistant","content":""}}]}\n\n'],
  [
    'openai-responses',
    'event: response.created\ndata: {"type":"response.created","response":{"model":"m"}}\n\n' +
      'event: response.output_item.added\ndata: {"type":"response.output_item.added"}\n\n',
  ],
];

for (const [family, text] of OPENERS) {
  test(`${family}: events that only open a stream are not content`, () => {
    const reader = createBodyReader(family, 'sse');
    reader.write(Buffer.from(text));
    reader.finish(true);
    assert.equal(reader.contentAt, 0);
  });
}
