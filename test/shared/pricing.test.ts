import assert from 'node:assert/strict';
import { test } from 'node:test';
import { costOf, matchesPattern, priceOf, type Pricing } from '../../shared/pricing.js';

const MATCHES: readonly (readonly [pattern: string, model: string, want: boolean])[] = [
  ['claude-opus-4-1', 'claude-opus-4-1', true],
  ['claude-opus-4-1', 'claude-opus-4-10', false],
  ['claude-*', 'claude-sonnet-4-5', true],
  ['claude-*', 'claude-', true],
  ['claude-*', 'Claude-Sonnet', true],
  ['*-mini', 'gpt-4o-mini', true],
  ['*-mini', 'gpt-4o-mini-2024', false],
  ['gpt-*-mini*', 'gpt-4o-mini-2024-07-18', true],
  ['gpt-*-mini*', 'gpt-4o', false],
  ['a*a', 'a', false],
  ['a*a', 'aa', true],
  ['*', 'anything', true],
  ['*', '', true],
  ['a**b', 'ab', true],
  ['x.y', 'xzy', false],
];

for (const [pattern, model, want] of MATCHES) {
  test(`pattern ${pattern} ${want ? 'matches' : 'does not match'} ${model || '(empty)'}`, () => {
    assert.equal(matchesPattern(pattern, model), want);
  });
}

const PRICING: Pricing = {
  'claude-*': { input_per_mtok: 3, output_per_mtok: 15 },
  'claude-opus-4*': {
    input_per_mtok: 15,
    output_per_mtok: 75,
    cache_read_per_mtok: 1.5,
    cache_write_per_mtok: 18.75,
  },
  'claude-opus-4-1': { input_per_mtok: 20 },
};

test('the most specific matching pattern wins, whatever the order', () => {
  assert.equal(priceOf(PRICING, 'claude-sonnet-4-5'), PRICING['claude-*']);
  assert.equal(priceOf(PRICING, 'claude-opus-4-5'), PRICING['claude-opus-4*']);
  assert.equal(priceOf(PRICING, 'claude-opus-4-1'), PRICING['claude-opus-4-1']);
  assert.equal(priceOf(PRICING, 'gpt-4o'), undefined);
});

test('equally specific patterns: the first in insertion order wins', () => {
  const pricing: Pricing = { 'a*': { input_per_mtok: 1 }, '*a': { input_per_mtok: 2 } };
  assert.equal(priceOf(pricing, 'aa')?.input_per_mtok, 1);
});

test('cost is per million tokens, every rate applied, missing rates zero', () => {
  const tokens = {
    input: 1_000_000,
    output: 2_000_000,
    cacheRead: 1_000_000,
    cacheWrite: 1_000_000,
  };
  assert.equal(costOf(PRICING, 'claude-opus-4-5', tokens), 15 + 150 + 1.5 + 18.75);
  assert.equal(costOf(PRICING, 'claude-sonnet-4-5', tokens), 3 + 30);
  assert.equal(costOf(PRICING, 'claude-opus-4-1', tokens), 20);
});

test('no matching pattern means no cost, not zero', () => {
  const tokens = { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 };
  assert.equal(costOf(PRICING, 'gemini-2.5-pro', tokens), undefined);
  assert.equal(costOf({}, 'claude-x', tokens), undefined);
});

test('negative or non-finite rates count as zero', () => {
  const pricing: Pricing = { '*': { input_per_mtok: -5, output_per_mtok: Number.NaN } };
  const tokens = { input: 1_000_000, output: 1_000_000, cacheRead: 0, cacheWrite: 0 };
  assert.equal(costOf(pricing, 'm', tokens), 0);
});
