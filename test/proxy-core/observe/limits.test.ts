import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { credentialOf, fingerprint, readLimits } from '../../../proxy-core/observe/limits.js';
import type { LimitProvider, LimitsReading, LimitWindow } from '../../../shared/limits.js';

// Tests run from dist/test/proxy-core/observe/; the fixtures are not compiled, so reach back.
const README = readFileSync(
  new URL('../../../../test/fixtures/limits/README.md', import.meta.url),
  'utf8',
);

/** Every reading here is taken at this instant; the README's RFC 3339 resets are near it. */
const NOW = Date.parse('2026-12-02T18:30:00Z');

/**
 * The header block of the README section whose heading starts with `heading`, as Node's
 * rawHeaders: `name: value`, the README's notes in parentheses after a run of spaces dropped.
 */
function fixtureHeaders(heading: string): string[] {
  const section = README.split('\n## ').find((part) => part.startsWith(heading));
  const block = section?.split('```')[1];
  assert.ok(block !== undefined, `no header block under "${heading}"`);
  return block
    .split('\n')
    .filter((line) => line.includes(': '))
    .flatMap((line) => {
      const at = line.indexOf(': ');
      return [line.slice(0, at), line.slice(at + 2).replace(/\s{2,}\(.*$/, '')];
    });
}

function flat(pairs: readonly (readonly [string, string])[]): string[] {
  return pairs.flatMap(([name, value]) => [name, value]);
}

function window(id: string, fields: Partial<LimitWindow>): LimitWindow {
  return {
    id,
    usedFraction: null,
    limit: null,
    remaining: null,
    resetsAt: null,
    windowMinutes: null,
    status: 'allowed',
    ...fields,
  };
}

function reading(
  provider: LimitProvider,
  windows: LimitWindow[],
  fields: Partial<LimitsReading> = {},
): LimitsReading {
  return { provider, windows, retryAfterMs: null, binding: null, plan: null, ...fields };
}

function windowOf(found: LimitsReading | undefined, id: string): LimitWindow | undefined {
  return found?.windows.find((entry) => entry.id === id);
}

test('reads every header set of the fixtures README to the whole reading', () => {
  const cases: [heading: string, want: LimitsReading][] = [
    [
      'Anthropic, API keys',
      reading(
        'anthropic',
        [
          window('requests', {
            limit: 4000,
            remaining: 3999,
            usedFraction: 0.00025,
            resetsAt: NOW + 60_000,
          }),
          window('tokens', {
            limit: 2_000_000,
            remaining: 1_998_000,
            usedFraction: 0.001,
            resetsAt: NOW + 12_000,
          }),
        ],
        { retryAfterMs: 17_000 },
      ),
    ],
    [
      'Anthropic, Claude subscriptions',
      reading(
        'anthropic-subscription',
        [
          window('5h', {
            usedFraction: 0.21,
            resetsAt: 1_796_235_600_000,
            windowMinutes: 300,
            status: 'allowed',
          }),
          window('7d', {
            usedFraction: 0.68,
            resetsAt: 1_796_580_000_000,
            windowMinutes: 10_080,
            status: 'allowed',
          }),
          window('7d-sonnet', {
            usedFraction: 0.02,
            resetsAt: 1_796_580_000_000,
            windowMinutes: 10_080,
            status: 'unknown',
          }),
          window('overage', { usedFraction: 0.1, resetsAt: 1_798_761_600_000, status: 'allowed' }),
        ],
        { binding: '5h' },
      ),
    ],
    [
      'OpenAI, API keys',
      reading(
        'openai',
        [
          window('requests', {
            limit: 10_000,
            remaining: 9999,
            usedFraction: 0.0001,
            resetsAt: NOW + 6,
          }),
          window('tokens', {
            limit: 30_000_000,
            remaining: 29_999_000,
            usedFraction: 1000 / 30_000_000,
            resetsAt: NOW + 2,
          }),
        ],
        { retryAfterMs: 20_000 },
      ),
    ],
    [
      'Codex on a ChatGPT plan',
      reading(
        'codex',
        [
          window('primary', { usedFraction: 0.42, windowMinutes: 300, resetsAt: NOW + 18_000_000 }),
          window('secondary', {
            usedFraction: 0.94,
            windowMinutes: 10_080,
            resetsAt: 1_796_580_000_000,
          }),
        ],
        { plan: 'plus' },
      ),
    ],
  ];
  for (const [heading, want] of cases) {
    assert.deepEqual(readLimits(fixtureHeaders(heading), 200, NOW), want, heading);
  }
});

test("reads Anthropic's input- and output-token windows beside the others, in a fixed order", () => {
  const headers = flat([
    ['anthropic-ratelimit-output-tokens-limit', '400000'],
    ['anthropic-ratelimit-output-tokens-remaining', '399000'],
    ['anthropic-ratelimit-output-tokens-reset', '2026-12-02T18:30:01Z'],
    ['anthropic-ratelimit-input-tokens-limit', '1000000'],
    ['anthropic-ratelimit-input-tokens-remaining', '1000000'],
    ['anthropic-ratelimit-input-tokens-reset', '2026-12-02T18:30:00Z'],
    ['anthropic-ratelimit-requests-limit', '50'],
    ['anthropic-ratelimit-requests-remaining', '49'],
  ]);
  assert.deepEqual(
    readLimits(headers, 200, NOW),
    reading('anthropic', [
      window('requests', { limit: 50, remaining: 49, usedFraction: 0.02 }),
      window('input-tokens', {
        limit: 1_000_000,
        remaining: 1_000_000,
        usedFraction: 0,
        resetsAt: NOW,
      }),
      window('output-tokens', {
        limit: 400_000,
        remaining: 399_000,
        usedFraction: 0.0025,
        resetsAt: NOW + 1000,
      }),
    ]),
  );
});

test('reads each reset format to ms since the epoch', () => {
  const cases: [name: string, value: string, want: number | null][] = [
    // Anthropic API keys: RFC 3339.
    ['anthropic-ratelimit-requests-reset', '2026-12-02T18:31:00Z', NOW + 60_000],
    ['anthropic-ratelimit-requests-reset', '2026-12-02T18:30:00.250Z', NOW + 250],
    ['anthropic-ratelimit-requests-reset', '2026-12-02T19:30:00+01:00', NOW],
    ['anthropic-ratelimit-requests-reset', '2026-12-02T18:30:00', null],
    ['anthropic-ratelimit-requests-reset', '2026-13-02T18:30:00Z', null],
    ['anthropic-ratelimit-requests-reset', '1796235600', null],
    // Subscriptions: Unix epoch seconds.
    ['anthropic-ratelimit-unified-5h-reset', '1796235600', 1_796_235_600_000],
    ['anthropic-ratelimit-unified-5h-reset', '1796235600.5', 1_796_235_600_500],
    ['anthropic-ratelimit-unified-5h-reset', '2026-12-02T18:31:00Z', null],
    // OpenAI: Go durations from now.
    ['x-ratelimit-reset-requests', '6ms', NOW + 6],
    ['x-ratelimit-reset-requests', '2s', NOW + 2000],
    ['x-ratelimit-reset-requests', '1m0s', NOW + 60_000],
    ['x-ratelimit-reset-requests', '6m0s', NOW + 360_000],
    ['x-ratelimit-reset-requests', '1h2m3.5s', NOW + 3_723_500],
    ['x-ratelimit-reset-requests', '17.28s', NOW + 17_280],
    ['x-ratelimit-reset-requests', '0s', NOW],
    ['x-ratelimit-reset-requests', '2000us', NOW + 2],
    ['x-ratelimit-reset-requests', '6', null],
    ['x-ratelimit-reset-requests', 'ms', null],
    ['x-ratelimit-reset-requests', '-1s', null],
    ['x-ratelimit-reset-requests', '1h-2m', null],
    ['x-ratelimit-reset-requests', '1d', null],
    // Codex: absolute epoch seconds, or seconds from now.
    ['x-codex-primary-reset-at', '1796580000', 1_796_580_000_000],
    ['x-codex-primary-reset-after-seconds', '18000', NOW + 18_000_000],
    ['x-codex-primary-reset-after-seconds', '0.25', NOW + 250],
  ];
  for (const [name, value, want] of cases) {
    const found = readLimits([name, value], 200, NOW);
    assert.equal(found?.windows.length, 1, `${name}: ${value}`);
    assert.equal(found.windows[0]?.resetsAt, want, `${name}: ${value}`);
  }
});

test("Codex's absolute reset wins over its relative one", () => {
  const headers = flat([
    ['x-codex-secondary-reset-after-seconds', '60'],
    ['x-codex-secondary-reset-at', '1796580000'],
  ]);
  assert.equal(windowOf(readLimits(headers, 200, NOW), 'secondary')?.resetsAt, 1_796_580_000_000);
});

test('keeps subscription utilization over 1 as given', () => {
  const headers = flat([
    ['anthropic-ratelimit-unified-7d-utilization', '1.15'],
    ['anthropic-ratelimit-unified-7d-status', 'allowed_warning'],
    ['anthropic-ratelimit-unified-5h-utilization', '3'],
  ]);
  const found = readLimits(headers, 200, NOW);
  assert.deepEqual(found?.windows, [
    window('5h', { usedFraction: 3, windowMinutes: 300, status: 'unknown' }),
    window('7d', { usedFraction: 1.15, windowMinutes: 10_080, status: 'warning' }),
  ]);
});

test('maps subscription status words, case and spacing aside, and others to unknown', () => {
  const cases: [value: string, want: LimitWindow['status']][] = [
    ['allowed', 'allowed'],
    ['active', 'allowed'],
    ['allowed_warning', 'warning'],
    ['rejected', 'rejected'],
    ['blocked', 'rejected'],
    ['limited', 'rejected'],
    [' Allowed_Warning ', 'warning'],
    ['REJECTED', 'rejected'],
    ['throttled', 'unknown'],
    ['allowed-warning', 'unknown'],
    ['constructor', 'unknown'],
    ['', 'unknown'],
  ];
  for (const [value, want] of cases) {
    const found = readLimits(['anthropic-ratelimit-unified-overage-status', value], 200, NOW);
    assert.equal(windowOf(found, 'overage')?.status, want, JSON.stringify(value));
  }
});

test('maps the representative claim to the binding window id', () => {
  const cases: [claim: string, want: string | null][] = [
    ['five_hour', '5h'],
    ['seven_day', '7d'],
    ['seven_day_sonnet', '7d-sonnet'],
    ['seven_day_opus', '7d-opus'],
    ['overage', 'overage'],
    [' Five_Hour ', '5h'],
    ['ten_minute', null],
    ['seven_days', null],
    ['', null],
  ];
  for (const [claim, want] of cases) {
    const headers = ['anthropic-ratelimit-unified-representative-claim', claim];
    assert.equal(readLimits(headers, 200, NOW)?.binding, want, JSON.stringify(claim));
  }
});

test("the head's own status and reset stand in for the binding window's missing ones", () => {
  const headers = flat([
    ['anthropic-ratelimit-unified-status', 'rejected'],
    ['anthropic-ratelimit-unified-reset', '1796580000'],
    ['anthropic-ratelimit-unified-representative-claim', 'seven_day'],
    ['anthropic-ratelimit-unified-5h-utilization', '0.5'],
    ['anthropic-ratelimit-unified-5h-status', 'allowed'],
    ['anthropic-ratelimit-unified-5h-reset', '1796235600'],
  ]);
  assert.deepEqual(
    readLimits(headers, 200, NOW),
    reading(
      'anthropic-subscription',
      [
        window('5h', {
          usedFraction: 0.5,
          resetsAt: 1_796_235_600_000,
          windowMinutes: 300,
          status: 'allowed',
        }),
        window('7d', { resetsAt: 1_796_580_000_000, windowMinutes: 10_080, status: 'rejected' }),
      ],
      { binding: '7d' },
    ),
  );
});

test('a 429 marks the used-up windows without a status of their own rejected', () => {
  const apiKey = flat([
    ['anthropic-ratelimit-requests-limit', '50'],
    ['anthropic-ratelimit-requests-remaining', '0'],
    ['anthropic-ratelimit-tokens-limit', '1000'],
    ['anthropic-ratelimit-tokens-remaining', '1000'],
    ['anthropic-ratelimit-output-tokens-remaining', '0'],
    ['retry-after', '17'],
  ]);
  const openai = flat([
    ['x-ratelimit-limit-requests', '100'],
    ['x-ratelimit-remaining-requests', '5'],
    ['x-ratelimit-limit-tokens', '1000'],
    ['x-ratelimit-remaining-tokens', '0'],
  ]);
  const codex = flat([
    ['x-codex-primary-used-percent', '100'],
    ['x-codex-secondary-used-percent', '94'],
  ]);
  const cases: [headers: string[], status: number, want: Record<string, string>][] = [
    [apiKey, 429, { requests: 'rejected', tokens: 'allowed', 'output-tokens': 'rejected' }],
    [apiKey, 200, { requests: 'allowed', tokens: 'allowed', 'output-tokens': 'allowed' }],
    [openai, 429, { requests: 'allowed', tokens: 'rejected' }],
    [codex, 429, { primary: 'rejected', secondary: 'allowed' }],
    [codex, 200, { primary: 'allowed', secondary: 'allowed' }],
  ];
  for (const [headers, status, want] of cases) {
    const found = readLimits(headers, status, NOW);
    const got = Object.fromEntries(found?.windows.map(({ id, status: s }) => [id, s]) ?? []);
    assert.deepEqual(got, want, `${headers[0] ?? ''} at ${status}`);
  }
});

test('a 429 marks the binding and the full subscription windows rejected, unless they say', () => {
  const headers = flat([
    ['anthropic-ratelimit-unified-representative-claim', 'five_hour'],
    ['anthropic-ratelimit-unified-5h-utilization', '0.97'],
    ['anthropic-ratelimit-unified-7d-utilization', '1.02'],
    ['anthropic-ratelimit-unified-7d-opus-utilization', '1'],
    ['anthropic-ratelimit-unified-7d-opus-status', 'allowed_warning'],
    ['anthropic-ratelimit-unified-7d-sonnet-utilization', '0.3'],
    ['anthropic-ratelimit-unified-overage-utilization', '1.5'],
    ['anthropic-ratelimit-unified-overage-status', 'throttled'],
  ]);
  const statuses = (status: number): Record<string, string> =>
    Object.fromEntries(
      readLimits(headers, status, NOW)?.windows.map(({ id, status: s }) => [id, s]) ?? [],
    );
  assert.deepEqual(statuses(429), {
    '5h': 'rejected',
    '7d': 'rejected',
    '7d-opus': 'warning',
    '7d-sonnet': 'unknown',
    overage: 'rejected',
  });
  assert.deepEqual(statuses(200), {
    '5h': 'unknown',
    '7d': 'unknown',
    '7d-opus': 'warning',
    '7d-sonnet': 'unknown',
    overage: 'unknown',
  });
});

test('reads retry-after as seconds or an HTTP-date, and retry-after-ms before it', () => {
  const limit = ['x-ratelimit-remaining-requests', '0'];
  const cases: [headers: string[], want: number | null][] = [
    [['retry-after', '17'], 17_000],
    [['retry-after', '0'], 0],
    [['retry-after', new Date(NOW + 20_000).toUTCString()], 20_000],
    [['retry-after', 'Wed, 02 Dec 2026 18:30:45 GMT'], 45_000],
    [['retry-after', 'Wednesday, 02-Dec-26 18:30:45 GMT'], 45_000],
    [['retry-after', 'Wed Dec  2 18:30:45 2026'], 45_000],
    [['retry-after', 'Mon, 01 Jan 2024 00:00:00 GMT'], 0],
    [['retry-after-ms', '1500'], 1500],
    [['retry-after', '20', 'retry-after-ms', '19874.5'], 19_875],
    [['retry-after-ms', 'soon', 'retry-after', '20'], 20_000],
    [['retry-after', '-5'], null],
    [['retry-after', '+17'], null],
    [['retry-after', 'Someday'], null],
    [['retry-after', 'Foo, 99 Bar 2026 99:99:99 GMT'], null],
    [['retry-after', '2026-12-02T18:31:00Z'], null],
    [['retry-after', ''], null],
  ];
  for (const [headers, want] of cases) {
    for (const status of [200, 429]) {
      const found = readLimits([...limit, ...headers], status, NOW);
      assert.equal(found?.retryAfterMs, want, `${JSON.stringify(headers)} at ${status}`);
    }
  }
});

test('a retry-after without limit headers is no reading', () => {
  for (const status of [200, 429, 503]) {
    assert.equal(readLimits(['Retry-After', '17'], status, NOW), undefined);
    assert.equal(readLimits(['retry-after-ms', '17000'], status, NOW), undefined);
  }
});

test('ignores unparseable values, leaving their fields null, and never throws', () => {
  const headers = flat([
    ['anthropic-ratelimit-requests-limit', 'abc'],
    ['anthropic-ratelimit-requests-remaining', '-5'],
    ['anthropic-ratelimit-requests-reset', 'tomorrow'],
    ['anthropic-ratelimit-tokens-limit', '1e6'],
    ['anthropic-ratelimit-tokens-remaining', '0x10'],
    ['anthropic-ratelimit-unified-5h-utilization', ''],
    ['anthropic-ratelimit-unified-5h-reset', '-1796235600'],
    ['anthropic-ratelimit-unified-7d-utilization', 'NaN'],
    ['anthropic-ratelimit-unified-7d-reset', 'Infinity'],
    ['anthropic-ratelimit-unified-representative-claim', '\u0000'],
    ['x-ratelimit-limit-requests', '1,000'],
    ['x-ratelimit-reset-requests', 'later'],
    ['x-codex-primary-used-percent', '42%'],
    ['x-codex-primary-window-minutes', '9'.repeat(400)],
    ['x-codex-primary-reset-at', 'soon'],
    ['x-codex-plan-type', '   '],
    ['retry-after', 'never'],
  ]);
  assert.deepEqual(
    readLimits(headers, 429, NOW),
    reading('anthropic-subscription', [
      window('5h', { windowMinutes: 300, status: 'unknown' }),
      window('7d', { windowMinutes: 10_080, status: 'unknown' }),
      window('primary', {}),
      window('requests', {}),
      window('tokens', {}),
      window('requests', {}),
    ]),
  );
});

test('never throws on any value of any limit header', () => {
  const names = [
    'anthropic-ratelimit-unified-status',
    'anthropic-ratelimit-unified-reset',
    'anthropic-ratelimit-unified-representative-claim',
    'anthropic-ratelimit-unified-5h-utilization',
    'anthropic-ratelimit-unified-5h-reset',
    'anthropic-ratelimit-unified-5h-status',
    'anthropic-ratelimit-requests-limit',
    'anthropic-ratelimit-requests-reset',
    'x-ratelimit-reset-tokens',
    'x-codex-primary-used-percent',
    'x-codex-primary-reset-at',
    'x-codex-plan-type',
    'retry-after',
    'retry-after-ms',
  ];
  const values = [
    '',
    ' ',
    '0',
    '-0',
    '1e999',
    '.5',
    '5.',
    '1h1h1h',
    'Mon,',
    '\u00b5s',
    '9'.repeat(5000),
  ];
  for (const name of names) {
    for (const value of values) {
      for (const status of [200, 429]) {
        assert.doesNotThrow(() => readLimits([name, value], status, NOW), `${name}: ${value}`);
      }
    }
  }
});

test('a head without known limit headers is no reading', () => {
  const cases: string[][] = [
    [],
    ['Content-Type', 'application/json', 'Date', 'Wed, 02 Dec 2026 18:30:00 GMT'],
    ['request-id', 'req_1', 'x-request-id', 'abc', 'anthropic-organization-id', 'org'],
    // GitHub-style, without the window kind OpenAI adds.
    ['X-RateLimit-Limit', '60', 'X-RateLimit-Remaining', '59', 'X-RateLimit-Reset', '1796235600'],
    ['anthropic-ratelimit-unified-fallback-percentage', '0.5'],
    ['anthropic-ratelimit-unified-5h-surpassed-threshold', '0.9'],
    ['anthropic-ratelimit-priority-tokens-limit', '1000', 'anthropic-ratelimit-', '1'],
    ['x-codex-active-limit', 'premium', 'x-codex-credits-balance', '0', 'x-codex-', ''],
    ['x-ratelimit-limit-images', '5', 'x-ratelimit-', ''],
    ['retry', '1', 'retry-after-seconds', '1', 'Retry-Afte', '1'],
    ['x-ratelimit-limit-requests'],
  ];
  for (const headers of cases) {
    assert.equal(readLimits(headers, 200, NOW), undefined, JSON.stringify(headers));
  }
});

test('reads header names in any letter case', () => {
  const lower = flat([
    ['anthropic-ratelimit-unified-5h-utilization', '0.5'],
    ['anthropic-ratelimit-unified-5h-status', 'allowed'],
    ['x-ratelimit-remaining-requests', '9'],
    ['x-codex-plan-type', 'pro'],
    ['retry-after', '3'],
  ]);
  const mixed = flat([
    ['Anthropic-RateLimit-Unified-5h-Utilization', '0.5'],
    ['ANTHROPIC-RATELIMIT-UNIFIED-5H-STATUS', 'allowed'],
    ['X-RateLimit-Remaining-Requests', '9'],
    ['X-Codex-Plan-Type', 'pro'],
    ['Retry-After', '3'],
  ]);
  const want = readLimits(lower, 200, NOW);
  assert.equal(want?.windows.length, 2);
  assert.deepEqual(readLimits(mixed, 200, NOW), want);
});

test('names the reading after the most specific provider and keeps every window', () => {
  const openai = ['x-ratelimit-remaining-tokens', '5'];
  const anthropic = ['anthropic-ratelimit-tokens-remaining', '5'];
  const codex = ['x-codex-primary-used-percent', '5'];
  const unified = ['anthropic-ratelimit-unified-5h-utilization', '0.05'];
  const cases: [headers: string[], want: LimitProvider, ids: string[]][] = [
    [[...openai, ...anthropic], 'anthropic', ['tokens', 'tokens']],
    [[...openai, ...codex], 'codex', ['primary', 'tokens']],
    [[...anthropic, ...codex], 'codex', ['primary', 'tokens']],
    [
      [...openai, ...anthropic, ...codex, ...unified],
      'anthropic-subscription',
      ['5h', 'primary', 'tokens', 'tokens'],
    ],
  ];
  for (const [headers, want, ids] of cases) {
    const found = readLimits(headers, 200, NOW);
    assert.equal(found?.provider, want);
    assert.deepEqual(
      found.windows.map((entry) => entry.id),
      ids,
    );
  }
});

test('keeps the first of a repeated header, as Node does', () => {
  const headers = flat([
    ['x-codex-primary-used-percent', '10'],
    ['X-Codex-Primary-Used-Percent', '90'],
    ['retry-after', '1'],
    ['retry-after', '2'],
  ]);
  const found = readLimits(headers, 200, NOW);
  assert.equal(windowOf(found, 'primary')?.usedFraction, 0.1);
  assert.equal(found?.retryAfterMs, 1000);
});

test('cuts a long plan name', () => {
  const found = readLimits(['x-codex-plan-type', 'p'.repeat(1000)], 200, NOW);
  assert.equal(found?.plan, 'p'.repeat(64));
  assert.deepEqual(found.windows, []);
});

const KEYS = [
  'sk-ant-api03-Zq9xK2LmN4pR7sT1vW3yB5dF8hJ0kQ6mX9zC2eG4iL7nP1rU3wY5aD8fH0jK2mO4',
  'sk-proj-Tb7Yc2Vn5Mx8Qw1Er4Ty7Ui0Op3As6Df9Gh2Jk5Lz8Xc1Vb4Nm7Qw0Er3Ty6Ui9Op',
];

test('a fingerprint is 12 hex characters, the same for the same key and salt', () => {
  for (const key of KEYS) {
    const id = fingerprint(key, 'salt-1');
    assert.match(id, /^[0-9a-f]{12}$/);
    assert.equal(fingerprint(key, 'salt-1'), id);
    assert.notEqual(fingerprint(key, 'salt-2'), id);
  }
  assert.notEqual(fingerprint(KEYS[0] ?? '', 'salt-1'), fingerprint(KEYS[1] ?? '', 'salt-1'));
});

test('a fingerprint holds neither the key nor any six characters of it', () => {
  for (const key of [...KEYS, 'abcdef0123456789', '0123456789abcdef']) {
    for (const salt of ['', 'salt-1', 'a much longer install salt']) {
      const id = fingerprint(key, salt);
      assert.ok(!id.includes(key));
      for (let i = 0; i + 6 <= key.length; i++) {
        assert.ok(!id.includes(key.slice(i, i + 6)), `${id} holds ${key.slice(i, i + 6)}`);
      }
    }
  }
});

test('finds the credential in x-api-key, authorization, api-key, x-goog-api-key, in order', () => {
  type Headers = Record<string, string | string[] | undefined>;
  const all: Headers = {
    'x-api-key': 'anthropic',
    authorization: 'Bearer openai',
    'api-key': 'azure',
    'x-goog-api-key': 'gemini',
  };
  const cases: [headers: Headers, want: string][] = [
    [all, 'anthropic'],
    [{ ...all, 'x-api-key': undefined }, 'Bearer openai'],
    [{ ...all, 'x-api-key': '', authorization: ['a', 'b'] }, 'azure'],
    [{ 'x-goog-api-key': 'gemini', 'api-key': ['x'] }, 'gemini'],
    [{ 'content-type': 'application/json' }, ''],
    [{}, ''],
  ];
  for (const [headers, want] of cases) {
    assert.equal(credentialOf(headers), want, JSON.stringify(headers));
  }
});
