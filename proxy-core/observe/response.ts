// What memex reads off a response after relaying it: observers attached once the response head
// is in and pipe() is writing the body to the client, so each sees a chunk only after the client
// has been sent it. Observing never delays, alters or fails the relay. Today: the rate limits
// in the head (one pass over its raw headers), the time to the first body byte, token usage,
// and, while the inspector is on, the head and body it keeps (inspect.ts).

import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Exchange } from '../http/exchange.js';
import { createUsageReader } from '../usage/reader.js';
import { credentialOf, fingerprint, readLimits } from './limits.js';

// Fingerprints are salted per process: stable while it runs, meaningless outside it.
const SALT = randomBytes(16).toString('hex');

/** What is kept per credential: its fingerprint (a hash) and when each host's limits were read. */
interface Credential {
  readonly fingerprint: string;
  readonly readAt: Map<string, number>;
}

// By credential, so the hash is computed once per key, not once per response.
const CREDENTIALS = new Map<string, Credential>();
const MAX_ENTRIES = 64;

function credentialEntry(credential: string): Credential {
  let entry = CREDENTIALS.get(credential);
  if (entry === undefined) {
    if (CREDENTIALS.size >= MAX_ENTRIES) CREDENTIALS.clear();
    entry = { fingerprint: fingerprint(credential, SALT), readAt: new Map() };
    CREDENTIALS.set(credential, entry);
  }
  return entry;
}

/** Attaches the observers `res`'s context calls for to the upstream `response`. */
export function observeResponse(response: IncomingMessage, res: Exchange): void {
  response.once('data', res.firstByte);
  res.inspection?.readResponse(response);
  // Limits are read when the exchange is recorded, after the client has had the whole response:
  // parsing a head's 20-odd limit headers is work the reply must not wait for.
  res.limitsHead = response;
  const { schema, path } = res.context;
  // count_tokens answers a question about a prompt; nothing is generated or spent.
  if (schema === 'unknown' || path.includes('/count_tokens')) return;
  const headers = response.headers;
  const reader = createUsageReader(
    schema,
    {
      status: response.statusCode ?? 0,
      contentType: headers['content-type'],
      contentEncoding: headers['content-encoding'],
    },
    (outcome, terminal, contentAt) => {
      res.usageRead(outcome, terminal, contentAt);
    },
  );
  if (reader === undefined) return;
  res.usageStarted();
  response.on('data', (chunk: Buffer) => {
    reader.write(chunk);
  });
  response.once('end', () => {
    reader.end();
  });
  response.once('close', () => {
    if (!response.complete) reader.abort();
  });
}

/**
 * Reads the rate limits a response head carries, for the account of the request's credential
 * (a WebSocket's 101 too: Codex's may carry them). `seenAt` is when the head arrived.
 */
export function readHeadLimits(response: IncomingMessage, res: Exchange, seenAt: number): void {
  const status = response.statusCode ?? 0;
  const account = credentialEntry(credentialOf(res.req.headers));
  const host = res.context.host;
  // Limits move slowly: one reading per account a second is as fresh as the tray and dashboard
  // show, and spares a busy agent's every response the parse. A refusal is always read.
  const last = account.readAt.get(host);
  if (last !== undefined && seenAt - last < READ_EVERY_MS && status !== 429) return;
  const limits = readLimits(response.rawHeaders, status, seenAt);
  if (limits === undefined) return;
  if (account.readAt.size >= MAX_ENTRIES) account.readAt.clear();
  account.readAt.set(host, seenAt);
  res.limitsRead(limits, account.fingerprint);
}

/** At most one limits reading per account (host and credential) this often, 429s aside. */
export const READ_EVERY_MS = 1_000;
