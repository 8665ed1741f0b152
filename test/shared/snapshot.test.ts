import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStats } from '../../proxy-core/stats.js';
import { fullSnapshot } from '../helpers/snapshots.js';
import { parseStatsSnapshot, RECENT_LIMIT } from '../../shared/snapshot.js';

type Path = readonly (string | number)[];

function at(value: unknown, key: string | number): unknown {
  assert.ok(typeof value === 'object' && value !== null, `no object for ${String(key)}`);
  return (value as Record<string | number, unknown>)[key];
}

/** The full snapshot, through JSON, with the field at `path` set to `value` (or removed). */
function edited(path: Path, value: unknown, remove = false): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(fullSnapshot()));
  const parent = path.slice(0, -1).reduce(at, copy);
  assert.ok(typeof parent === 'object' && parent !== null, path.join('.'));
  const key = path.at(-1) ?? '';
  if (remove) Reflect.deleteProperty(parent, key);
  else Reflect.set(parent, key, value);
  return copy;
}

const without = (path: Path): unknown => edited(path, undefined, true);
const DAY = fullSnapshot().usage.days['2025-06-11'];

test('a snapshot the worker makes passes whole, also after a trip through JSON', () => {
  const snapshot = fullSnapshot();
  assert.equal(parseStatsSnapshot(snapshot), snapshot);
  const carried: unknown = JSON.parse(JSON.stringify(snapshot));
  assert.deepEqual(parseStatsSnapshot(carried), snapshot);
  assert.ok(parseStatsSnapshot(createStats().snapshot()));
});

test('a snapshot with any field missing or of the wrong type is refused', () => {
  // Newest first: recent[0] is the Gemini request (no usage), [1] unparsed, [2] counted.
  const cases: [string, unknown][] = [
    ['not an object', 'stats'],
    ['an array', []],
    ['requests missing', without(['requests'])],
    ['a schema missing from requests', without(['requests', 'gemini'])],
    ['an extra schema in requests', edited(['requests', 'other'], 0)],
    ['a request count as text', edited(['requests', 'anthropic'], '2')],
    ['a negative count', edited(['schemas', 'openai', 'errors'], -1)],
    ['an infinite count', edited(['schemas', 'openai', 'bytesIn'], Infinity)],
    ['schema totals missing bytesOut', without(['schemas', 'anthropic', 'bytesOut'])],
    ['active missing', without(['active'])],
    ['tunnels missing', without(['tunnels'])],
    ['tunnel byHost an array', edited(['tunnels', 'byHost'], [])],
    ['a tunnel host of no schema', edited(['tunnels', 'byHost', 'chatgpt.com', 'schema'], 'x')],
    ['a tunnel total of null', edited(['tunnels', 'total'], null)],
    ['websockets missing', without(['websockets'])],
    ['open websockets as text', edited(['websockets', 'active'], '1')],
    ['uptimeMs missing', without(['uptimeMs'])],
    ['recent not an array', edited(['recent'], {})],
    [
      'recent longer than the ring',
      edited(['recent'], new Array(RECENT_LIMIT + 1).fill(fullSnapshot().recent[0])),
    ],
    ['a record without a method', without(['recent', 0, 'method'])],
    ['a record of an unknown schema', edited(['recent', 0, 'schema'], 'mystery')],
    ['a record status of 1.5', edited(['recent', 0, 'status'], 1.5)],
    ['a record status over 999', edited(['recent', 0, 'status'], 1000)],
    ['a record complete as text', edited(['recent', 0, 'complete'], 'yes')],
    ['a record usage of an unknown kind', edited(['recent', 1, 'usage', 'kind'], 'guessed')],
    ['a record usage without a model', without(['recent', 1, 'usage', 'model'])],
    ['counted usage without tokens', without(['recent', 2, 'usage', 'tokens'])],
    ['a token count as text', edited(['recent', 2, 'usage', 'tokens', 'output'], '2')],
    ['usage missing', without(['usage'])],
    ['usage of another version', edited(['usage', 'version'], 2)],
    ['a usage day with a bad key', edited(['usage', 'days', 'June 12'], DAY)],
    ['a usage day without models', without(['usage', 'days', '2025-06-11', 'models'])],
    [
      'a usage tally of an unknown schema',
      edited(['usage', 'days', '2025-06-11', 'schemas', 'mystery'], DAY?.schemas.openai),
    ],
    [
      'a usage tally missing unparsed',
      without(['usage', 'days', '2025-06-11', 'schemas', 'openai', 'unparsed']),
    ],
    ['clients missing', without(['clients'])],
    ['a client without a name', without(['clients', 0, 'name'])],
    ['a client cost as text', edited(['clients', 0, 'cost'], '1')],
    ['a client today without tokens', without(['clients', 0, 'today', 'tokens'])],
    ['sessions not an array', edited(['sessions'], {})],
    ['a session project of the wrong shape', edited(['sessions', 0, 'project'], 'shop')],
    ['a session of a numeric id', edited(['sessions', 0, 'id'], 1)],
    ['projects missing', without(['projects'])],
    ['a project without a root', without(['projects', 0, 'root'])],
    ['a project client list of numbers', edited(['projects', 0, 'clients'], [1])],
    ['a record client without a version', without(['recent', 2, 'client', 'version'])],
    ['a record pid of 1.5', edited(['recent', 2, 'process', 'pid'], 1.5)],
    ['a record project branch of 0', edited(['recent', 2, 'project', 'branch'], 0)],
    ['a record user of 1', edited(['recent', 2, 'user'], 1)],
    ['users missing', without(['users'])],
    ['a user without a name', without(['users', 0, 'name'])],
    ['a user cost as text', edited(['users', 0, 'cost'], '1')],
    ['a user of negative tunnels', edited(['users', 0, 'tunnels'], -1)],
  ];
  for (const [what, value] of cases) assert.equal(parseStatsSnapshot(value), undefined, what);
});
