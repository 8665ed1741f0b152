// A fake LLM upstream for the metrics tests: Anthropic Messages and OpenAI Chat Completions
// answered with JSON carrying known usage, the model, status and limit headers chosen per request
// (x-test-model, x-test-status, x-test-limits), and a proxy in front of it whose requests a test
// sends and waits for until the stats have counted them.

import type { OutgoingHttpHeaders } from 'node:http';
import type { TestContext } from 'node:test';
import type { Config } from '../../proxy-core/config/config.js';
import { send, type Received } from './client.js';
import { startObservedProxy, type ObservedProxy } from './proxy-stats.js';
import { startUpstream, type Upstream } from './servers.js';

/** What every Anthropic answer reports: TokenCounts 10 / 5 / 3 / 2. */
export const ANTHROPIC_USAGE = {
  input_tokens: 10,
  output_tokens: 5,
  cache_read_input_tokens: 3,
  cache_creation_input_tokens: 2,
};
/** What every OpenAI answer reports: TokenCounts input 16 (20 − 4 cached), output 7, read 4. */
export const OPENAI_USAGE = {
  prompt_tokens: 20,
  completion_tokens: 7,
  total_tokens: 27,
  prompt_tokens_details: { cached_tokens: 4 },
};

/** Anthropic subscription windows, as fixtures/limits shows them: 5 h at 21 %, 7 d at 68 %. */
export function subscriptionHeaders(): OutgoingHttpHeaders {
  const reset = String(Math.floor(Date.now() / 1000) + 3_600);
  return {
    'anthropic-ratelimit-unified-status': 'allowed',
    'anthropic-ratelimit-unified-5h-utilization': '0.21',
    'anthropic-ratelimit-unified-5h-reset': reset,
    'anthropic-ratelimit-unified-7d-utilization': '0.68',
    'anthropic-ratelimit-unified-7d-reset': reset,
  };
}

/** Starts the fake upstream on 127.0.0.1 port 0. */
export function startUsageUpstream(t: TestContext): Promise<Upstream> {
  return startUpstream(t, (req, res) => {
    req.resume();
    req.on('end', () => {
      const status = Number(req.headers['x-test-status'] ?? 200);
      const anthropic = req.url?.endsWith('/v1/messages') === true;
      const model = String(
        req.headers['x-test-model'] ?? (anthropic ? 'claude-sonnet-4-5' : 'gpt-4.1'),
      );
      const limits = req.headers['x-test-limits'] === 'subscription' ? subscriptionHeaders() : {};
      const body =
        status !== 200
          ? { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }
          : anthropic
            ? {
                id: 'msg_1',
                type: 'message',
                role: 'assistant',
                model,
                content: [{ type: 'text', text: 'hi' }],
                stop_reason: 'end_turn',
                usage: ANTHROPIC_USAGE,
              }
            : {
                id: 'chatcmpl-1',
                object: 'chat.completion',
                model,
                choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }],
                usage: OPENAI_USAGE,
              };
      res.writeHead(status, { 'content-type': 'application/json', ...limits });
      res.end(JSON.stringify(body));
    });
  });
}

export interface UsageProxy extends ObservedProxy {
  /** Sends one request to the proxy and resolves once the stats have counted it. */
  exchange(path: string, headers?: OutgoingHttpHeaders): Promise<Received>;
  /** GET /_memex/metrics with `headers`. */
  scrape(headers?: OutgoingHttpHeaders): Promise<Received>;
}

/** The fake upstream behind a proxy routing /anthropic and /openai (and unprefixed) to it. */
export async function startUsageProxy(
  t: TestContext,
  overrides: Partial<Config> = {},
): Promise<UsageProxy> {
  const upstream = await startUsageUpstream(t);
  const proxy = await startObservedProxy(t, {
    upstreams: { anthropic: upstream.url, openai: upstream.url },
    ...overrides,
  });
  return {
    ...proxy,
    async exchange(path, headers = {}) {
      const recorded = proxy.nextRecord();
      const reply = await send(`${proxy.url}${path}`, { method: 'POST', headers }, '{}');
      await recorded;
      return reply;
    },
    scrape(headers = {}) {
      return send(`${proxy.url}/_memex/metrics`, { headers });
    },
  };
}
