// The official Anthropic and OpenAI SDKs pointed at memex's reverse routes, with retries off so
// failures surface, and a fetch that records the headers each SDK set (and changes nothing).

import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

export const ANTHROPIC_KEY = 'sk-ant-test-key';
export const OPENAI_KEY = 'sk-openai-test-key';

/** The headers an SDK put on each request it made, read where it hands them to fetch. */
export type SentHeaders = Headers[];

// Observes, never alters: the SDK's own request goes to the real global fetch unchanged.
function recordingFetch(sent: SentHeaders): typeof fetch {
  return (input, init) => {
    sent.push(new Headers(init?.headers));
    return fetch(input, init);
  };
}

function anthropicVia(
  proxyUrl: string,
  options: { apiKey?: string; sent?: SentHeaders; headers?: Record<string, string> } = {},
): Anthropic {
  return new Anthropic({
    apiKey: options.apiKey ?? ANTHROPIC_KEY,
    baseURL: `${proxyUrl}/anthropic`,
    maxRetries: 0,
    fetch: recordingFetch(options.sent ?? []),
    defaultHeaders: options.headers ?? {},
  });
}

/** Asserts that every header the SDK set reached the upstream with the same value. */
export function assertHeadersUnchanged(sent: Headers | undefined, seen: IncomingHttpHeaders): void {
  assert.ok(sent !== undefined);
  const names = [...sent.keys()];
  assert.ok(names.length > 0);
  assert.deepEqual(
    Object.fromEntries(names.map((name) => [name, seen[name]])),
    Object.fromEntries(sent),
  );
}

function openaiVia(proxyUrl: string, sent: SentHeaders = []): OpenAI {
  return new OpenAI({
    apiKey: OPENAI_KEY,
    baseURL: `${proxyUrl}/openai/v1`,
    maxRetries: 0,
    fetch: recordingFetch(sent),
  });
}

const MESSAGE_PARAMS = {
  model: 'claude-test-model',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Say hello' }],
};

const CHAT_PARAMS = {
  model: 'gpt-4o-2024-08-06',
  messages: [{ role: 'user' as const, content: "What's the weather like in SF?" }],
};

/** One non-streaming `messages.create` through `${proxyUrl}/anthropic`. */
export async function anthropicMessage(
  proxyUrl: string,
  options: Parameters<typeof anthropicVia>[1] = {},
): Promise<Anthropic.Message> {
  return anthropicVia(proxyUrl, options).messages.create(MESSAGE_PARAMS);
}

/** One `messages.stream` through `${proxyUrl}/anthropic`: the text deltas and the final message. */
export async function anthropicStream(
  proxyUrl: string,
  sent: SentHeaders = [],
): Promise<{ deltas: string[]; message: Anthropic.Message }> {
  const stream = anthropicVia(proxyUrl, { sent }).messages.stream(MESSAGE_PARAMS);
  const deltas: string[] = [];
  stream.on('text', (delta) => deltas.push(delta));
  return { deltas, message: await stream.finalMessage() };
}

/** One non-streaming chat completion through `${proxyUrl}/openai/v1`. */
export async function openaiCompletion(
  proxyUrl: string,
  sent: SentHeaders = [],
): Promise<OpenAI.ChatCompletion> {
  return openaiVia(proxyUrl, sent).chat.completions.create(CHAT_PARAMS);
}

/** One streaming chat completion (with `include_usage`) through `${proxyUrl}/openai/v1`. */
export async function openaiStream(
  proxyUrl: string,
  sent: SentHeaders = [],
): Promise<OpenAI.ChatCompletionChunk[]> {
  const stream = await openaiVia(proxyUrl, sent).chat.completions.create({
    ...CHAT_PARAMS,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
