// The origin lookup's bounds (issue 16), against a source the test controls and Node's mocked
// clock: batching, the scan rate, the time limit, the caches, failures.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { UNKNOWN_ORIGIN, type Origin } from '../../../../shared/who.js';
import { toConnectionKey, type Connection } from '../../../../proxy-core/observe/origin/address.js';
import {
  LOOKUP_TIMEOUT_MS,
  MIN_SCAN_INTERVAL_MS,
  PROCESS_TTL_MS,
  createOriginLookup,
} from '../../../../proxy-core/observe/origin/lookup.js';
import type {
  OriginSource,
  Owner,
  ProcessInfo,
  Scan,
} from '../../../../proxy-core/observe/origin/source.js';

function connection(clientPort: number): Connection {
  return {
    clientAddress: '::ffff:127.0.0.1',
    clientPort,
    proxyAddress: '127.0.0.1',
    proxyPort: 8080,
  };
}

function keyOf(c: Connection): string {
  return toConnectionKey(c.clientAddress, c.clientPort, c.proxyAddress, c.proxyPort) ?? '';
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** A source whose scans the test answers one by one; every client port is owned by pid 100+port. */
function controlledSource(info: () => Promise<ProcessInfo | null>) {
  const batches: Connection[][] = [];
  const answers: Deferred<Scan>[] = [];
  const described: number[] = [];
  const source: OriginSource = {
    scan(connections) {
      batches.push([...connections]);
      const answer = deferred<Scan>();
      answers.push(answer);
      return answer.promise;
    },
  };
  const answer = (index: number): void => {
    const owners = new Map<string, Owner>();
    for (const c of batches[index] ?? []) {
      const pid = 100 + c.clientPort;
      owners.set(keyOf(c), {
        pid,
        describe: () => {
          described.push(pid);
          return info();
        },
      });
    }
    answers[index]?.resolve({ owners, full: false });
  };
  return { source, batches, answer, described };
}

/** Lets settled promises run their continuations (the mocked clock does not move). */
async function drain(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The origin the lookup has settled with so far, or undefined. */
function track(promise: Promise<Origin>): () => Origin | undefined {
  let settled: Origin | undefined;
  void promise.then((origin) => {
    settled = origin;
  });
  return () => settled;
}

const AGENT: ProcessInfo = { name: 'agent', cwd: '/work', directory: null };

function mockClock(t: TestContext): void {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
}

test('lookups of one turn share a scan; those during it wait for the next, a slot later', async (t) => {
  mockClock(t);
  const fake = controlledSource(() => Promise.resolve(AGENT));
  const lookup = createOriginLookup({ source: fake.source, now: Date.now });
  t.after(() => {
    lookup.close();
  });
  const first = track(lookup.lookup(connection(1)));
  const second = track(lookup.lookup(connection(2)));
  t.mock.timers.tick(0);
  await drain();
  assert.deepEqual(
    fake.batches.map((batch) => batch.length),
    [2],
  );

  const third = track(lookup.lookup(connection(3)));
  fake.answer(0);
  await drain();
  assert.deepEqual(first(), {
    process: { pid: 101, name: 'agent', cwd: '/work' },
    project: null,
    user: null,
  });
  assert.equal(second()?.process?.pid, 102);
  assert.equal(third(), undefined);

  t.mock.timers.tick(MIN_SCAN_INTERVAL_MS - 1);
  await drain();
  assert.equal(fake.batches.length, 1);
  t.mock.timers.tick(1);
  await drain();
  assert.deepEqual(fake.batches[1], [connection(3)]);
  fake.answer(1);
  await drain();
  assert.equal(third()?.process?.pid, 103);
  assert.deepEqual(lookup.counts(), { scans: 2, fullScans: 0 });
});

test('a lookup settles with UNKNOWN_ORIGIN when the scan outlasts the limit, and the next scan runs', async (t) => {
  mockClock(t);
  const fake = controlledSource(() => Promise.resolve(AGENT));
  const lookup = createOriginLookup({ source: fake.source, now: Date.now });
  t.after(() => {
    lookup.close();
  });
  const stuck = track(lookup.lookup(connection(1)));
  t.mock.timers.tick(0);
  await drain();
  t.mock.timers.tick(LOOKUP_TIMEOUT_MS - 1);
  await drain();
  assert.equal(stuck(), undefined);
  t.mock.timers.tick(1);
  await drain();
  assert.deepEqual(stuck(), UNKNOWN_ORIGIN);

  const next = track(lookup.lookup(connection(2)));
  t.mock.timers.tick(0);
  await drain();
  assert.equal(fake.batches.length, 2);
  fake.answer(1);
  await drain();
  assert.equal(next()?.process?.pid, 102);
});

test('a process that is never described leaves the lookup UNKNOWN_ORIGIN at the limit', async (t) => {
  mockClock(t);
  const fake = controlledSource(() => new Promise<ProcessInfo | null>(() => undefined));
  const lookup = createOriginLookup({ source: fake.source, now: Date.now });
  t.after(() => {
    lookup.close();
  });
  const origin = track(lookup.lookup(connection(1)));
  t.mock.timers.tick(0);
  await drain();
  fake.answer(0);
  await drain();
  assert.equal(origin(), undefined);
  t.mock.timers.tick(LOOKUP_TIMEOUT_MS);
  await drain();
  assert.deepEqual(origin(), UNKNOWN_ORIGIN);
});

test('a pid is described once while its description is fresh, again after PROCESS_TTL_MS', async (t) => {
  mockClock(t);
  const fake = controlledSource(() => Promise.resolve(AGENT));
  const lookup = createOriginLookup({ source: fake.source, now: Date.now });
  t.after(() => {
    lookup.close();
  });
  for (const [index, wait] of [0, MIN_SCAN_INTERVAL_MS, PROCESS_TTL_MS].entries()) {
    t.mock.timers.tick(wait);
    await drain();
    const origin = track(lookup.lookup(connection(7)));
    t.mock.timers.tick(0);
    await drain();
    fake.answer(index);
    await drain();
    assert.equal(origin()?.process?.pid, 107);
  }
  assert.deepEqual(fake.described, [107, 107]);
});

test('the project is read from the directory the process is described with', async (t) => {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'memex-lookup-')));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, '.git'));
  await writeFile(join(root, '.git', 'HEAD'), 'ref: refs/heads/feature/who\n');
  const source: OriginSource = {
    scan: (connections) =>
      Promise.resolve({
        owners: new Map(
          connections.map((c) => [
            keyOf(c),
            {
              pid: 9,
              describe: () => Promise.resolve({ name: 'agent', cwd: root, directory: root }),
            },
          ]),
        ),
        full: true,
      }),
  };
  const lookup = createOriginLookup({ source });
  t.after(() => {
    lookup.close();
  });
  assert.deepEqual(await lookup.lookup(connection(1)), {
    process: { pid: 9, name: 'agent', cwd: root },
    project: { root, name: root.split('/').pop(), branch: 'feature/who' },
    user: null,
  });
  assert.deepEqual(lookup.counts(), { scans: 1, fullScans: 1 });
});

test('failures anywhere give UNKNOWN_ORIGIN, never a rejection', async (t) => {
  const sources: OriginSource[] = [
    { scan: () => Promise.reject(new Error('EACCES')) },
    {
      scan: () => {
        throw new Error('thrown');
      },
    },
    {
      scan: (connections) =>
        Promise.resolve({
          owners: new Map(
            connections.map((c) => [
              keyOf(c),
              { pid: 5, describe: () => Promise.reject(new Error('gone')) },
            ]),
          ),
          full: false,
        }),
    },
    {
      scan: (connections) =>
        Promise.resolve({
          owners: new Map(
            connections.map((c) => [keyOf(c), { pid: 6, describe: () => Promise.resolve(null) }]),
          ),
          full: false,
        }),
    },
  ];
  for (const source of sources) {
    const lookup = createOriginLookup({ source });
    t.after(() => {
      lookup.close();
    });
    assert.deepEqual(await lookup.lookup(connection(1)), UNKNOWN_ORIGIN);
  }
});

test('no scan for an unsupported platform, an address that is none, or after close', async () => {
  const unsupported = createOriginLookup({ platform: 'aix' });
  assert.deepEqual(await unsupported.lookup(connection(1)), UNKNOWN_ORIGIN);
  assert.deepEqual(unsupported.counts(), { scans: 0, fullScans: 0 });

  let scans = 0;
  const source: OriginSource = {
    scan: () => {
      scans++;
      return new Promise<Scan>(() => undefined);
    },
  };
  const lookup = createOriginLookup({ source });
  const bad = {
    clientAddress: 'localhost',
    clientPort: 1,
    proxyAddress: '127.0.0.1',
    proxyPort: 2,
  };
  assert.deepEqual(await lookup.lookup(bad), UNKNOWN_ORIGIN);
  const pending = lookup.lookup(connection(1));
  lookup.close();
  assert.deepEqual(await pending, UNKNOWN_ORIGIN);
  assert.deepEqual(await lookup.lookup(connection(2)), UNKNOWN_ORIGIN);
  assert.equal(scans, 0);
});
