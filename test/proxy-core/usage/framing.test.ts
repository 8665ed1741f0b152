import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineParser, SseParser } from '../../../proxy-core/usage/framing.js';

type Event = readonly [type: string, data: string];

function parseSse(chunks: readonly string[], wanted?: ReadonlySet<string>): Event[] {
  const events: Event[] = [];
  const parser = new SseParser({
    wants: (type) => wanted === undefined || wanted.has(type),
    event: (type, data) => events.push([type, data]),
  });
  for (const text of chunks) parser.write(Buffer.from(text, 'utf8'));
  parser.end();
  return events;
}

/** Every two-piece split of `text` must frame exactly like the whole. */
function assertSplitsAgree(text: string, want: readonly Event[]): void {
  assert.deepEqual(parseSse([text]), want, 'whole');
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 1; at < bytes.length; at++) {
    const events: Event[] = [];
    const parser = new SseParser({ wants: () => true, event: (t, d) => events.push([t, d]) });
    parser.write(bytes.subarray(0, at));
    parser.write(bytes.subarray(at));
    parser.end();
    assert.deepEqual(events, want, `split at ${at}`);
  }
}

const SSE_CASES: readonly (readonly [name: string, body: string, events: readonly Event[]])[] = [
  [
    'LF lines',
    'event: a\ndata: 1\n\ndata: 2\n\n',
    [
      ['a', '1'],
      ['message', '2'],
    ],
  ],
  [
    'CRLF lines',
    'event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n',
    [
      ['a', '1'],
      ['message', '2'],
    ],
  ],
  [
    'CR lines',
    'event: a\rdata: 1\r\rdata: 2\r\r',
    [
      ['a', '1'],
      ['message', '2'],
    ],
  ],
  [
    'mixed endings',
    'data: 1\r\n\rdata: 2\n\r\n',
    [
      ['message', '1'],
      ['message', '2'],
    ],
  ],
  ['data lines joined with LF', 'data: {"a":\ndata: 1}\n\n', [['message', '{"a":\n1}']]],
  ['no space after the colon', 'event:x\ndata:1\n\n', [['x', '1']]],
  ['only one leading space dropped', 'data:  1\n\n', [['message', ' 1']]],
  [
    'comments and unknown fields',
    ': ping\nid: 7\nretry: 10\nfoo: bar\ndata: 1\n\n',
    [['message', '1']],
  ],
  ['a field with no colon', 'data\n\n', [['message', '']]],
  ['blank lines without data dispatch nothing', '\n\n\nevent: a\n\n', []],
  ['a leading BOM', '\ufeffdata: 1\n\n', [['message', '1']]],
  [
    'a last event with no blank line',
    'data: 1\n\ndata: 2',
    [
      ['message', '1'],
      ['message', '2'],
    ],
  ],
  ['multi-byte text', 'data: héllo — 😀\n\n', [['message', 'héllo — 😀']]],
];

for (const [name, body, events] of SSE_CASES) {
  test(`SSE framing: ${name}, split anywhere`, () => {
    assertSplitsAgree(body, events);
  });
}

test('SSE data of unwanted event types is skipped', () => {
  const body = 'event: keep\ndata: 1\n\nevent: drop\ndata: 2\n\ndata: 3\n\n';
  assert.deepEqual(parseSse([body], new Set(['keep'])), [['keep', '1']]);
});

test('an SSE event over the cap is skipped, in one line or across many', () => {
  const big = 'x'.repeat(600 * 1024);
  const body = `data: ${big}\ndata: ${big}\n\ndata: ok\n\n`;
  assert.deepEqual(parseSse([body]), [['message', 'ok']]);
  const oneLine = `data: ${big}${big}\n\ndata: ok\n\n`;
  const pieces = oneLine.match(/[^]{1,4096}/g) ?? [];
  assert.deepEqual(parseSse(pieces), [['message', 'ok']]);
  assert.deepEqual(parseSse([`data: ${big}${big}`]), []);
});

test('SSE parser counts skipped and dispatched events', () => {
  const parser = new SseParser({ wants: (type) => type !== 'skip', event: () => undefined });
  parser.write(Buffer.from('event: skip\ndata: 1\n\ndata: 2\n\n: comment\n\n'));
  parser.end();
  assert.equal(parser.events, 2);
});

test('NDJSON lines split on LF with optional CR, blank lines ignored, last line kept', () => {
  const lines: string[] = [];
  const parser = new LineParser({ wants: () => true, event: (_type, line) => lines.push(line) });
  const bytes = Buffer.from('{"a":1}\r\n\n  \n{"b":2}\n{"c":3}', 'utf8');
  for (const byte of bytes) parser.write(Buffer.from([byte]));
  parser.end();
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
  assert.equal(parser.lines, 3);
});

test('an NDJSON line over the cap is counted but not delivered', () => {
  const lines: string[] = [];
  const parser = new LineParser({ wants: () => true, event: (_type, line) => lines.push(line) });
  parser.write(Buffer.from(`${'x'.repeat(1024 * 1024 + 1)}\n{"ok":1}\n`));
  parser.end();
  assert.deepEqual(lines, ['{"ok":1}']);
  assert.equal(parser.lines, 2);
});
