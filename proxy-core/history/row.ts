// One stored exchange: the columns a RequestRecord (or a tunnel) is written as, and the row a
// query reads back, parsed, since a file on disk is outside data too.

import type { SQLInputValue } from 'node:sqlite';
import type { RequestRecord } from '../../shared/snapshot.js';
import {
  isCount,
  isCountOrNull,
  isDay,
  isFields,
  isInteger,
  isSchemaId,
  isText,
  isTextOrNull,
} from './fields.js';
import type { TunnelInput } from './record.js';
import type { HistoryRow, UsageKind } from '../../shared/history.js';

export type { HistoryRow, UsageKind } from '../../shared/history.js';

/** The path with anything from a `?` (a query, which can carry keys) or `#` cut off. */
export function pathOf(path: string): string {
  const query = path.indexOf('?');
  const cut = query === -1 ? path : path.slice(0, query);
  const fragment = cut.indexOf('#');
  return fragment === -1 ? cut : cut.slice(0, fragment);
}

export const INSERT_REQUEST = `INSERT INTO requests (time, day, method, host, path, schema,
  status, complete, duration_ms, ttfb_ms, first_content_ms, bytes_in, bytes_out, model,
  usage_kind, input, output, cache_read, cache_write, cost, client, client_version, session,
  project_root, project_name, branch, process_name, pid, user)
  VALUES (${new Array(29).fill('?').join(', ')})`;

/** INSERT_REQUEST's parameters for `record`, on local date `day`, costing `cost`. */
export function toRequestParams(
  record: RequestRecord,
  day: string,
  cost: number | undefined,
): SQLInputValue[] {
  const { usage, client, project, process } = record;
  const tokens = usage?.kind === 'counted' ? usage.tokens : undefined;
  return [
    Math.floor(record.time),
    day,
    record.method,
    record.host,
    pathOf(record.path),
    record.schema,
    record.status,
    record.complete ? 1 : 0,
    record.durationMs,
    record.ttfbMs ?? null,
    record.firstContentMs ?? null,
    record.bytesIn,
    record.bytesOut,
    usage?.model ?? null,
    usage?.kind ?? null,
    tokens?.input ?? null,
    tokens?.output ?? null,
    tokens?.cacheRead ?? null,
    tokens?.cacheWrite ?? null,
    cost ?? null,
    client?.name ?? null,
    client?.version ?? null,
    record.session ?? null,
    project?.root ?? null,
    project?.name ?? null,
    project?.branch ?? null,
    process?.name ?? null,
    process?.pid ?? null,
    record.user ?? null,
  ];
}

export const INSERT_TUNNEL = `INSERT INTO tunnels (time, day, host, schema, bytes_in, bytes_out,
  duration_ms, client, client_version, project_root, project_name, branch, user)
  VALUES (${new Array(13).fill('?').join(', ')})`;

/** INSERT_TUNNEL's parameters for `tunnel`, on local date `day`. */
export function toTunnelParams(tunnel: TunnelInput, day: string): SQLInputValue[] {
  const { project } = tunnel;
  return [
    Math.floor(tunnel.time),
    day,
    tunnel.host,
    tunnel.schema,
    tunnel.bytesIn,
    tunnel.bytesOut,
    tunnel.durationMs,
    tunnel.client.name,
    tunnel.client.version,
    project?.root ?? null,
    project?.name ?? null,
    project?.branch ?? null,
    tunnel.user ?? null,
  ];
}

/** The select list that reads a row back under HistoryRow's names. */
export const ROW_COLUMNS = `id, time, day, method, host, path, schema, status, complete,
  duration_ms AS durationMs, ttfb_ms AS ttfbMs, first_content_ms AS firstContentMs,
  bytes_in AS bytesIn, bytes_out AS bytesOut, model, usage_kind AS usageKind, input, output,
  cache_read AS cacheRead, cache_write AS cacheWrite, cost, client,
  client_version AS clientVersion, session, project_root AS projectRoot,
  project_name AS projectName, branch, process_name AS processName, pid, user`;

const USAGE_KINDS: ReadonlySet<unknown> = new Set<UsageKind>(['counted', 'unknown', 'unparsed']);

function isUsageKindOrNull(value: unknown): value is UsageKind | null {
  return value === null || USAGE_KINDS.has(value);
}

/**
 * A HistoryRow from a value read back (a file row selected with ROW_COLUMNS, whose `complete`
 * is 0 or 1, or a row that crossed from the writer thread, whose `complete` is a boolean).
 */
export function parseHistoryRow(value: unknown): HistoryRow | undefined {
  if (!isFields(value)) return undefined;
  const { id, time, day, method, host, path, schema, status, complete } = value;
  const { durationMs, ttfbMs, firstContentMs, bytesIn, bytesOut, model, usageKind } = value;
  const { input, output, cacheRead, cacheWrite, cost, client, clientVersion, session } = value;
  const { projectRoot, projectName, branch, processName, pid, user } = value;
  if (
    !isInteger(id) ||
    !isCount(time) ||
    !isDay(day) ||
    !isText(method) ||
    !isText(host) ||
    !isText(path) ||
    !isSchemaId(schema) ||
    !isInteger(status) ||
    !(complete === 0 || complete === 1 || typeof complete === 'boolean') ||
    !isCount(durationMs) ||
    !isCountOrNull(ttfbMs) ||
    !isCountOrNull(firstContentMs) ||
    !isCount(bytesIn) ||
    !isCount(bytesOut) ||
    !isTextOrNull(model) ||
    !isUsageKindOrNull(usageKind) ||
    !isCountOrNull(input) ||
    !isCountOrNull(output) ||
    !isCountOrNull(cacheRead) ||
    !isCountOrNull(cacheWrite) ||
    !isCountOrNull(cost) ||
    !isTextOrNull(client) ||
    !isTextOrNull(clientVersion) ||
    !isTextOrNull(session) ||
    !isTextOrNull(projectRoot) ||
    !isTextOrNull(projectName) ||
    !isTextOrNull(branch) ||
    !isTextOrNull(processName) ||
    !(pid === null || isInteger(pid)) ||
    !isTextOrNull(user)
  ) {
    return undefined;
  }
  return {
    id,
    time,
    day,
    method,
    host,
    path,
    schema,
    status,
    complete: complete === 1 || complete === true,
    durationMs,
    ttfbMs,
    firstContentMs,
    bytesIn,
    bytesOut,
    model,
    usageKind,
    input,
    output,
    cacheRead,
    cacheWrite,
    cost,
    client,
    clientVersion,
    session,
    projectRoot,
    projectName,
    branch,
    processName,
    pid,
    user,
  };
}
