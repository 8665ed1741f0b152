// Test helpers for the usage readers: wire fixtures with their expected normalized usage, and a
// feeder that awaits the reader's single `done` call and checks the reader's contract on the way.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createUsageReader, type ResponseHead } from '../../../proxy-core/usage/reader.js';
import type { TokenCounts, UsageOutcome } from '../../../proxy-core/usage/outcome.js';
import { detectSchema, type SchemaId } from '../../../proxy-core/http/schema.js';

// Tests run from dist/test/proxy-core/usage/; fixtures are not compiled, so reach back to test/.
const WIRE = new URL('../../../../test/fixtures/wire/', import.meta.url);

export interface UsageFixture {
  readonly name: string;
  readonly schema: SchemaId;
  readonly head: ResponseHead;
  readonly body: Buffer;
  /** undefined: no reader expected (non-2xx). */
  readonly expected: UsageOutcome | undefined;
}

/** The model each fixture body names. */
const MODELS: Readonly<Record<string, string>> = {
  'anthropic/messages.json': 'claude-sonnet-4-5-20250929',
  'anthropic/messages_stream.sse': 'claude-sonnet-4-5-20250929',
  'anthropic/messages_stream_error_overloaded.sse': 'claude-sonnet-4-5-20250929',
  'anthropic/messages_stream_tool_use.sse': 'claude-haiku-4-5-20251001',
  'anthropic/messages_stream_usage_merge.sse': 'claude-opus-4-8',
  'gemini/generate_content.json': 'gemini-2.5-flash',
  'gemini/stream_generate_content.sse': 'gemini-2.5-flash',
  'ollama/chat.json': 'llama3.2',
  'ollama/chat_stream.ndjson': 'llama3.2',
  'openai_chat/chat_completion.json': 'gpt-5.4',
  'openai_chat/chat_stream.sse': 'gpt-4o-2024-08-06',
  'openai_chat/chat_stream_include_usage.sse': 'gpt-4o-2024-08-06',
  'openai_chat/chat_stream_tool_calls.sse': 'gpt-4o-2024-08-06',
  'openai_responses/response.json': 'o1-2024-12-17',
  'openai_responses/response_stream.sse': 'gpt-5.4',
};

type Usage = Readonly<Record<string, unknown>>;

function num(usage: Usage, key: string): number {
  const value = usage[key];
  return typeof value === 'number' ? value : 0;
}

/** Maps a sidecar's `expected_usage` (each API's own names) to normalized TokenCounts. */
function normalize(schema: SchemaId, usage: Usage): TokenCounts {
  switch (schema) {
    case 'anthropic':
      return {
        input: num(usage, 'input_tokens'),
        output: num(usage, 'output_tokens'),
        cacheRead: num(usage, 'cache_read_input_tokens'),
        cacheWrite: num(usage, 'cache_creation_input_tokens'),
      };
    case 'openai':
    case 'openai-responses': {
      const cached = num(usage, 'cached_tokens');
      const prompt = num(usage, schema === 'openai' ? 'prompt_tokens' : 'input_tokens');
      const output = num(usage, schema === 'openai' ? 'completion_tokens' : 'output_tokens');
      return { input: prompt - cached, output, cacheRead: cached, cacheWrite: 0 };
    }
    case 'gemini': {
      const cached = num(usage, 'cachedContentTokenCount');
      return {
        input: num(usage, 'promptTokenCount') - cached,
        output: num(usage, 'candidatesTokenCount') + num(usage, 'thoughtsTokenCount'),
        cacheRead: cached,
        cacheWrite: 0,
      };
    }
    case 'ollama':
      return {
        input: num(usage, 'prompt_eval_count'),
        output: num(usage, 'eval_count'),
        cacheRead: 0,
        cacheWrite: 0,
      };
    case 'openai-realtime':
    case 'gemini-live':
    case 'unknown':
      throw new Error(`no HTTP wire fixtures for the ${schema} family`);
  }
}

function expectedOutcome(name: string, schema: SchemaId, status: number, usage: unknown) {
  if (status < 200 || status > 299) return undefined;
  const model = MODELS[name] ?? '';
  // null: the body has no usage (a stream without include_usage). billable: false marks
  // count_tokens, which is not a generation and has no `usage` object: nothing to count.
  if (usage === null || typeof usage !== 'object') return { kind: 'unknown', model } as const;
  const fields = usage as Usage;
  if (fields['billable'] === false) return { kind: 'unknown', model } as const;
  return { kind: 'counted', model, tokens: normalize(schema, fields) } as const;
}

interface Sidecar {
  path: string;
  status: number;
  response_headers: Record<string, string>;
  expected_usage: unknown;
}

/** Every body fixture under test/fixtures/wire with its head and expected outcome. */
export function loadUsageFixtures(): UsageFixture[] {
  const fixtures: UsageFixture[] = [];
  for (const dir of readdirSync(WIRE, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(new URL(`${dir.name}/`, WIRE)).sort()) {
      if (file.endsWith('.meta.json')) continue;
      const name = `${dir.name}/${file}`;
      const sidecar = name.replace(/\.[a-z]+$/, '.meta.json');
      const meta = JSON.parse(readFileSync(new URL(sidecar, WIRE), 'utf8')) as Sidecar;
      const schema = detectSchema(meta.path);
      fixtures.push({
        name,
        schema,
        head: {
          status: meta.status,
          contentType: meta.response_headers['content-type'],
          contentEncoding: undefined,
        },
        body: readFileSync(new URL(name, WIRE)),
        expected: expectedOutcome(name, schema, meta.status, meta.expected_usage),
      });
    }
  }
  return fixtures;
}

/**
 * Feeds `chunks` to a new reader, then ends (or aborts) it, and resolves with the outcome.
 * Asserts the contract: a reader exists, `done` never runs inside write(), and runs once.
 */
export async function readUsage(
  schema: SchemaId,
  head: ResponseHead,
  chunks: readonly Buffer[],
  finish: 'end' | 'abort' = 'end',
): Promise<UsageOutcome> {
  let calls = 0;
  let writing = false;
  let resolveDone: (outcome: UsageOutcome) => void = () => undefined;
  const result = new Promise<UsageOutcome>((resolve) => {
    resolveDone = resolve;
  });
  const reader = createUsageReader(schema, head, (outcome) => {
    calls++;
    assert.equal(writing, false, 'done was called from inside write()');
    resolveDone(outcome);
  });
  assert.ok(reader, `no reader for ${schema} ${head.contentType ?? '(no type)'}`);
  writing = true;
  for (const chunk of chunks) reader.write(chunk);
  writing = false;
  if (finish === 'end') reader.end();
  else reader.abort();
  // A second end/abort must be harmless and must not report again.
  reader.end();
  reader.abort();
  const outcome = await result;
  // Let any stray asynchronous report surface before counting.
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(calls, 1, 'done must be called exactly once');
  return outcome;
}

/** The two chunks of `body` split at `at`, empty halves left out. */
export function splitAt(body: Buffer, at: number): Buffer[] {
  return [body.subarray(0, at), body.subarray(at)].filter((part) => part.length > 0);
}

/** `body` one byte per chunk. */
export function bytewise(body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at++) chunks.push(body.subarray(at, at + 1));
  return chunks;
}
