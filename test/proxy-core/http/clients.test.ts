import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from '../../helpers/events.js';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { StatsSnapshot } from '../../../shared/snapshot.js';
import { send } from '../../helpers/client.js';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  anthropicMessage,
  anthropicStream,
  assertHeadersUnchanged,
  openaiCompletion,
  openaiStream,
  type SentHeaders,
} from '../../helpers/clients-sdk.js';
import { createCertificate } from '../../helpers/tls.js';
import { REJECTED_KEY, startApiUpstream } from '../../helpers/clients-upstream.js';
import { runToExit } from '../../helpers/process-spawn.js';
import { closeServer, startProxy, startUpstream } from '../../helpers/servers.js';

const CURL = '/usr/bin/curl';
// curl must reach the proxy only because of -x: no proxy settings inherited from the environment.
const CURL_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name)),
);

/** Runs curl through the proxy; resolves with the body (stdout) and the status curl saw. */
async function curlVia(
  t: TestContext,
  proxyUrl: string,
  url: string,
  extra: readonly string[] = [],
): Promise<{ body: Buffer; status: string }> {
  const args = ['-sS', '--noproxy', '', '-x', proxyUrl, '-w', '%{stderr}%{http_code}', ...extra];
  const result = await runToExit(t, CURL, [...args, url], { env: CURL_ENV });
  assert.equal(result.code, 0, `curl failed: ${result.stderr}`);
  return { body: result.stdout, status: result.stderr };
}

/** Starts an HTTPS server on 127.0.0.1 port 0 that answers every request with `body`. */
async function startHttpsUpstream(t: TestContext, body: Buffer) {
  const { cert, key, certFile } = await createCertificate(t);
  const server = createHttpsServer({ cert, key }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => closeServer(server));
  return { port: (server.address() as AddressInfo).port, certFile };
}

test('curl in forward mode receives the upstream body byte for byte, sent in origin-form', async (t) => {
  const payload = randomBytes(256 * 1024);
  const seen: { url: string; host: string | undefined; proxyConnection: unknown }[] = [];
  const upstream = await startUpstream(t, (req, res) => {
    seen.push({
      url: req.url ?? '',
      host: req.headers.host,
      proxyConnection: req.headers['proxy-connection'],
    });
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(payload);
  });
  const proxy = await startProxy(t);

  const { body, status } = await curlVia(t, proxy.url, `${upstream.url}/files/blob.bin?part=1`);

  assert.equal(status, '200');
  assert.ok(body.equals(payload), `body differs: ${body.length} bytes, expected ${payload.length}`);
  assert.deepEqual(seen, [
    {
      url: '/files/blob.bin?part=1',
      host: `127.0.0.1:${upstream.port}`,
      proxyConnection: undefined,
    },
  ]);
});

test('curl through a CONNECT tunnel verifies a local HTTPS server and receives its bytes exactly', async (t) => {
  const payload = randomBytes(256 * 1024);
  const https = await startHttpsUpstream(t, payload);
  const proxy = await startProxy(t);

  const { body, status } = await curlVia(t, proxy.url, `https://127.0.0.1:${https.port}/secret`, [
    '--cacert',
    https.certFile,
  ]);

  assert.equal(status, '200');
  assert.ok(body.equals(payload), `body differs: ${body.length} bytes, expected ${payload.length}`);
  assert.equal(proxy.proxy.stats.snapshot().tunnels.total, 1);
});

test('the Anthropic SDK parses a non-streaming message relayed from /anthropic', async (t) => {
  const upstream = await startApiUpstream(t);
  const proxy = await startProxy(t, { upstreams: { anthropic: upstream.url } });
  const sent: SentHeaders = [];

  // The request headers of the recording (anthropic/messages.meta.json), as Claude Code sends them.
  const message = await anthropicMessage(proxy.url, {
    sent,
    headers: { 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' },
  });

  assert.deepEqual(message.content, [
    { type: 'text', text: '{"product_name": "Green Tea", "price": 5.50, "quantity": 2}' },
  ]);
  assert.equal(message.usage.input_tokens, 249);
  assert.equal(message.usage.output_tokens, 26);
  assert.equal(message.usage.cache_read_input_tokens, 0);
  assert.equal(upstream.seen.length, 1);
  const [seen] = upstream.seen;
  assert.ok(seen !== undefined);
  assert.equal(seen.method, 'POST');
  assert.equal(seen.url, '/v1/messages');
  assert.equal(seen.headers['x-api-key'], ANTHROPIC_KEY);
  assert.equal(seen.headers['anthropic-version'], '2023-06-01');
  assertHeadersUnchanged(sent[0], seen.headers);
});

test('the Anthropic SDK streams a message event by event through /anthropic', async (t) => {
  const upstream = await startApiUpstream(t);
  const proxy = await startProxy(t, { upstreams: { anthropic: upstream.url } });

  const sent: SentHeaders = [];

  const { deltas, message } = await anthropicStream(proxy.url, sent);

  assert.deepEqual(deltas, ['[', '12', '345,', '67890]']);
  assert.deepEqual(message.content, [{ type: 'text', text: '[12345,67890]' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.usage.input_tokens, 135);
  assert.equal(message.usage.output_tokens, 10);
  const [seen] = upstream.seen;
  assert.ok(seen !== undefined);
  assert.equal(seen.url, '/v1/messages');
  assert.equal((JSON.parse(seen.body) as { stream?: boolean }).stream, true);
  // This SDK version sends its key as a bearer token, with its own anthropic-version.
  assert.equal(seen.headers.authorization, `Bearer ${ANTHROPIC_KEY}`);
  assert.match(String(seen.headers['anthropic-version']), /^\d{4}-\d{2}-\d{2}$/);
  assertHeadersUnchanged(sent[0], seen.headers);
});

test('the OpenAI SDK parses a non-streaming chat completion relayed from /openai/v1', async (t) => {
  const upstream = await startApiUpstream(t);
  const proxy = await startProxy(t, { upstreams: { openai: upstream.url } });

  const sent: SentHeaders = [];

  const completion = await openaiCompletion(proxy.url, sent);

  const [choice] = completion.choices;
  assert.ok(choice !== undefined && completion.usage !== undefined);
  assert.equal(choice.message.content, 'Hello! How can I assist you today?');
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(completion.usage.prompt_tokens, 19);
  assert.equal(completion.usage.completion_tokens, 10);
  assert.equal(completion.usage.total_tokens, 29);
  const [seen] = upstream.seen;
  assert.ok(seen !== undefined);
  assert.equal(seen.url, '/v1/chat/completions');
  assert.equal(seen.headers.authorization, `Bearer ${OPENAI_KEY}`);
  assertHeadersUnchanged(sent[0], seen.headers);
});

test('the OpenAI SDK streams chat chunks through /openai/v1 up to data: [DONE]', async (t) => {
  const upstream = await startApiUpstream(t);
  const proxy = await startProxy(t, { upstreams: { openai: upstream.url } });

  const sent: SentHeaders = [];

  const chunks = await openaiStream(proxy.url, sent);

  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  assert.equal(
    text,
    "I'm unable to provide real-time weather updates. To get the current weather in San " +
      'Francisco, I recommend checking a reliable weather website or a weather app.',
  );
  const last = chunks.at(-1);
  assert.ok(last?.usage !== undefined && last.usage !== null);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.prompt_tokens, 14);
  assert.equal(last.usage.completion_tokens, 30);
  assert.equal(last.usage.total_tokens, 44);
  const [seen] = upstream.seen;
  assert.ok(seen !== undefined);
  assert.equal(seen.url, '/v1/chat/completions');
  assert.equal(seen.headers.authorization, `Bearer ${OPENAI_KEY}`);
  assertHeadersUnchanged(sent[0], seen.headers);
});

test('/_memex/stats counts a known mix of real clients per schema and lists them in recent', async (t) => {
  const upstream = await startApiUpstream(t);
  const https = await startHttpsUpstream(t, randomBytes(1024));
  const proxy = await startProxy(t, {
    upstreams: { anthropic: upstream.url, openai: upstream.url },
  });

  await curlVia(t, proxy.url, `${upstream.url}/not/an/api?x=1`);
  await curlVia(t, proxy.url, `https://127.0.0.1:${https.port}/`, ['--cacert', https.certFile]);
  await anthropicMessage(proxy.url);
  await anthropicStream(proxy.url);
  await assert.rejects(
    anthropicMessage(proxy.url, { apiKey: REJECTED_KEY }),
    Anthropic.AuthenticationError,
  );
  await openaiCompletion(proxy.url);
  await openaiStream(proxy.url);

  const res = await send(`${proxy.url}/_memex/stats`);
  assert.equal(res.status, 200);
  const stats = JSON.parse(res.body.toString('utf8')) as StatsSnapshot;
  assert.deepEqual(stats.requests, {
    anthropic: 3,
    openai: 2,
    'openai-responses': 0,
    'openai-realtime': 0,
    gemini: 0,
    'gemini-live': 0,
    ollama: 0,
    unknown: 1,
  });
  assert.equal(stats.schemas.anthropic.errors, 1);
  assert.equal(stats.schemas.openai.errors, 0);
  assert.equal(stats.schemas.unknown.errors, 1);
  assert.equal(stats.active, 0);
  assert.equal(stats.tunnels.total, 1);
  assert.equal(stats.tunnels.failed, 0);
  assert.deepEqual(stats.tunnels.byHost, { '127.0.0.1': { schema: 'unknown', count: 1 } });
  const host = `127.0.0.1:${upstream.port}`;
  assert.deepEqual(
    stats.recent.map((r) => ({
      method: r.method,
      host: r.host,
      path: r.path,
      schema: r.schema,
      status: r.status,
      complete: r.complete,
    })),
    [
      ['POST', '/openai/v1/chat/completions', 'openai', 200],
      ['POST', '/openai/v1/chat/completions', 'openai', 200],
      ['POST', '/anthropic/v1/messages', 'anthropic', 401],
      ['POST', '/anthropic/v1/messages', 'anthropic', 200],
      ['POST', '/anthropic/v1/messages', 'anthropic', 200],
      ['GET', '/not/an/api', 'unknown', 404],
    ].map(([method, path, schema, status]) => ({
      method,
      host,
      path,
      schema,
      status,
      complete: true,
    })),
  );
});
