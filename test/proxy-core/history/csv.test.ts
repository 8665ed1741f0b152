import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXPORT_COLUMNS, toCsv, toCsvField, toExportRow } from '../../../proxy-core/history/csv.js';
import type { HistoryRow } from '../../../proxy-core/history/row.js';

const ROW: HistoryRow = {
  id: 7,
  time: Date.UTC(2025, 2, 10, 11, 30, 0, 250),
  day: '2025-03-10',
  method: 'POST',
  host: 'api.anthropic.com',
  path: '/v1/messages',
  schema: 'anthropic',
  status: 200,
  complete: true,
  durationMs: 1234.5,
  ttfbMs: null,
  firstContentMs: 300,
  bytesIn: 10,
  bytesOut: 20,
  model: 'claude-sonnet-4-5',
  usageKind: 'counted',
  input: 1,
  output: 2,
  cacheRead: 3,
  cacheWrite: 4,
  cost: 0.5,
  client: 'Claude Code',
  clientVersion: '2.1.3',
  session: 'a,b',
  projectRoot: '/home/dev/my "quoted" project',
  projectName: 'my "quoted" project',
  branch: 'feature/x\ny',
  processName: '=cmd|calc',
  pid: 42,
  user: null,
};

const FIELDS: readonly (readonly [string, string | number | boolean | null, string])[] = [
  ['plain text', 'hello', 'hello'],
  ['null is empty', null, ''],
  ['a number', 12.5, '12.5'],
  ['a boolean', false, 'false'],
  ['a comma is quoted', 'a,b', '"a,b"'],
  ['a quote is doubled and quoted', 'say "hi"', '"say ""hi"""'],
  ['a line feed is quoted', 'a\nb', '"a\nb"'],
  ['a carriage return is guarded and quoted', '\rx', `"'\rx"`],
  ['= starts a formula', '=1+1', "'=1+1"],
  ['+ starts a formula', '+1', "'+1"],
  ['- starts a formula', '-1', "'-1"],
  ['@ starts a formula', '@SUM(A1)', "'@SUM(A1)"],
  ['a tab starts one in some spreadsheets', '\tx', "'\tx"],
  ['guarded and quoted', '=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
  ['= elsewhere is text', 'a=b', 'a=b'],
  ['empty text', '', ''],
];

test('CSV fields: RFC 4180 quoting and the formula guard', () => {
  for (const [name, value, expected] of FIELDS) assert.equal(toCsvField(value), expected, name);
});

test('toCsv: a header row, then one CRLF-ended line per row', () => {
  const csv = toCsv([ROW, { ...ROW, id: 8, cost: null }]);
  const header = EXPORT_COLUMNS.join(',');
  assert.ok(csv.startsWith(`${header}\r\n`));
  assert.ok(csv.endsWith('\r\n'));
  assert.equal(
    csv.split('\r\n')[1],
    [
      '7',
      '2025-03-10T11:30:00.250Z',
      '2025-03-10',
      'POST',
      'api.anthropic.com',
      '/v1/messages',
      'anthropic',
      '200',
      'true',
      '1234.5',
      '',
      '300',
      '10',
      '20',
      'claude-sonnet-4-5',
      'counted',
      '1',
      '2',
      '3',
      '4',
      '0.5',
      'Claude Code',
      '2.1.3',
      '"a,b"',
      '"/home/dev/my ""quoted"" project"',
      '"my ""quoted"" project"',
      '"feature/x\ny"',
      "'=cmd|calc",
      '42',
      '',
    ].join(','),
  );
  assert.equal(toCsv([]), `${header}\r\n`);
});

test('the JSON export row has every export column, its time as ISO 8601', () => {
  const exported = toExportRow(ROW);
  assert.deepEqual(Object.keys(exported).sort(), [...EXPORT_COLUMNS].sort());
  assert.equal(exported.time, '2025-03-10T11:30:00.250Z');
  assert.equal(exported.processName, '=cmd|calc', 'JSON needs no formula guard');
});
