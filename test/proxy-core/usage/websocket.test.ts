// The WebSocket usage reader on raw frame bytes: fragmented messages, control frames between the
// fragments, permessage-deflate with and without context takeover, chunks split anywhere, and the
// failures that make a response unparsed (a message over the cap, a frame it cannot decode)
// without ever throwing.

import assert from 'node:assert/strict';
import { constants, deflateRawSync } from 'node:zlib';
import { test } from 'node:test';
import {
  MAX_MESSAGE_BYTES,
  createWebSocketReader,
  sniffType,
  type CarriedResponse,
} from '../../../proxy-core/usage/websocket.js';
import type { SchemaId } from '../../../shared/schemas.js';
import { clientFrame, serverFrame } from '../../helpers/websocket.js';

const COMPLETED = {
  type: 'response.completed',
  response: {
    model: 'gpt-5-codex',
    usage: {
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 1000 },
      output_tokens: 80,
      output_tokens_details: { reasoning_tokens: 64 },
    },
  },
};
const CREATED = { type: 'response.created', response: { model: 'gpt-5-codex' } };

function text(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/**
 * Feeds `bytes` to a reader in chunks of `size`, closes it and returns the `expected` responses
 * it reports (waiting, bounded, for inflation to finish), failing on any beyond them.
 */
async function read(
  schema: SchemaId,
  bytes: Buffer,
  expected: number,
  options: { extensions?: string; size?: number; client?: Buffer } = {},
): Promise<CarriedResponse[]> {
  const reported: CarriedResponse[] = [];
  const reader = createWebSocketReader(schema, options.extensions, (response) =>
    reported.push(response),
  );
  assert.ok(reader !== undefined);
  if (options.client !== undefined) reader.fromClient(options.client);
  const size = options.size ?? bytes.length;
  for (let at = 0; at < bytes.length; at += size) reader.fromServer(bytes.subarray(at, at + size));
  reader.close();
  const deadline = performance.now() + 2_000;
  while (reported.length < expected && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(reported.length, expected, JSON.stringify(reported));
  return reported;
}

const CODEX_TOKENS = { input: 200, output: 80, cacheRead: 1000, cacheWrite: 0 };

test('a Responses turn is one response, counted from response.completed, terminal', async () => {
  const frames = Buffer.concat([
    serverFrame(0x1, text(CREATED)),
    serverFrame(0x1, text({ type: 'response.output_text.delta', delta: 'hello' })),
    serverFrame(0x1, text(COMPLETED)),
  ]);
  for (const size of [frames.length, 1, 7]) {
    const [response] = await read('openai-responses', frames, 1, { size });
    assert.ok(response !== undefined);
    assert.equal(response.terminal, true);
    assert.deepEqual(response.outcome, {
      kind: 'counted',
      model: 'gpt-5-codex',
      tokens: CODEX_TOKENS,
    });
  }
});

test('a fragmented message with a ping and a pong between its fragments is read whole', async () => {
  const whole = text(COMPLETED);
  const frames = Buffer.concat([
    serverFrame(0x1, text(CREATED)),
    serverFrame(0x1, whole.subarray(0, 20), false),
    serverFrame(0x9, Buffer.from('ping')),
    serverFrame(0x0, whole.subarray(20, 50), false),
    serverFrame(0xa, Buffer.from('pong')),
    serverFrame(0x0, whole.subarray(50), true),
  ]);
  const [response] = await read('openai-responses', frames, 1, { size: 3 });
  assert.deepEqual(response?.outcome, {
    kind: 'counted',
    model: 'gpt-5-codex',
    tokens: CODEX_TOKENS,
  });
});

/** permessage-deflate's framing of one message (RFC 7692 §7.2.1): the sync-flush tail removed. */
function compress(message: Buffer): Buffer {
  const deflated = deflateRawSync(message, { finishFlush: constants.Z_SYNC_FLUSH });
  return deflated.subarray(0, deflated.length - 4);
}

test('permessage-deflate: messages inflated as the 101 agreed, with and without context takeover', async () => {
  // Without takeover each message is compressed on its own (as compress() does).
  const independent = Buffer.concat([
    serverFrame(0x1, compress(text(CREATED)), true, true),
    serverFrame(0x1, compress(text(COMPLETED)), true, true),
    serverFrame(0x1, text(CREATED)), // an uncompressed message in between is allowed
    serverFrame(0x1, compress(text(COMPLETED)), true, true),
  ]);
  const reported = await read('openai-responses', independent, 2, {
    extensions: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    size: 5,
  });
  for (const response of reported) assert.equal(response.outcome.kind, 'counted');

  // With takeover, one deflate stream runs across messages: only the right window decodes them.
  const { createDeflateRaw } = await import('node:zlib');
  const deflate = createDeflateRaw();
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const streamed: Buffer[] = [];
  for (const message of [text(CREATED), text(COMPLETED), text(CREATED), text(COMPLETED)]) {
    deflate.write(message);
    await new Promise<void>((resolve) => {
      deflate.flush(constants.Z_SYNC_FLUSH, () => {
        resolve();
      });
    });
    const out = Buffer.concat(chunks.splice(0));
    streamed.push(serverFrame(0x1, out.subarray(0, out.length - 4), true, true));
  }
  deflate.close();
  const taken = await read('openai-responses', Buffer.concat(streamed), 2, {
    extensions: 'permessage-deflate',
  });
  for (const response of taken) {
    assert.deepEqual(response.outcome, {
      kind: 'counted',
      model: 'gpt-5-codex',
      tokens: CODEX_TOKENS,
    });
  }
});

test('a compressed frame without an agreed permessage-deflate makes the response unparsed', async () => {
  const frames = Buffer.concat([
    serverFrame(0x1, text(CREATED)),
    serverFrame(0x1, compress(text(COMPLETED)), true, true),
  ]);
  const [response] = await read('openai-responses', frames, 1);
  assert.deepEqual(response?.outcome, { kind: 'unparsed', model: 'gpt-5-codex' });
  assert.equal(response.terminal, false);
});

test('a stream that cannot be inflated, a masked server frame or a bad opcode: unparsed, no throw', async () => {
  for (const bad of [
    serverFrame(0x1, Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x11]), true, true),
    clientFrame(0x1, text(COMPLETED)),
    serverFrame(0x3, Buffer.from('reserved opcode')),
  ]) {
    const frames = Buffer.concat([serverFrame(0x1, text(CREATED)), bad]);
    const [response] = await read('openai-responses', frames, 1, {
      extensions: 'permessage-deflate',
    });
    assert.equal(response?.outcome.kind, 'unparsed');
  }
});

test('a message over MAX_MESSAGE_BYTES is not buffered: its response is unparsed', async () => {
  // A frame header announcing MAX_MESSAGE_BYTES + 1 bytes; the reader must refuse before reading.
  const big = Buffer.alloc(10);
  big[0] = 0x81;
  big[1] = 127;
  big.writeBigUInt64BE(BigInt(MAX_MESSAGE_BYTES + 1), 2);
  const frames = Buffer.concat([serverFrame(0x1, text(CREATED)), big, Buffer.alloc(1024)]);
  const [response] = await read('openai-responses', frames, 1);
  assert.deepEqual(response?.outcome, { kind: 'unparsed', model: 'gpt-5-codex' });
});

test('a response cut by the socket closing is reported once, not terminal', async () => {
  const frames = Buffer.concat([
    serverFrame(0x1, text(CREATED)),
    serverFrame(0x1, text({ type: 'response.output_text.delta', delta: 'hel' })),
  ]);
  const reported = await read('openai-responses', frames, 1);
  assert.deepEqual(reported[0]?.outcome, { kind: 'unknown', model: 'gpt-5-codex' });
  assert.equal(reported[0].terminal, false);
  assert.deepEqual(await read('openai-responses', Buffer.alloc(0), 0), []);
});

test('Realtime: the model from session.created, one response per response.done with its tokens', async () => {
  const frames = Buffer.concat(
    [
      { type: 'session.created', event_id: 'e1', session: { model: 'gpt-realtime' } },
      { type: 'response.created', event_id: 'e2', response: { id: 'r1' } },
      { event_id: 'e3', type: 'response.output_audio.delta', delta: 'A'.repeat(5000) },
      {
        event_id: 'e4',
        type: 'response.done',
        response: {
          status: 'completed',
          usage: {
            total_tokens: 620,
            input_tokens: 500,
            output_tokens: 120,
            input_token_details: { cached_tokens: 300, text_tokens: 200, audio_tokens: 300 },
            output_token_details: { text_tokens: 20, audio_tokens: 100 },
          },
        },
      },
      { type: 'session.updated', session: { model: 'gpt-realtime-2' } },
      { type: 'response.created', response: { id: 'r2' } },
    ].map((event) => serverFrame(0x1, text(event))),
  );
  const reported = await read('openai-realtime', frames, 2);
  assert.deepEqual(reported[0]?.outcome, {
    kind: 'counted',
    model: 'gpt-realtime',
    tokens: { input: 200, output: 120, cacheRead: 300, cacheWrite: 0 },
  });
  assert.equal(reported[0].terminal, true);
  assert.deepEqual(reported[1]?.outcome, { kind: 'unknown', model: 'gpt-realtime-2' });
  assert.equal(reported[1].terminal, false);
});

test('Gemini Live: the model from the client setup, usage per turn, JSON in binary frames', async () => {
  const setup = clientFrame(
    0x1,
    text({ setup: { model: 'models/gemini-live-2.5-flash', generationConfig: {} } }),
  );
  const frames = Buffer.concat([
    serverFrame(0x2, text({ setupComplete: {} })),
    serverFrame(0x2, text({ serverContent: { modelTurn: { parts: [{ text: 'Hi' }] } } })),
    serverFrame(
      0x2,
      text({
        serverContent: { turnComplete: true },
        usageMetadata: {
          promptTokenCount: 40,
          cachedContentTokenCount: 10,
          responseTokenCount: 12,
          thoughtsTokenCount: 3,
          totalTokenCount: 55,
        },
      }),
    ),
    serverFrame(0x1, text({ serverContent: { modelTurn: { parts: [{ text: 'Again' }] } } })),
    serverFrame(0x1, text({ usageMetadata: { promptTokenCount: 60, responseTokenCount: 5 } })),
    serverFrame(0x1, text({ serverContent: { turnComplete: true } })),
  ]);
  const reported = await read('gemini-live', frames, 2, { client: setup, size: 11 });
  assert.deepEqual(
    reported.map((response) => [response.outcome, response.terminal]),
    [
      [
        {
          kind: 'counted',
          model: 'gemini-live-2.5-flash',
          tokens: { input: 30, output: 15, cacheRead: 10, cacheWrite: 0 },
        },
        true,
      ],
      [
        {
          kind: 'counted',
          model: 'gemini-live-2.5-flash',
          tokens: { input: 60, output: 5, cacheRead: 0, cacheWrite: 0 },
        },
        true,
      ],
    ],
  );
});

test('sniffType reads the event type off the bytes, wherever in the head it sits', () => {
  assert.equal(sniffType(text({ type: 'response.done' })), 'response.done');
  assert.equal(
    sniffType(Buffer.from('{"event_id":"x", "type" : "session.created"}')),
    'session.created',
  );
  assert.equal(sniffType(Buffer.from(`{"delta":"${'A'.repeat(2000)}","type":"late"}`)), 'late');
  assert.equal(sniffType(Buffer.from('{"kind":"none"}')), undefined);
  assert.equal(sniffType(Buffer.from('{"type": 5}')), undefined);
});

test('schemas without a WebSocket protocol get no reader', () => {
  for (const schema of ['anthropic', 'openai', 'gemini', 'ollama', 'unknown'] as const) {
    assert.equal(
      createWebSocketReader(schema, undefined, () => undefined),
      undefined,
    );
  }
});
