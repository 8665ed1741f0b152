// How the dashboard writes numbers and names: byte sizes, durations, clock times, counts, schema
// labels, request paths, percentages, rates, when a limit resets, and who called (client,
// project, session). Pure functions; clock times are in the machine's time zone.

import type { ConfigProblem } from '../shared/bridge.js';
import { issueText, keyedMessage } from '../shared/config-text.js';
import { SCHEMA_LABELS } from '../shared/schemas.js';
import type { RequestRecord } from '../shared/snapshot.js';
import type { UsageOutcome } from '../shared/usage.js';
import type { ClientRef, ProjectRef } from '../shared/who.js';
import { toThousands } from '../shared/text.js';
import { formatTokens, promptTokens } from '../shared/usage-text.js';

export { SCHEMA_LABELS };

const BYTE_UNITS = ['kB', 'MB', 'GB', 'TB'] as const;
const COUNT = new Intl.NumberFormat('en-US');

/** Bytes in SI units: `512 B`, `1.5 kB`, `23 kB`, `4.2 MB` (two or three significant digits). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const { value, unit } = toThousands(bytes, BYTE_UNITS);
  return `${value < 9.95 ? value.toFixed(1) : String(Math.round(value))} ${unit}`;
}

/** A duration: `840 ms`, `2.35 s`, `14.2 s`, `3 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 9995) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** A 24-hour local clock time, `14:03:27`. */
export function formatClock(time: number): string {
  const date = new Date(time);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map(pad).join(':');
}

function pad(part: number): string {
  return String(part).padStart(2, '0');
}

/** A local date and 24-hour time, `2025-01-15 14:03:27`. */
export function formatDateTime(time: number): string {
  const date = new Date(time);
  const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()].map(pad).join('-');
  return `${day} ${formatClock(time)}`;
}

/** A 24-hour local clock time to the minute, `14:05`. */
export function formatShortClock(time: number): string {
  const date = new Date(time);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/**
 * When a limit window resets, seen at `now` (both ms since the epoch): a countdown within a day
 * (`resets in 45 s`, `resets in 13 min`, `resets in 2 h 13 min`), past that the local day and
 * time (`resets Sat 14:05`), and `resets now` once the time has come.
 */
export function formatReset(resetsAt: number, now: number): string {
  const left = resetsAt - now;
  if (left <= 0) return 'resets now';
  if (left < 60_000) return `resets in ${Math.ceil(left / 1000)} s`;
  const minutes = Math.floor(left / 60_000);
  if (minutes < 60) return `resets in ${minutes} min`;
  if (minutes < 24 * 60) {
    const rest = minutes % 60;
    return `resets in ${Math.floor(minutes / 60)} h${rest === 0 ? '' : ` ${rest} min`}`;
  }
  return `resets ${formatDayClock(resetsAt)}`;
}

/** A local day and time to the minute, `Sat 14:05`. */
export function formatDayClock(time: number): string {
  return `${WEEKDAYS[new Date(time).getDay()] ?? ''} ${formatShortClock(time)}`;
}

/** A used fraction as a whole percentage, `42%` (over 100 % when a plan is overused). */
export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** Tokens per second: one decimal below 10 (`8.5`), whole above (`87`). */
export function formatRate(perSecond: number): string {
  return perSecond < 9.95 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

/** A count with thousands separators, `12,345`. */
export function formatCount(count: number): string {
  return COUNT.format(count);
}

/**
 * The path as shown: without query or fragment. Stats already drop the query (it can carry keys,
 * `?key=`); the window drops it again so no future source can put a secret on screen.
 */
export function toDisplayPath(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/** A failed request: an error status, or a response that was cut short (stats.ts counts both). */
export function isFailed(record: Pick<RequestRecord, 'status' | 'complete'>): boolean {
  return record.status >= 400 || !record.complete;
}

/** The status column: the code (or `—` when none was sent) and whether the response was cut. */
export function formatStatus(record: Pick<RequestRecord, 'status' | 'complete'>): string {
  const code = record.status === 0 ? '—' : String(record.status);
  return record.complete ? code : `${code} cut`;
}

/**
 * What is wrong with a config, for under its location: the first issue's key and message, then
 * each further issue as a whole `file:line:col: key: message` line (its line differs).
 */
export function describeConfigProblem(problem: ConfigProblem): string {
  const [first, ...rest] = problem.issues;
  if (first === undefined) return '';
  return [keyedMessage(first), ...rest.map((issue) => issueText(problem.file, issue))].join('\n');
}

/** Where a config error is: `in /home/me/.memex.yml, line 4` ('' when the file is unknown). */
export function describeWhere(file: string, line: number | null | undefined): string {
  if (file === '') return '';
  return line === null || line === undefined ? `in ${file}` : `in ${file}, line ${line}`;
}

/**
 * The recent-requests tokens cell: `35.9k → 925` (prompt, cache included → output), `unknown`
 * when the response carried no usage or could not be read, `—` when memex did not read it.
 */
export function formatRecordTokens(usage: UsageOutcome | undefined): string {
  if (usage === undefined) return '—';
  if (usage.kind !== 'counted') return 'unknown';
  return `${formatTokens(promptTokens(usage.tokens))} → ${formatTokens(usage.tokens.output)}`;
}

/** The tokens cell's tooltip: the model and the four counts, or why there are none. */
export function describeRecordTokens(usage: UsageOutcome | undefined): string {
  if (usage === undefined) return 'Not read: an error, a tunnel, or an API memex does not read';
  const model = usage.model === '' ? '' : `${usage.model}: `;
  switch (usage.kind) {
    case 'unknown':
      return `${model}the response carried no token counts`;
    case 'unparsed':
      return `${model}the response could not be read`;
    case 'counted': {
      const { input, output, cacheRead, cacheWrite } = usage.tokens;
      return (
        `${model}${formatCount(input)} input, ${formatCount(cacheRead)} cache read, ` +
        `${formatCount(cacheWrite)} cache write, ${formatCount(output)} output`
      );
    }
  }
}

/** A client with its version, `Claude Code 2.1.332` (the name alone when it sent none). */
export function formatClient(client: ClientRef): string {
  return client.version === null ? client.name : `${client.name} ${client.version}`;
}

/** A project by its work tree's name and branch, `memex · main` (the name alone when unknown). */
export function formatProject(project: ProjectRef): string {
  return project.branch === null ? project.name : `${project.name} · ${project.branch}`;
}

// Agents' session ids are UUIDs: their first 8 characters tell a day's sessions apart.
const SESSION_PREFIX = 8;

/** A session as a list names it: its client and the id's start, `Claude Code · 3f2a9c1e…`. */
export function formatSession(id: string, client: string | undefined): string {
  const short = id.length > SESSION_PREFIX + 1 ? `${id.slice(0, SESSION_PREFIX)}…` : id;
  return client === undefined ? short : `${client} · ${short}`;
}

/**
 * The recent-requests client cell's tooltip: the client, then a line each for the project (with
 * its root), session, process and proxy user the request carried.
 */
export function describeCaller(
  record: Pick<RequestRecord, 'client' | 'project' | 'session' | 'process' | 'user'>,
): string {
  const { client, project, session, process, user } = record;
  const lines = [client === undefined ? 'Client not known' : formatClient(client)];
  if (project !== undefined) lines.push(`Project: ${formatProject(project)} (${project.root})`);
  if (session !== undefined) lines.push(`Session: ${session}`);
  if (process !== undefined) {
    const where = process.cwd === null ? '' : ` in ${process.cwd}`;
    lines.push(`Process: ${process.name} (pid ${process.pid})${where}`);
  }
  if (user !== undefined) lines.push(`User: ${user}`);
  return lines.join('\n');
}
