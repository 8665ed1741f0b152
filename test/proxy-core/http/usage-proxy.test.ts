// Token usage read from real traffic through the proxy: every wire fixture served by a fake
// upstream (plain and compressed) through the reverse and forward routes, the official SDKs, and
// the totals in /_memex/stats. Forwarding must stay byte-identical while usage is read.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { StatsSnapshot } from '../../../shared/snapshot.js';
import { send } from '../../helpers/client.js';
import {
  anthropicMessage,
  anthropicStream,
  openaiCompletion,
  openaiStream,
} from '../../helpers/clients-sdk.js';
import { startApiUpstream } from '../../helpers/clients-upstream.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream } from '../../helpers/servers.js';
import { loadUsageFixtures } from '../usage/feed.js';

const FIXTURES = loadUsageFixtures();
const WIRE_PATHS: Readonly<Record<string, string>> = {
  anthropic: '/v1/messages',
  openai: '/v1/chat/completions',
  'openai-responses': '/v1/responses',
  gemini: '/v1beta/models/gemini-2.5-flash:generateContent',
  ollama: '/api/chat',
};

const CODINGS = [
  ['identity', (body: Buffer) => body],
  ['gzip', gzipSync],
  ['br', brotliCompressSync],
  ['deflate', deflateSync],
] as const;

for (const fixture of FIXTURES) {
  for (const [coding, encode] of CODINGS) {
    test(`${fixture.name} (${coding}) through memex: bytes unchanged, usage as the upstream reported`, async (t) => {
      const wire = encode(fixture.body);
      const upstream = await startUpstream(t, (_req, res) => {
        const headers: Record<string, string> = { 'content-type': fixture.head.contentType ?? '' };
        if (coding !== 'identity') headers['content-encoding'] = coding;
        res.writeHead(fixture.head.status, headers);
        // Two writes, cut mid-body, so the reader sees the body in pieces as a client would.
        const half = wire.length >> 1;
        res.write(wire.subarray(0, half));
        res.end(wire.subarray(half));
      });
      const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });
      const path = WIRE_PATHS[fixture.schema] ?? '/';

      const recorded = proxy.nextRecord();
      const reply = await send(`${proxy.url}/up${path}`, {
        method: 'POST',
        headers: { 'accept-encoding': 'gzip, br, deflate' },
      });
      const record = await recorded;

      assert.equal(reply.status, fixture.head.status);
      assert.ok(reply.body.equals(wire), `body changed: ${reply.body.length} vs ${wire.length}`);
      assert.equal(record.schema, fixture.schema);
      assert.deepEqual(record.usage, fixture.expected);
    });
  }
}

test('forward mode (HTTP_PROXY) reads usage too, and /_memex/stats totals it per schema and model', async (t) => {
  const stream = FIXTURES.find((f) => f.name === 'anthropic/messages_stream.sse');
  const json = FIXTURES.find((f) => f.name === 'openai_chat/chat_completion.json');
  assert.ok(stream?.expected?.kind === 'counted' && json?.expected?.kind === 'counted');
  const upstream = await startUpstream(t, (req, res) => {
    const fixture = req.url === '/v1/messages' ? stream : json;
    res.writeHead(200, { 'content-type': fixture.head.contentType ?? '' }).end(fixture.body);
  });
  const proxy = await startObservedProxy(t);

  for (const path of ['/v1/messages', '/v1/messages', '/v1/chat/completions']) {
    const recorded = proxy.nextRecord();
    const reply = await send(`${proxy.url}/`, {
      method: 'POST',
      path: `${upstream.url}${path}`,
      headers: { host: `127.0.0.1:${upstream.port}` },
    });
    assert.equal(reply.status, 200);
    await recorded;
  }

  const stats = (await send(`${proxy.url}/_memex/stats`)).body.toString();
  const snapshot = JSON.parse(stats) as StatsSnapshot;
  const days = Object.values(snapshot.usage.days);
  assert.equal(days.length, 1);
  const today = days[0];
  assert.ok(today !== undefined);
  const tokens = stream.expected.tokens;
  assert.deepEqual(today.schemas.anthropic, {
    requests: 2,
    input: 2 * tokens.input,
    output: 2 * tokens.output,
    cacheRead: 2 * tokens.cacheRead,
    cacheWrite: 2 * tokens.cacheWrite,
    unknown: 0,
    unparsed: 0,
  });
  assert.equal(today.models[json.expected.model]?.output, json.expected.tokens.output);
  assert.equal(snapshot.recent[0]?.usage?.model, json.expected.model);
});

test('the official SDKs through memex: the totals equal the usage each SDK reported', async (t) => {
  const upstream = await startApiUpstream(t);
  const proxy = await startObservedProxy(t, {
    upstreams: { anthropic: upstream.url, openai: upstream.url },
  });
  const sum = { input: 0, output: 0 };

  const message = await anthropicMessage(proxy.url);
  sum.input += message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0);
  sum.output += message.usage.output_tokens;
  const { message: streamed } = await anthropicStream(proxy.url, []);
  sum.input += streamed.usage.input_tokens + (streamed.usage.cache_read_input_tokens ?? 0);
  sum.output += streamed.usage.output_tokens;
  const completion = await openaiCompletion(proxy.url, []);
  sum.input += completion.usage?.prompt_tokens ?? NaN;
  sum.output += completion.usage?.completion_tokens ?? NaN;
  const chunks = await openaiStream(proxy.url, []);
  const usage = chunks.at(-1)?.usage;
  sum.input += usage?.prompt_tokens ?? NaN;
  sum.output += usage?.completion_tokens ?? NaN;

  // The SDK resolves when it has the body; memex records the exchange when it closes.
  while (proxy.proxy.stats.snapshot().recent.length < 4) await proxy.nextRecord();
  const [today] = Object.values(proxy.proxy.stats.snapshot().usage.days);
  let input = 0;
  let output = 0;
  for (const tally of Object.values(today?.schemas ?? {})) {
    input += tally.input + tally.cacheRead + tally.cacheWrite;
    output += tally.output;
    assert.equal(tally.unknown + tally.unparsed, 0);
  }
  assert.deepEqual({ input, output }, sum);
});

test('an OpenAI stream without include_usage counts as tokens unknown, never as zero', async (t) => {
  const fixture = FIXTURES.find((f) => f.name === 'openai_chat/chat_stream.sse');
  assert.ok(fixture !== undefined);
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' }).end(fixture.body);
  });
  const proxy = await startObservedProxy(t, { upstreams: { openai: upstream.url } });

  const recorded = proxy.nextRecord();
  await send(`${proxy.url}/openai/v1/chat/completions`, { method: 'POST' });
  const record = await recorded;

  assert.deepEqual(record.usage, { kind: 'unknown', model: 'gpt-4o-2024-08-06' });
  const openai = Object.values(proxy.proxy.stats.snapshot().usage.days)[0]?.schemas.openai;
  assert.equal(openai?.unknown, 1);
  assert.equal(openai.output, 0);
});

test('a malformed body is relayed unchanged and counted as unparsed', async (t) => {
  const garbage = Buffer.from('{"id":"msg_1","usage":{"input_tokens":12,');
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(garbage);
  });
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });

  const recorded = proxy.nextRecord();
  const reply = await send(`${proxy.url}/anthropic/v1/messages`, { method: 'POST' });
  const record = await recorded;

  assert.ok(reply.body.equals(garbage));
  assert.equal(record.usage?.kind, 'unparsed');
});

test('error replies, count_tokens and unknown paths are not read', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    const status = req.url === '/v1/messages' ? 429 : 200;
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end('{"usage":{"input_tokens":5,"output_tokens":5}}');
  });
  const proxy = await startObservedProxy(t, { upstreams: { up: upstream.url } });

  for (const path of ['/v1/messages', '/v1/messages/count_tokens', '/v2/other']) {
    const recorded = proxy.nextRecord();
    await send(`${proxy.url}/up${path}`, { method: 'POST' });
    assert.equal((await recorded).usage, undefined, path);
  }
  assert.deepEqual(proxy.proxy.stats.snapshot().usage.days, {});
});

test('a stream the upstream cuts keeps what it said so far', async (t) => {
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(
      'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-x",' +
        '"usage":{"input_tokens":40,"output_tokens":1}}}\n\n',
      () => res.destroy(),
    );
  });
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });

  const recorded = proxy.nextRecord();
  await send(`${proxy.url}/anthropic/v1/messages`, { method: 'POST' }).catch(() => undefined);
  const record = await recorded;

  assert.equal(record.complete, false);
  assert.deepEqual(record.usage, {
    kind: 'counted',
    model: 'claude-x',
    tokens: { input: 40, output: 1, cacheRead: 0, cacheWrite: 0 },
  });
});
