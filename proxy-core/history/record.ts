// What the proxy hands history: a finished exchange (shared/snapshot.ts's RequestRecord) or a
// finished tunnel, and the parsers the writer thread runs on them, since they arrive by message.

import type { RequestRecord } from '../../shared/snapshot.js';
import type { SchemaId } from '../../shared/schemas.js';
import type { UsageOutcome } from '../../shared/usage.js';
import type { ClientRef, ProcessRef, ProjectRef } from '../../shared/who.js';
import {
  isClientRef,
  isCount,
  isFields,
  isInteger,
  isProjectRef,
  isSchemaId,
  isText,
  isTextOrNull,
  type Fields,
} from './fields.js';

/** A finished CONNECT tunnel, as history keeps it. */
export interface TunnelInput {
  /** When the tunnel was opened, ms since the epoch. */
  readonly time: number;
  readonly host: string;
  readonly schema: SchemaId;
  /** Bytes from the client, and to it, over the tunnel's life. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly client: ClientRef;
  readonly project: ProjectRef | null;
  /** The proxy user whose credentials admitted it, when credentials were asked. */
  readonly user?: string;
}

/** A RequestRecord from a message, or undefined when any field is not what the type says. */
export function parseRequestRecord(value: unknown): RequestRecord | undefined {
  if (!isFields(value)) return undefined;
  const { time, method, host, path, schema, status, complete, durationMs, bytesIn, bytesOut } =
    value;
  if (
    !isCount(time) ||
    !isText(method) ||
    !isText(host) ||
    !isText(path) ||
    !isSchemaId(schema) ||
    !isInteger(status) ||
    status < 0 ||
    typeof complete !== 'boolean' ||
    !isCount(durationMs) ||
    !isCount(bytesIn) ||
    !isCount(bytesOut)
  ) {
    return undefined;
  }
  const record: RequestRecord = {
    time,
    method,
    host,
    path,
    schema,
    status,
    complete,
    durationMs,
    bytesIn,
    bytesOut,
  };
  return withOptional(record, value);
}

// The optional fields, each present only when valid; a malformed one fails the whole record.
function withOptional(record: RequestRecord, value: Fields): RequestRecord | undefined {
  const { ttfbMs, firstContentMs, usage, client, session, process, project, user } = value;
  const parsedUsage = usage === undefined ? undefined : parseUsage(usage);
  if (
    (ttfbMs !== undefined && !isCount(ttfbMs)) ||
    (firstContentMs !== undefined && !isCount(firstContentMs)) ||
    (usage !== undefined && parsedUsage === undefined) ||
    (client !== undefined && !isClientRef(client)) ||
    (session !== undefined && !isText(session)) ||
    (process !== undefined && !isProcessRef(process)) ||
    (project !== undefined && !isProjectRef(project)) ||
    (user !== undefined && !isText(user))
  ) {
    return undefined;
  }
  return {
    ...record,
    ...(ttfbMs === undefined ? {} : { ttfbMs }),
    ...(firstContentMs === undefined ? {} : { firstContentMs }),
    ...(parsedUsage === undefined ? {} : { usage: parsedUsage }),
    ...(client === undefined ? {} : { client }),
    ...(session === undefined ? {} : { session }),
    ...(process === undefined ? {} : { process }),
    ...(project === undefined ? {} : { project }),
    ...(user === undefined ? {} : { user }),
  };
}

function parseUsage(value: unknown): UsageOutcome | undefined {
  if (!isFields(value) || !isText(value['model'])) return undefined;
  const model = value['model'];
  switch (value['kind']) {
    case 'counted': {
      const tokens = value['tokens'];
      if (!isFields(tokens)) return undefined;
      const { input, output, cacheRead, cacheWrite } = tokens;
      if (!isCount(input) || !isCount(output) || !isCount(cacheRead) || !isCount(cacheWrite)) {
        return undefined;
      }
      return { kind: 'counted', model, tokens: { input, output, cacheRead, cacheWrite } };
    }
    case 'unknown':
      return { kind: 'unknown', model };
    case 'unparsed':
      return { kind: 'unparsed', model };
    default:
      return undefined;
  }
}

function isProcessRef(value: unknown): value is ProcessRef {
  return (
    isFields(value) &&
    isInteger(value['pid']) &&
    isText(value['name']) &&
    isTextOrNull(value['cwd'])
  );
}

/** A TunnelInput from a message, or undefined. */
export function parseTunnelInput(value: unknown): TunnelInput | undefined {
  if (!isFields(value)) return undefined;
  const { time, host, schema, bytesIn, bytesOut, durationMs, client, project, user } = value;
  if (
    !isCount(time) ||
    !isText(host) ||
    !isSchemaId(schema) ||
    !isCount(bytesIn) ||
    !isCount(bytesOut) ||
    !isCount(durationMs) ||
    !isClientRef(client) ||
    (project !== null && !isProjectRef(project)) ||
    (user !== undefined && !isText(user))
  ) {
    return undefined;
  }
  const tunnel = { time, host, schema, bytesIn, bytesOut, durationMs, client, project };
  return user === undefined ? tunnel : { ...tunnel, user };
}
