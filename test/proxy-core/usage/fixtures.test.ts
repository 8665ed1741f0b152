import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createUsageReader } from '../../../proxy-core/usage/reader.js';
import { bytewise, loadUsageFixtures, readUsage, splitAt } from './feed.js';

const FIXTURES = loadUsageFixtures();

const CODINGS = [
  ['gzip', gzipSync],
  ['br', brotliCompressSync],
  ['deflate', deflateSync],
] as const;

test('the wire fixtures cover every family with a body', () => {
  const schemas = new Set(FIXTURES.map((fixture) => fixture.schema));
  assert.deepEqual([...schemas].sort(), [
    'anthropic',
    'gemini',
    'ollama',
    'openai',
    'openai-responses',
  ]);
  assert.ok(FIXTURES.length >= 18, `only ${FIXTURES.length} fixtures`);
});

for (const fixture of FIXTURES) {
  const { name, schema, head, body, expected } = fixture;

  if (expected === undefined) {
    test(`${name}: a non-2xx reply gets no reader`, () => {
      assert.equal(
        createUsageReader(schema, head, () => undefined),
        undefined,
      );
    });
    continue;
  }

  test(`${name}: the whole body reads as its sidecar's expected_usage`, async () => {
    assert.deepEqual(await readUsage(schema, head, [body]), expected);
  });

  test(`${name}: a split at every byte reads the same`, async () => {
    for (let at = 1; at < body.length; at++) {
      assert.deepEqual(await readUsage(schema, head, splitAt(body, at)), expected, `split ${at}`);
    }
  });

  test(`${name}: one byte at a time reads the same`, async () => {
    assert.deepEqual(await readUsage(schema, head, bytewise(body)), expected);
  });

  for (const [coding, compress] of CODINGS) {
    test(`${name}: ${coding}-encoded, whole and split at every byte, reads the same`, async () => {
      const encoded = compress(body);
      const codedHead = { ...head, contentEncoding: coding };
      assert.deepEqual(await readUsage(schema, codedHead, [encoded]), expected);
      const reads = [];
      for (let at = 1; at < encoded.length; at++) {
        reads.push(readUsage(schema, codedHead, splitAt(encoded, at)));
      }
      const outcomes = await Promise.all(reads);
      outcomes.forEach((outcome, index) => {
        assert.deepEqual(outcome, expected, `split ${index + 1}`);
      });
    });
  }
}
