// A fake Anthropic + OpenAI upstream for real SDKs: it answers /v1/messages and
// /v1/chat/completions from the wire fixtures (stream or not, as the request body asks) and
// records every request it sees, headers and body included.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import { loadWireFixture, serveWireFixture, type WireFixture } from './clients-fixtures.js';
import { startUpstream, type Upstream } from './servers.js';
import { startTlsUpstream, type Certificate } from './tls.js';

/** An API key the fake upstream rejects with the provider's 401 fixture. */
export const REJECTED_KEY = 'sk-rejected';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ApiUpstream extends Upstream {
  /** Requests in the order they arrived. */
  readonly seen: SeenRequest[];
}

const FIXTURES = {
  anthropic: {
    json: 'anthropic/messages.json',
    stream: 'anthropic/messages_stream.sse',
    rejected: 'anthropic/error_401.json',
  },
  openai: {
    json: 'openai_chat/chat_completion.json',
    stream: 'openai_chat/chat_stream_include_usage.sse',
    rejected: 'openai_chat/error_401.json',
  },
} as const;

/**
 * Starts the fake API upstream on 127.0.0.1 port 0, over HTTPS with `certificate`; closed when
 * the test ends.
 */
export async function startApiUpstream(
  t: TestContext,
  certificate?: Certificate,
): Promise<ApiUpstream> {
  const seen: SeenRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    answer(req, res, seen).catch(() => res.destroy());
  };
  const upstream =
    certificate === undefined
      ? await startUpstream(t, handler)
      : await startTlsUpstream(t, certificate, handler);
  return { ...upstream, seen };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  seen: SeenRequest[],
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });

  const family =
    req.url === '/v1/messages'
      ? FIXTURES.anthropic
      : req.url === '/v1/chat/completions'
        ? FIXTURES.openai
        : undefined;
  if (req.method !== 'POST' || family === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`fake upstream: no ${req.url ?? ''}`);
    return;
  }
  const key = req.headers['x-api-key'] ?? req.headers.authorization ?? '';
  const stream = (JSON.parse(body) as { stream?: unknown }).stream === true;
  const name = key.includes(REJECTED_KEY) ? family.rejected : stream ? family.stream : family.json;
  const fixture: WireFixture = loadWireFixture(name);
  await serveWireFixture(res, fixture);
}
