// What the history tests share: a history file in a fresh temporary folder (removed when the test
// ends), requests and tunnels to write, and the sqlite3 command-line shell, which reads the file
// independently of the code under test.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { TunnelInput } from '../../../proxy-core/history/record.js';
import type { Capture } from '../../../shared/history.js';
import type { RequestRecord } from '../../../shared/snapshot.js';

// Per test, what must be closed before its folders go: after-hooks run in the order they were
// added, and a history closed after its folder was removed would write it anew.
const closers = new WeakMap<TestContext, (() => unknown)[]>();

function closersOf(t: TestContext): (() => unknown)[] {
  let list = closers.get(t);
  if (list === undefined) {
    list = [];
    closers.set(t, list);
    const pending = list;
    t.after(async () => {
      for (const close of pending.splice(0)) await close();
    });
  }
  return list;
}

/** Runs `close` when the test ends, awaited, before any of its temporary folders is removed. */
export function closeFirst(t: TestContext, close: () => unknown): void {
  closersOf(t).push(close);
}

/** A path for a history file in a new temporary folder, removed when the test ends. */
export function tempHistoryFile(t: TestContext, name = 'history.db'): string {
  const dir = mkdtempSync(join(tmpdir(), 'memex-history-'));
  const pending = closersOf(t);
  t.after(async () => {
    for (const close of pending.splice(0)) await close();
    rmSync(dir, { recursive: true, force: true });
  });
  return join(dir, 'nested', name);
}

/** Local noon of a calendar day, so its day key is that date in any time zone. */
export function noonOf(year: number, month: number, day: number): number {
  return new Date(year, month - 1, day, 12).getTime();
}

/**
 * A finished request: a complete 200 with counted usage unless `fields` say otherwise; the
 * optional fields named in `omit` are left out.
 */
export function record(
  fields: Partial<RequestRecord> = {},
  ...omit: (keyof RequestRecord)[]
): RequestRecord {
  const full: RequestRecord = {
    time: noonOf(2025, 3, 10),
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 1234.5,
    ttfbMs: 210.25,
    bytesIn: 1_000,
    bytesOut: 2_000,
    usage: {
      kind: 'counted',
      model: 'claude-sonnet-4-5',
      tokens: { input: 100, output: 20, cacheRead: 1_000, cacheWrite: 50 },
    },
    client: { name: 'Claude Code', version: '2.1.3' },
    session: 'session-1',
    project: { root: '/home/dev/memex', name: 'memex', branch: 'main' },
    process: { pid: 4242, name: 'claude', cwd: '/home/dev/memex' },
    ...fields,
  };
  return Object.fromEntries(
    Object.entries(full).filter(([key]) => !omit.some((name) => name === key)),
  ) as unknown as RequestRecord;
}

/** A finished tunnel. */
export function tunnel(fields: Partial<TunnelInput> = {}): TunnelInput {
  return {
    time: noonOf(2025, 3, 10),
    host: 'api.openai.com',
    schema: 'openai',
    bytesIn: 300,
    bytesOut: 4_000,
    durationMs: 9_000,
    client: { name: 'Codex CLI', version: '0.40.0' },
    project: { root: '/home/dev/memex', name: 'memex', branch: 'main' },
    ...fields,
  };
}

/** Rows of `sql` run by the sqlite3 shell on `file`, as `-json` prints them. */
export function sqlite(file: string, sql: string): Record<string, unknown>[] {
  const out = execFileSync('sqlite3', ['-json', file, sql], { encoding: 'utf8' });
  if (out.trim() === '') return [];
  const parsed: unknown = JSON.parse(out);
  if (!Array.isArray(parsed)) throw new Error(`sqlite3 printed no rows: ${out}`);
  return parsed.map((row: unknown) => {
    if (typeof row !== 'object' || row === null) throw new Error(`not a row: ${String(row)}`);
    return { ...row };
  });
}

/** The one value of a one-row, one-column query, by the sqlite3 shell. */
export function sqliteValue(file: string, sql: string): unknown {
  const [row] = sqlite(file, sql);
  return row === undefined ? undefined : Object.values(row)[0];
}

/** Collects problem messages, as onProblem hears them. */
export function problems(): {
  readonly messages: string[];
  readonly onProblem: (m: string) => void;
} {
  const messages: string[] = [];
  return {
    messages,
    onProblem: (message) => {
      messages.push(message);
    },
  };
}

/** An inspector capture: a JSON request, an SSE response with its events, headers redacted. */
export function capture(fields: Partial<Capture> = {}): Capture {
  return {
    requestHeaders: [
      ['Host', 'api.anthropic.com'],
      ['x-api-key', '[redacted]'],
      ['Content-Type', 'application/json'],
    ],
    responseHeaders: [['content-type', 'text/event-stream']],
    requestBody: { text: '{"model":"claude-sonnet-4-5"}', bytes: 29, truncated: false },
    responseBody: {
      text: 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      bytes: 51,
      truncated: false,
    },
    events: [{ event: 'message_stop', data: '{"type":"message_stop"}' }],
    ...fields,
  };
}
