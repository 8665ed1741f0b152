// Model speed (issue 15): the latency book's percentiles per model for the last hour and today,
// its bounds, and the time to first byte memex measures against an upstream that holds its first
// body byte back by a known delay.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LatencyBook,
  MAX_MODELS,
  SAMPLES_PER_MODEL,
  percentile,
  tokensPerSecond,
} from '../../../proxy-core/observe/latency.js';
import { startObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream } from '../../helpers/servers.js';
import { send } from '../../helpers/client.js';

const NOW = 1_800_000_000_000;
const DAY_START = NOW - 10 * 3_600_000;

test('p50 and p95 per model, for the last hour and for today', () => {
  const book = new LatencyBook();
  for (let i = 1; i <= 100; i++) book.add('claude-x', NOW - 60_000, i * 10, i * 20, i);
  // Two hours ago: today, not the last hour.
  for (let i = 0; i < 100; i++) book.add('claude-x', NOW - 7_200_000, 5_000, null, null);
  book.add('gpt-5', NOW - 1_000, 300, null, null);
  const snapshot = book.snapshot(NOW, DAY_START);
  assert.deepEqual(snapshot['claude-x']?.lastHour, {
    samples: 100,
    ttfbMsP50: 500,
    ttfbMsP95: 950,
    firstContentMsP50: 1_000,
    firstContentMsP95: 1_900,
    outputTokensPerSecondP50: 50,
  });
  assert.equal(snapshot['claude-x'].today.samples, 200);
  assert.equal(snapshot['claude-x'].today.ttfbMsP95, 5_000);
  assert.deepEqual(snapshot['gpt-5']?.lastHour, {
    samples: 1,
    ttfbMsP50: 300,
    ttfbMsP95: 300,
    firstContentMsP50: null,
    firstContentMsP95: null,
    outputTokensPerSecondP50: null,
  });
});

test('samples before today are left out, and a model seen only then is not listed', () => {
  const book = new LatencyBook();
  book.add('old', DAY_START - 1, 100, null, null);
  assert.deepEqual(book.snapshot(NOW, DAY_START), {});
});

test('memory is bounded: a ring of samples per model, and a cap on models', () => {
  const book = new LatencyBook();
  for (let i = 0; i < SAMPLES_PER_MODEL + 10; i++) book.add('m', NOW, i, null, null);
  assert.equal(book.snapshot(NOW, DAY_START)['m']?.today.samples, SAMPLES_PER_MODEL);
  for (let i = 0; i < MAX_MODELS + 5; i++) book.add(`model-${i}`, NOW, 1, null, null);
  assert.equal(Object.keys(book.snapshot(NOW, DAY_START)).length, MAX_MODELS);
});

test('tokens per second count only the streaming part, and only when it says something', () => {
  assert.equal(tokensPerSecond(100, 2_500, 500), 50);
  assert.equal(tokensPerSecond(100, 550, 500), null, 'a body in one piece');
  assert.equal(tokensPerSecond(1, 5_000, 500), null, 'one token is no rate');
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([3, 1, 2], 50), 2);
});

test('recent entries carry the time to first byte, and the model its speed', async (t) => {
  const HOLD_MS = 120;
  const CONTENT_MS = 80;
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    const event = (type: string, data: unknown): string =>
      `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    setTimeout(() => {
      res.write(
        event('message_start', {
          type: 'message_start',
          message: { model: 'claude-speed', usage: { input_tokens: 5, output_tokens: 1 } },
        }),
      );
      setTimeout(() => {
        res.write(
          event('content_block_delta', {
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'text_delta', text: 'Hi' },
          }),
        );
        setTimeout(() => {
          res.end(
            event('message_delta', { type: 'message_delta', usage: { output_tokens: 41 } }) +
              event('message_stop', { type: 'message_stop' }),
          );
        }, 200);
      }, CONTENT_MS);
    }, HOLD_MS);
  });
  const proxy = await startObservedProxy(t, { upstreams: { anthropic: upstream.url } });
  const record = proxy.nextRecord();
  const reply = await send(`${proxy.url}/v1/messages`, { method: 'POST' }, '{}');
  assert.equal(reply.status, 200);
  const entry = await record;
  assert.ok(entry.ttfbMs !== undefined);
  // The head came at once; the first body byte after HOLD_MS. Loose: timers are not exact.
  assert.ok(entry.ttfbMs >= HOLD_MS - 5, `ttfb ${entry.ttfbMs} ms`);
  assert.ok(entry.ttfbMs < HOLD_MS + 1_000, `ttfb ${entry.ttfbMs} ms`);
  // message_start is no content; the first content_block_delta comes CONTENT_MS later.
  assert.ok(entry.firstContentMs !== undefined);
  assert.ok(
    entry.firstContentMs >= entry.ttfbMs + CONTENT_MS - 5,
    `first content ${entry.firstContentMs} ms`,
  );
  const speed = proxy.proxy.stats.snapshot().latency['claude-speed'];
  assert.ok(speed !== undefined);
  assert.equal(speed.lastHour.samples, 1);
  const rate = speed.lastHour.outputTokensPerSecondP50;
  assert.ok((speed.lastHour.firstContentMsP50 ?? 0) >= HOLD_MS + CONTENT_MS - 5);
  // 41 tokens over the ~200 ms after the first token.
  assert.ok(rate !== null && rate > 20 && rate < 300, `rate ${String(rate)}`);
});
