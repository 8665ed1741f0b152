import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { SchemaId } from '../../../proxy-core/http/schema.js';
import { createUsageReader, type ResponseHead } from '../../../proxy-core/usage/reader.js';
import { loadUsageFixtures, readUsage } from './feed.js';

const ITERATIONS = 2_000;
const SEED = 0x5eed;

/** mulberry32: a small seeded PRNG, so a failure replays with the same seed. */
function createRandom(seed: number): (limit: number) => number {
  let state = seed >>> 0;
  return (limit) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return Math.floor((((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296) * limit);
  };
}

function mutate(body: Buffer, random: (limit: number) => number): Buffer {
  const bytes = Buffer.from(body);
  switch (random(6)) {
    case 0: // flip a few bytes
      for (let count = 1 + random(8); count > 0 && bytes.length > 0; count--) {
        bytes[random(bytes.length)] = random(256);
      }
      return bytes;
    case 1: // insert framing-significant bytes
      return Buffer.concat([
        bytes.subarray(0, random(bytes.length + 1)),
        Buffer.from(['\r', '\n', '\r\n', ':', '{', '"', 'data: ', '\n\n'][random(8)] ?? ''),
        bytes.subarray(random(bytes.length + 1)),
      ]);
    case 2: // truncate
      return bytes.subarray(0, random(bytes.length + 1));
    case 3: // delete a range
      return Buffer.concat([
        bytes.subarray(0, random(bytes.length)),
        bytes.subarray(random(bytes.length)),
      ]);
    case 4: // random bytes only
      return Buffer.from(Array.from({ length: random(512) }, () => random(256)));
    default:
      return bytes;
  }
}

function chunked(body: Buffer, random: (limit: number) => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const size = 1 + random(random(2) === 0 ? 8 : 512);
    chunks.push(body.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

const SCHEMAS: readonly SchemaId[] = [
  'anthropic',
  'openai',
  'openai-responses',
  'gemini',
  'ollama',
];
const TYPES = ['text/event-stream', 'application/json', 'application/x-ndjson'];

test(`${ITERATIONS} mutated fixtures never throw and always report exactly once`, async () => {
  const fixtures = loadUsageFixtures().filter((fixture) => fixture.expected !== undefined);
  const random = createRandom(SEED);
  const kinds = { counted: 0, unknown: 0, unparsed: 0 };
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const fixture = fixtures[random(fixtures.length)];
    assert.ok(fixture);
    let body = mutate(fixture.body, random);
    let schema = fixture.schema;
    let head: ResponseHead = fixture.head;
    if (random(5) === 0) {
      // Feed one family's body to another family's reader, or under another framing.
      schema = SCHEMAS[random(SCHEMAS.length)] ?? schema;
      head = { ...head, contentType: TYPES[random(TYPES.length)] };
    }
    const coding = random(6);
    if (coding === 0) {
      head = { ...head, contentEncoding: 'gzip' };
      body = random(2) === 0 ? gzipSync(body) : mutate(gzipSync(body), random);
    } else if (coding === 1) {
      head = { ...head, contentEncoding: 'br' };
      body = random(2) === 0 ? brotliCompressSync(body) : mutate(brotliCompressSync(body), random);
    }
    const finish = random(4) === 0 ? 'abort' : 'end';
    const label = `iteration ${iteration} (${fixture.name} as ${schema})`;
    if (createUsageReader(schema, head, () => undefined) === undefined) continue;
    const outcome = await readUsage(schema, head, chunked(body, random), finish);
    assert.ok(['counted', 'unknown', 'unparsed'].includes(outcome.kind), label);
    kinds[outcome.kind]++;
  }
  // The mutations must exercise every outcome, or the test proves little.
  assert.ok(kinds.counted > 0 && kinds.unknown > 0 && kinds.unparsed > 0, JSON.stringify(kinds));
});
