// What memex counts of a WebSocket (issue 14): a Codex-shaped Responses session (several
// response.create turns, with and without permessage-deflate), a Realtime session and a Gemini
// Live session through a real memex, each model response one request with its tokens; the
// `complete` rule in HTTP and WebSocket alike; and descriptors back at baseline after many
// open-and-abort cycles.

import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import type { WebSocket } from 'ws';
import type { RequestRecord } from '../../../shared/snapshot.js';
import { fdCount, settlesTo } from '../../helpers/adversarial-upstream.js';
import { once } from '../../helpers/events.js';
import { startProxyProcess } from '../../helpers/proxy-process.js';
import { startObservedProxy, type ObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream } from '../../helpers/servers.js';
import { closed, nextMessage, openWs, startWsUpstream } from '../../helpers/websocket.js';

/** Answers each response.create like the Responses API over WebSocket (one event per frame). */
function responsesServer(ws: WebSocket): void {
  let turn = 0;
  ws.on('message', (data: Buffer) => {
    const request = JSON.parse(data.toString('utf8')) as {
      type: string;
      model: string;
      generate?: boolean;
    };
    if (request.type !== 'response.create') return;
    turn++;
    const id = `resp_${turn}`;
    const send = (event: unknown): void => {
      ws.send(JSON.stringify(event));
    };
    send({
      type: 'response.created',
      response: { id, model: request.model, status: 'in_progress' },
    });
    const usage =
      request.generate === false
        ? { input_tokens: 0, output_tokens: 0 }
        : {
            input_tokens: 1000 * turn,
            input_tokens_details: { cached_tokens: 600 },
            output_tokens: 40 + turn,
            output_tokens_details: { reasoning_tokens: 32 },
          };
    if (request.generate !== false) {
      send({ type: 'response.output_item.added', item: { type: 'message' } });
      for (const word of ['The', ' answer', ' is', ' 4.']) {
        send({ type: 'response.output_text.delta', delta: word });
      }
    }
    send({ type: 'response.completed', response: { id, model: request.model, usage } });
  });
}

/** Collects `count` records of the carried responses (method WS). */
function carried(proxy: ObservedProxy, count: number): Promise<RequestRecord[]> {
  const records: RequestRecord[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`only ${records.length} of ${count} carried responses were recorded`));
    }, 5_000);
    proxy.events.on('responseCarried', (record: RequestRecord) => {
      records.push(record);
      if (records.length === count) {
        clearTimeout(timer);
        resolve(records);
      }
    });
  });
}

for (const compressed of [false, true]) {
  test(`a Codex-shaped session: each response.create turn is one openai-responses request with its tokens (${compressed ? 'permessage-deflate' : 'uncompressed'})`, async (t) => {
    const deflate = compressed ? { threshold: 0 } : false;
    const upstream = await startWsUpstream(t, responsesServer, { perMessageDeflate: deflate });
    const proxy = await startObservedProxy(t, { upstreams: { openai: upstream.url } });
    const records = carried(proxy, 3);
    const { ws } = await openWs(t, `ws://127.0.0.1:${proxy.port}/openai/v1/responses`, {
      perMessageDeflate: deflate,
      headers: { 'openai-beta': 'responses_websockets=2026-02-06' },
    });
    assert.equal(ws.extensions !== '', compressed);
    for (const generate of [false, true, true]) {
      ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-5-codex', generate }));
      for (;;) {
        const { data } = await nextMessage(ws);
        if (String(data).includes('"response.completed"')) break;
      }
    }
    const handshake = proxy.nextRecord();
    ws.close(1000);

    const turns = await records;
    assert.deepEqual(
      turns.map((record) => [record.method, record.schema, record.complete, record.usage]),
      [
        [
          'WS',
          'openai-responses',
          true,
          {
            kind: 'counted',
            model: 'gpt-5-codex',
            tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
          },
        ],
        [
          'WS',
          'openai-responses',
          true,
          {
            kind: 'counted',
            model: 'gpt-5-codex',
            tokens: { input: 1400, output: 42, cacheRead: 600, cacheWrite: 0 },
          },
        ],
        [
          'WS',
          'openai-responses',
          true,
          {
            kind: 'counted',
            model: 'gpt-5-codex',
            tokens: { input: 2400, output: 43, cacheRead: 600, cacheWrite: 0 },
          },
        ],
      ],
    );
    const entry = await handshake;
    assert.equal(entry.status, 101);
    const snapshot = proxy.proxy.stats.snapshot();
    // The handshake and three turns; no 404s, no errors.
    assert.equal(snapshot.schemas['openai-responses'].requests, 4);
    assert.equal(snapshot.schemas['openai-responses'].errors, 0);
    const today = Object.values(snapshot.usage.days)[0];
    assert.ok(today !== undefined);
    assert.match(JSON.stringify(today), /"gpt-5-codex"/);
  });
}

test('a Realtime session: the model from the session, usage from each response.done', async (t) => {
  const upstream = await startWsUpstream(t, (ws) => {
    ws.send(
      JSON.stringify({
        type: 'session.created',
        event_id: 'e0',
        session: { model: 'gpt-realtime' },
      }),
    );
    ws.on('message', () => {
      ws.send(JSON.stringify({ type: 'response.created', response: { id: 'r' } }));
      ws.send(JSON.stringify({ type: 'response.output_audio.delta', delta: 'U'.repeat(20_000) }));
      ws.send(
        JSON.stringify({
          type: 'response.done',
          response: {
            status: 'completed',
            usage: {
              input_tokens: 900,
              output_tokens: 300,
              input_token_details: { cached_tokens: 100, text_tokens: 50, audio_tokens: 850 },
              output_token_details: { text_tokens: 60, audio_tokens: 240 },
            },
          },
        }),
      );
    });
  });
  const proxy = await startObservedProxy(t, { upstreams: { openai: upstream.url } });
  const records = carried(proxy, 2);
  const { ws } = await openWs(t, `ws://127.0.0.1:${proxy.port}/v1/realtime?model=gpt-realtime`);
  await nextMessage(ws);
  for (let turn = 0; turn < 2; turn++) {
    ws.send(JSON.stringify({ type: 'response.create' }));
    for (;;) {
      const { data } = await nextMessage(ws);
      if (String(data).includes('"response.done"')) break;
    }
  }
  ws.close(1000);
  for (const record of await records) {
    assert.equal(record.schema, 'openai-realtime');
    assert.equal(record.complete, true);
    assert.deepEqual(record.usage, {
      kind: 'counted',
      model: 'gpt-realtime',
      tokens: { input: 800, output: 300, cacheRead: 100, cacheWrite: 0 },
    });
  }
});

test('a Gemini Live session: the model from setup, usage from each turn, binary JSON frames', async (t) => {
  const upstream = await startWsUpstream(t, (ws) => {
    let setUp = false;
    ws.on('message', () => {
      if (!setUp) {
        setUp = true;
        ws.send(Buffer.from(JSON.stringify({ setupComplete: {} })), { binary: true });
        return;
      }
      const message = (value: unknown): void => {
        ws.send(Buffer.from(JSON.stringify(value)), { binary: true });
      };
      message({ serverContent: { modelTurn: { parts: [{ text: 'Four.' }] } } });
      message({ serverContent: { generationComplete: true } });
      message({
        serverContent: { turnComplete: true },
        usageMetadata: {
          promptTokenCount: 70,
          cachedContentTokenCount: 20,
          responseTokenCount: 9,
          thoughtsTokenCount: 4,
          totalTokenCount: 83,
        },
      });
    });
  });
  const proxy = await startObservedProxy(t, { upstreams: { gemini: upstream.url } });
  const records = carried(proxy, 1);
  const { ws } = await openWs(
    t,
    `ws://127.0.0.1:${proxy.port}/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=AIza-secret`,
  );
  ws.send(JSON.stringify({ setup: { model: 'models/gemini-2.5-flash-live' } }));
  await nextMessage(ws);
  ws.send(JSON.stringify({ clientContent: { turns: [], turnComplete: true } }));
  for (;;) {
    const { data } = await nextMessage(ws);
    if (String(data).includes('"turnComplete"')) break;
  }
  const [record] = await records;
  assert.equal(record?.schema, 'gemini-live');
  assert.equal(record.complete, true);
  assert.deepEqual(record.usage, {
    kind: 'counted',
    model: 'gemini-2.5-flash-live',
    tokens: { input: 50, output: 13, cacheRead: 20, cacheWrite: 0 },
  });
  const handshake = proxy.nextRecord();
  ws.close(1000);
  assert.doesNotMatch(JSON.stringify(await handshake), /AIza-secret/);
});

test('a response cut mid-turn inside a WebSocket is recorded incomplete', async (t) => {
  const upstream = await startWsUpstream(t, (ws) => {
    ws.on('message', () => {
      ws.send(JSON.stringify({ type: 'response.created', response: { model: 'gpt-5-codex' } }));
      ws.send(JSON.stringify({ type: 'response.output_text.delta', delta: 'half' }));
    });
  });
  const proxy = await startObservedProxy(t, { upstreams: { openai: upstream.url } });
  const records = carried(proxy, 1);
  const { ws } = await openWs(t, `ws://127.0.0.1:${proxy.port}/v1/responses`);
  ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-5-codex' }));
  await nextMessage(ws);
  await nextMessage(ws);
  ws.terminate();
  const [record] = await records;
  assert.equal(record?.complete, false);
  assert.deepEqual(record.usage, { kind: 'unknown', model: 'gpt-5-codex' });
  assert.equal(proxy.proxy.stats.snapshot().schemas['openai-responses'].errors >= 1, true);
});

// Codex reads response.completed and hangs up at once; the upstream ends its body 20 ms later.
const TERMINAL_STREAMS = [
  {
    name: 'Responses',
    path: '/v1/responses',
    body:
      'event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-5"}}\n\n' +
      'event: response.completed\ndata: {"type":"response.completed","response":{"model":"gpt-5",' +
      '"usage":{"input_tokens":10,"output_tokens":2}}}\n\n',
    last: 'response.completed',
  },
  {
    name: 'Chat Completions',
    path: '/v1/chat/completions',
    body:
      'data: {"model":"gpt-5","choices":[{"delta":{"content":"hi"}}]}\n\n' +
      'data: {"model":"gpt-5","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}\n\n' +
      'data: [DONE]\n\n',
    last: '[DONE]',
  },
  {
    name: 'Anthropic',
    path: '/v1/messages',
    body:
      'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-x",' +
      '"usage":{"input_tokens":7,"output_tokens":1}}}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":3}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    last: 'message_stop',
  },
] as const;

for (const stream of TERMINAL_STREAMS) {
  test(`${stream.name}: a client that hangs up right after ${stream.last} completed normally`, async (t) => {
    const upstream = await startUpstream(t, (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(stream.body);
      setTimeout(() => res.end(), 20);
    });
    const name = stream.path === '/v1/messages' ? 'anthropic' : 'openai';
    const proxy = await startObservedProxy(t, { upstreams: { [name]: upstream.url } });
    const record = proxy.nextRecord();
    const req = httpRequest({
      host: '127.0.0.1',
      port: proxy.port,
      method: 'POST',
      path: stream.path,
      headers: { host: `127.0.0.1:${proxy.port}`, 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end('{}');
    const [response] = (await once(req, 'response')) as [IncomingMessage];
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes(stream.last)) req.destroy();
    });
    const entry = await record;
    assert.equal(entry.complete, true, 'the terminal event had been read');
    assert.equal(entry.usage?.kind, 'counted');
    assert.equal(proxy.proxy.stats.snapshot().schemas[entry.schema].errors, 0);
  });
}

test('a stream cut before its terminal event stays incomplete', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"model":"gpt-5","choices":[{"delta":{"content":"hi"}}]}\n\n');
  });
  const proxy = await startObservedProxy(t, { upstreams: { openai: upstream.url } });
  const record = proxy.nextRecord();
  const req = httpRequest({
    host: '127.0.0.1',
    port: proxy.port,
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { host: `127.0.0.1:${proxy.port}` },
  });
  req.on('error', () => undefined);
  req.end('{}');
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  response.once('data', () => req.destroy());
  assert.equal((await record).complete, false);
});

test('200 WebSocket open-and-abort cycles leave memex at its baseline of descriptors', async (t) => {
  const upstream = await startWsUpstream(t, () => undefined);
  const proxy = await startProxyProcess(t, ['--upstream', `up=${upstream.url}`]);
  const warm = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/warm`);
  await upstream.nextSocket();
  warm.ws.close(1000);
  await closed(warm.ws);
  const baseline = await settlesTo(() => fdCount(proxy.pid), 0, 300);
  for (let cycle = 0; cycle < 200; cycle++) {
    const { ws } = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/cycle-${cycle}`);
    const side = await upstream.nextSocket();
    const gone = closed(ws);
    if (cycle % 2 === 0) ws.terminate();
    else side.terminate();
    await gone;
  }
  const after = await settlesTo(() => fdCount(proxy.pid), baseline, 10_000);
  assert.ok(after <= baseline, `descriptors: ${baseline} before, ${after} after`);
});
