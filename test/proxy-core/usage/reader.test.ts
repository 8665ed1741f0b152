import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MAX_JSON_BYTES } from '../../../proxy-core/usage/outcome.js';
import { createUsageReader, type ResponseHead } from '../../../proxy-core/usage/reader.js';
import { readUsage } from './feed.js';

const SSE: ResponseHead = {
  status: 200,
  contentType: 'text/event-stream; charset=utf-8',
  contentEncoding: undefined,
};
const JSON_HEAD: ResponseHead = {
  status: 200,
  contentType: 'application/json',
  contentEncoding: undefined,
};
const NDJSON: ResponseHead = {
  status: 200,
  contentType: 'application/x-ndjson',
  contentEncoding: undefined,
};

const ANTHROPIC_START =
  'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-x","usage":' +
  '{"input_tokens":100,"cache_creation_input_tokens":5,"cache_read_input_tokens":7,"output_tokens":1}}}\n\n';
const ANTHROPIC_DELTA =
  'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"hi"}}\n\n';

const chunk = (text: string): Buffer => Buffer.from(text, 'utf8');

test('no reader for the unknown family, non-2xx statuses or unreadable content types', () => {
  const none = () => undefined;
  assert.equal(createUsageReader('unknown', SSE, none), undefined);
  for (const status of [101, 199, 300, 304, 401, 404, 429, 500, 529]) {
    assert.equal(createUsageReader('anthropic', { ...SSE, status }, none), undefined, `${status}`);
  }
  for (const contentType of ['text/plain', 'text/html', undefined, 'application/octet-stream']) {
    const head = { ...SSE, contentType };
    assert.equal(createUsageReader('openai', head, none), undefined, String(contentType));
  }
  const eventStream = { ...SSE, contentType: 'application/vnd.amazon.eventstream' };
  assert.equal(createUsageReader('anthropic', eventStream, none), undefined);
  assert.equal(createUsageReader('ollama', SSE, none), undefined);
  assert.equal(createUsageReader('openai', NDJSON, none), undefined);
});

test('content types are matched without parameters and case-insensitively', async () => {
  const head = { ...SSE, contentType: ' Text/Event-Stream ;charset=UTF-8' };
  const outcome = await readUsage('anthropic', head, [chunk(ANTHROPIC_START)]);
  assert.equal(outcome.kind, 'counted');
  const problem = { ...JSON_HEAD, contentType: 'application/problem+json' };
  assert.deepEqual(await readUsage('openai', problem, [chunk('{"error":{}}')]), {
    kind: 'unknown',
    model: '',
  });
});

test('an OpenAI stream without include_usage is unknown with its model, never zero', async () => {
  const body =
    'data: {"model":"gpt-4o","choices":[{"delta":{"content":"a"}}],"usage":null}\n\n' +
    'data: {"model":"gpt-4o","choices":[{"delta":{"content":"b"}}],"usage" : null}\n\n' +
    'data: [DONE]\n\n';
  assert.deepEqual(await readUsage('openai', SSE, [chunk(body)]), {
    kind: 'unknown',
    model: 'gpt-4o',
  });
});

test('OpenAI usage is found whatever the whitespace, and cached tokens leave input', async () => {
  const body =
    'data: {"model":"gpt-4o","choices":[{"delta":{"content":"\\"usage\\": {"}}]}\n\n' +
    'data: {"model":"gpt-4o","choices":[],"usage" :\t{"prompt_tokens":100,' +
    '"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":60}}}\n\n' +
    'data: [DONE]\n\n';
  assert.deepEqual(await readUsage('openai', SSE, [chunk(body)]), {
    kind: 'counted',
    model: 'gpt-4o',
    tokens: { input: 40, output: 20, cacheRead: 60, cacheWrite: 0 },
  });
});

test('a JSON body over the cap is unknown, and nothing past the cap is kept', async () => {
  const piece = Buffer.alloc(64 * 1024, 0x20);
  const chunks: Buffer[] = Array.from({ length: MAX_JSON_BYTES / piece.length }, () => piece);
  chunks.push(chunk('{"model":"m","usage":{"input_tokens":1,"output_tokens":1}}'));
  assert.deepEqual(await readUsage('anthropic', JSON_HEAD, chunks), {
    kind: 'unknown',
    model: '',
  });
});

test('garbage bodies are unparsed in every framing', async () => {
  const garbage = chunk('\u0000\u00ff<html>not json</html>');
  assert.equal((await readUsage('anthropic', JSON_HEAD, [garbage])).kind, 'unparsed');
  assert.equal((await readUsage('ollama', NDJSON, [garbage])).kind, 'unparsed');
  assert.equal((await readUsage('openai', SSE, [garbage])).kind, 'unparsed');
  const badEvent = chunk('event: message_start\ndata: {"type":"message_start",\n\n');
  assert.equal((await readUsage('anthropic', SSE, [badEvent])).kind, 'unparsed');
  assert.equal((await readUsage('openai', JSON_HEAD, [chunk('[1,2]')])).kind, 'unparsed');
  const emptyUsage = chunk('{"model":"m","usage":{}}');
  assert.deepEqual(await readUsage('openai', JSON_HEAD, [emptyUsage]), {
    kind: 'unparsed',
    model: 'm',
  });
});

test('a stream cut before its first event is unknown, not unparsed', async () => {
  const outcome = await readUsage('anthropic', SSE, [chunk('event: message_st')], 'abort');
  assert.deepEqual(outcome, { kind: 'unknown', model: '' });
});

test('an empty body is unknown, not unparsed', async () => {
  assert.equal((await readUsage('anthropic', JSON_HEAD, [])).kind, 'unknown');
  assert.equal((await readUsage('openai', SSE, [])).kind, 'unknown');
  assert.equal((await readUsage('ollama', NDJSON, [])).kind, 'unknown');
});

test('an unsupported or stacked content-encoding is unparsed', async () => {
  for (const contentEncoding of ['zstd', 'gzip, br', 'compress']) {
    const head = { ...SSE, contentEncoding };
    assert.deepEqual(await readUsage('anthropic', head, [chunk(ANTHROPIC_START)]), {
      kind: 'unparsed',
      model: '',
    });
  }
});

test('identity and x-gzip encodings are read', async () => {
  const identity = { ...SSE, contentEncoding: 'Identity' };
  assert.equal((await readUsage('anthropic', identity, [chunk(ANTHROPIC_START)])).kind, 'counted');
  const xgzip = { ...SSE, contentEncoding: 'x-gzip' };
  const encoded = gzipSync(chunk(ANTHROPIC_START));
  assert.equal((await readUsage('anthropic', xgzip, [encoded])).kind, 'counted');
});

test('a corrupt compressed body is unparsed, never thrown', async () => {
  const head = { ...SSE, contentEncoding: 'gzip' };
  const notGzip = chunk(ANTHROPIC_START);
  assert.equal((await readUsage('anthropic', head, [notGzip])).kind, 'unparsed');
  const encoded = gzipSync(chunk(ANTHROPIC_START));
  const truncated = encoded.subarray(0, encoded.length - 6);
  assert.equal((await readUsage('anthropic', head, [truncated])).kind, 'unparsed');
});

test('a cut compressed Anthropic stream still counts what arrived', async () => {
  const head = { ...SSE, contentEncoding: 'gzip' };
  const encoded = gzipSync(chunk(ANTHROPIC_START + ANTHROPIC_DELTA));
  const cut = encoded.subarray(0, encoded.length - 8);
  const outcome = await readUsage('anthropic', head, [cut], 'abort');
  assert.deepEqual(outcome, {
    kind: 'counted',
    model: 'claude-x',
    tokens: { input: 100, output: 1, cacheRead: 7, cacheWrite: 5 },
  });
});

test('an aborted Anthropic stream counts message_start input and the last output', async () => {
  const delta =
    'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":42}}\n\n';
  const outcome = await readUsage(
    'anthropic',
    SSE,
    [chunk(ANTHROPIC_START), chunk(ANTHROPIC_DELTA), chunk(delta), chunk('event: content_bl')],
    'abort',
  );
  assert.deepEqual(outcome, {
    kind: 'counted',
    model: 'claude-x',
    tokens: { input: 100, output: 42, cacheRead: 7, cacheWrite: 5 },
  });
});

test('message_delta input and cache fields override message_start', async () => {
  const delta =
    'event: message_delta\ndata: {"type":"message_delta","usage":{"input_tokens":3,' +
    '"cache_read_input_tokens":9000,"output_tokens":8}}\n\n';
  const outcome = await readUsage('anthropic', SSE, [chunk(ANTHROPIC_START + delta)]);
  assert.deepEqual(outcome, {
    kind: 'counted',
    model: 'claude-x',
    tokens: { input: 3, output: 8, cacheRead: 9000, cacheWrite: 5 },
  });
});

test('Anthropic events without event: lines are recognised by their type', async () => {
  const body = ANTHROPIC_START.replace('event: message_start\n', '');
  const outcome = await readUsage('anthropic', SSE, [chunk(body)]);
  assert.equal(outcome.kind, 'counted');
});

test('an Anthropic stream with only an error event is unknown', async () => {
  const body = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n';
  assert.deepEqual(await readUsage('anthropic', SSE, [chunk(body)]), {
    kind: 'unknown',
    model: '',
  });
});

test('an event over the size cap is skipped and the stream goes on', async () => {
  const huge = 'x'.repeat(1024 * 1024 + 10);
  const body =
    `data: {"model":"gpt-4o","choices":[{"delta":{"content":"${huge}"}}]}\n\n` +
    'data: {"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":6}}\n\n';
  const outcome = await readUsage('openai', SSE, [chunk(body)]);
  assert.deepEqual(outcome, {
    kind: 'counted',
    model: 'gpt-4o',
    tokens: { input: 5, output: 6, cacheRead: 0, cacheWrite: 0 },
  });
  const overUsage = `data: {"model":"gpt-4o","usage":{"prompt_tokens":5},"pad":"${huge}"}\n\n`;
  assert.deepEqual(await readUsage('openai', SSE, [chunk(overUsage)]), {
    kind: 'unknown',
    model: '',
  });
});

test('Gemini cached and tool-use prompt tokens are split out; thoughts join output', async () => {
  const body = JSON.stringify({
    modelVersion: 'gemini-2.5-pro',
    usageMetadata: {
      promptTokenCount: 1000,
      cachedContentTokenCount: 800,
      toolUsePromptTokenCount: 10,
      candidatesTokenCount: 50,
      thoughtsTokenCount: 25,
    },
  });
  assert.deepEqual(await readUsage('gemini', JSON_HEAD, [chunk(body)]), {
    kind: 'counted',
    model: 'gemini-2.5-pro',
    tokens: { input: 210, output: 75, cacheRead: 800, cacheWrite: 0 },
  });
});

test("Gemini's JSON-array stream (no alt=sse) reads the last chunk's usage", async () => {
  const body = JSON.stringify([
    { modelVersion: 'g', usageMetadata: { promptTokenCount: 4 } },
    { modelVersion: 'g', usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 9 } },
  ]);
  assert.deepEqual(await readUsage('gemini', JSON_HEAD, [chunk(body)]), {
    kind: 'counted',
    model: 'g',
    tokens: { input: 4, output: 9, cacheRead: 0, cacheWrite: 0 },
  });
});

test('an Ollama stream cut before done:true is unknown with its model', async () => {
  const line = '{"model":"llama3.2","message":{"content":"x"},"done":false}\n';
  assert.deepEqual(await readUsage('ollama', NDJSON, [chunk(line + line)], 'abort'), {
    kind: 'unknown',
    model: 'llama3.2',
  });
});

test('a cut JSON body is unknown; a complete one read on abort still counts', async () => {
  const body = '{"model":"m","usage":{"input_tokens":1,"output_tokens":2}}';
  assert.equal(
    (await readUsage('anthropic', JSON_HEAD, [chunk(body.slice(0, 20))], 'abort')).kind,
    'unknown',
  );
  assert.equal((await readUsage('anthropic', JSON_HEAD, [chunk(body)], 'abort')).kind, 'counted');
});

test('a JSON body with a BOM is read', async () => {
  const body = '\ufeff{"model":"m","usage":{"prompt_tokens":1,"completion_tokens":2}}';
  assert.equal((await readUsage('openai', JSON_HEAD, [chunk(body)])).kind, 'counted');
});

test('writes after end are ignored and a throwing done does not escape', () => {
  let calls = 0;
  const reader = createUsageReader('anthropic', SSE, () => {
    calls++;
    throw new Error('caller bug');
  });
  assert.ok(reader);
  reader.write(chunk(ANTHROPIC_START));
  assert.doesNotThrow(() => {
    reader.end();
  });
  reader.write(chunk(ANTHROPIC_START));
  reader.end();
  assert.equal(calls, 1);
});

test('model names are cut to 200 characters', async () => {
  const body = JSON.stringify({ model: 'm'.repeat(5000), usage: { prompt_tokens: 1 } });
  const outcome = await readUsage('openai', JSON_HEAD, [chunk(body)]);
  assert.equal(outcome.model.length, 200);
});

test('negative, fractional and string counts are ignored', async () => {
  const body = JSON.stringify({
    model: 'm',
    usage: {
      prompt_tokens: -1,
      completion_tokens: '7',
      prompt_tokens_details: { cached_tokens: 1.5 },
    },
  });
  assert.deepEqual(await readUsage('openai', JSON_HEAD, [chunk(body)]), {
    kind: 'unparsed',
    model: 'm',
  });
});

/** Drives a reader as the proxy does: one chunk per event-loop turn, then end(). */
async function readSpaced(head: ResponseHead, chunks: readonly Buffer[]): Promise<string> {
  let kind = '';
  const done = new Promise<void>((resolve) => {
    const reader = createUsageReader('anthropic', head, (outcome) => {
      kind = outcome.kind;
      resolve();
    });
    assert.ok(reader);
    void (async () => {
      for (const chunk of chunks) {
        reader.write(chunk);
        await new Promise<void>((next) => setImmediate(next));
      }
      reader.end();
    })();
  });
  await done;
  return kind;
}

test('a compressed JSON body that decodes past the cap is tokens unknown (a zip bomb stops early)', async () => {
  const bomb = gzipSync(Buffer.alloc(MAX_JSON_BYTES * 4, 0x20));
  // The last tenth is corrupt: a reader that kept decoding would reach it and report unparsed.
  bomb.fill(0xff, Math.floor(bomb.length * 0.9), bomb.length - 8);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bomb.length; at += 1024) chunks.push(bomb.subarray(at, at + 1024));
  assert.equal(await readSpaced({ ...JSON_HEAD, contentEncoding: 'gzip' }, chunks), 'unknown');
});

test('compressed input piling up faster than it decodes is tokens unknown, never unbounded', async () => {
  const noise = Buffer.alloc(9 * 1024 * 1024);
  for (let at = 0; at < noise.length; at += 4) noise.writeUInt32LE((at * 2654435761) >>> 0, at);
  // One write larger than MAX_PENDING_BYTES is queued whole; the next finds the queue too long.
  const kind = await readUsage('anthropic', { ...JSON_HEAD, contentEncoding: 'gzip' }, [
    noise,
    Buffer.from('more'),
  ]);
  assert.equal(kind.kind, 'unknown');
});
