// Reads the rate-limit and quota headers of a response head (Anthropic API-key and subscription,
// OpenAI, Codex) into a LimitsReading, and names a request's credential without revealing it.
// Pure; readLimits runs on every response, so a head without limit headers costs one cheap pass.

import { createHash } from 'node:crypto';
import type {
  LimitProvider,
  LimitsReading,
  LimitWindow,
  WindowStatus,
} from '../../shared/limits.js';

const ANTHROPIC = 'anthropic-ratelimit-';
const UNIFIED = 'anthropic-ratelimit-unified-';
const OPENAI = 'x-ratelimit-';
const CODEX = 'x-codex-';

/** When headers of several providers appear, the reading is named after the first here. */
const PREFERENCE = ['anthropic-subscription', 'codex', 'anthropic', 'openai'] as const;

/** One window's raw header values by field (`limit`, `reset`…), the first occurrence kept. */
type Fields = ReadonlyMap<string, string>;

/** Raw values per provider and window id; id '' holds a provider's own fields. */
type Drafts = Record<LimitProvider, Map<string, Map<string, string>>>;

/**
 * Reads the limit headers in `rawHeaders` (Node's `IncomingMessage.rawHeaders`: names in their
 * original case, each followed by its value) of a response with `status`, read at `now` (ms since
 * the epoch; relative resets count from it). Undefined when none of them is present: a lone
 * `retry-after` is no reading, as a reading names its provider. An unparseable value leaves its
 * field null; nothing here throws.
 */
export function readLimits(
  rawHeaders: readonly string[],
  status: number,
  now: number,
): LimitsReading | undefined {
  let drafts: Drafts | undefined;
  let retryAfter: string | undefined;
  let retryAfterMs: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    // Every name read here starts with a, x or r and is at least 11 characters long (retry-after);
    // `| 0x20` folds A-Z onto a-z and nothing else onto them. Most names stop at this test.
    if (name.length < 11) continue;
    const first = name.charCodeAt(0) | 0x20;
    if (first === 0x72) {
      if (name.length === 11 && startsWithFolded(name, 'retry-after')) {
        retryAfter ??= rawHeaders[i + 1];
      } else if (name.length === 14 && startsWithFolded(name, 'retry-after-ms')) {
        retryAfterMs ??= rawHeaders[i + 1];
      }
      continue;
    }
    const isLimit =
      first === 0x61
        ? startsWithFolded(name, ANTHROPIC)
        : first === 0x78 && (startsWithFolded(name, OPENAI) || startsWithFolded(name, CODEX));
    if (!isLimit) continue;
    drafts ??= {
      'anthropic-subscription': new Map(),
      codex: new Map(),
      anthropic: new Map(),
      openai: new Map(),
    };
    record(drafts, name.toLowerCase(), rawHeaders[i + 1] ?? '');
  }
  if (drafts === undefined) return undefined;
  return toReading(drafts, { seconds: retryAfter, ms: retryAfterMs }, status === 429, now);
}

/** Whether `name` starts with `prefix` (lowercase ASCII) in any letter case, without allocating. */
function startsWithFolded(name: string, prefix: string): boolean {
  if (name.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

/** Where a limit header's value goes: provider, window id ('' for the provider's own), field. */
type Slot = readonly [provider: LimitProvider, id: string, field: string];

const API_FIELDS = ['limit', 'remaining', 'reset'] as const;
const ANTHROPIC_KINDS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;
const OPENAI_KINDS = ['requests', 'tokens'] as const;
const UNIFIED_WINDOWS = ['5h', '7d', 'overage'] as const;
const UNIFIED_OWN = ['status', 'reset', 'representative-claim'] as const;
const UNIFIED_FIELDS = ['utilization', 'reset', 'status'] as const;
const CODEX_WINDOWS = ['primary', 'secondary'] as const;
const CODEX_FIELDS = ['used-percent', 'window-minutes', 'reset-at', 'reset-after-seconds'] as const;

/** `[name, slot]` for each window id and field, the name spelled by `pattern`. */
function grid(
  provider: LimitProvider,
  ids: readonly string[],
  fields: readonly string[],
  pattern: string,
): [string, Slot][] {
  return ids.flatMap((id) =>
    fields.map((field): [string, Slot] => [
      pattern.replace('{id}', id).replace('{field}', field),
      [provider, id, field],
    ]),
  );
}

/** Every limit header of a fixed name (lowercase), and where it goes. */
const SLOTS: ReadonlyMap<string, Slot> = new Map([
  ...grid('anthropic-subscription', [''], UNIFIED_OWN, `${UNIFIED}{field}`),
  ...grid('anthropic-subscription', UNIFIED_WINDOWS, UNIFIED_FIELDS, `${UNIFIED}{id}-{field}`),
  // anthropic-ratelimit-<kind>-<field>, but x-ratelimit-<field>-<kind>.
  ...grid('anthropic', ANTHROPIC_KINDS, API_FIELDS, `${ANTHROPIC}{id}-{field}`),
  ...grid('openai', OPENAI_KINDS, API_FIELDS, `${OPENAI}{field}-{id}`),
  ...grid('codex', [''], ['plan-type'], `${CODEX}{field}`),
  ...grid('codex', CODEX_WINDOWS, CODEX_FIELDS, `${CODEX}{id}-{field}`),
]);

/** The per-model weekly windows (`7d-sonnet`, `7d-opus`…), the one family of open names. */
const MODEL_WINDOW =
  /^anthropic-ratelimit-unified-(7d-[a-z0-9][a-z0-9_-]*)-(utilization|reset|status)$/;

/** `5h`, `7d`, `overage`, or a per-model weekly window. */
const WINDOW_ID = /^(?:5h|7d|overage|7d-[a-z0-9][a-z0-9_-]*)$/;

/** Files a lowercase header's value; the first of a repeated one is kept, as Node's `headers` does. */
function record(drafts: Drafts, name: string, value: string): void {
  let slot = SLOTS.get(name);
  if (slot === undefined) {
    const [, id, field] = MODEL_WINDOW.exec(name) ?? [];
    if (id === undefined || field === undefined) return;
    slot = ['anthropic-subscription', id, field];
  }
  const [provider, id, field] = slot;
  let fields = drafts[provider].get(id);
  if (fields === undefined) drafts[provider].set(id, (fields = new Map<string, string>()));
  if (!fields.has(field)) fields.set(field, value);
}

const NO_FIELDS: Fields = new Map();

/** The reading the drafts make; undefined when no header in them had a known name. */
function toReading(
  drafts: Drafts,
  retry: { readonly seconds: string | undefined; readonly ms: string | undefined },
  refused: boolean,
  now: number,
): LimitsReading | undefined {
  const provider = PREFERENCE.find((name) => drafts[name].size > 0);
  if (provider === undefined) return undefined;
  const unified = drafts['anthropic-subscription'];
  const binding = toWindowId(unified.get('')?.get('representative-claim'));
  const windows = [
    ...unifiedWindows(unified, binding, refused),
    ...CODEX_WINDOWS.flatMap((id) => {
      const fields = drafts.codex.get(id);
      return fields === undefined ? [] : [codexWindow(id, fields, refused, now)];
    }),
    ...ANTHROPIC_KINDS.flatMap((id) => {
      const fields = drafts.anthropic.get(id);
      return fields === undefined
        ? []
        : [apiWindow(id, fields, toInstant(fields.get('reset')), refused)];
    }),
    ...OPENAI_KINDS.flatMap((id) => {
      const fields = drafts.openai.get(id);
      if (fields === undefined) return [];
      const after = toDurationMs(fields.get('reset'));
      return [apiWindow(id, fields, after === null ? null : now + after, refused)];
    }),
  ];
  return {
    provider,
    windows,
    retryAfterMs: toRetryMs(retry.seconds, retry.ms, now),
    binding,
    plan: toPlan(drafts.codex.get('')?.get('plan-type')),
  };
}

/** A window with a count: 1 − remaining/limit of it is used. */
function apiWindow(
  id: string,
  fields: Fields,
  resetsAt: number | null,
  refused: boolean,
): LimitWindow {
  const limit = toNumber(fields.get('limit'));
  const remaining = toNumber(fields.get('remaining'));
  // Remaining is rounded (Anthropic: to the nearest thousand), so it can pass a small limit.
  const usedFraction =
    limit !== null && remaining !== null && limit > 0
      ? Math.max(0, (limit - remaining) / limit)
      : null;
  const status = exhausted(refused, usedFraction, remaining);
  return { id, usedFraction, limit, remaining, resetsAt, windowMinutes: null, status };
}

function codexWindow(id: string, fields: Fields, refused: boolean, now: number): LimitWindow {
  const percent = toNumber(fields.get('used-percent'));
  const usedFraction = percent === null ? null : percent / 100;
  const after = toNumber(fields.get('reset-after-seconds'));
  const resetsAt =
    toEpochMs(fields.get('reset-at')) ?? (after === null ? null : now + Math.round(after * 1000));
  return {
    id,
    usedFraction,
    limit: null,
    remaining: null,
    resetsAt,
    windowMinutes: toNumber(fields.get('window-minutes')),
    status: exhausted(refused, usedFraction, null),
  };
}

/** The status of a window its provider gives none for: rejected only if a 429 came and it is full. */
function exhausted(refused: boolean, used: number | null, remaining: number | null): WindowStatus {
  return refused && ((used !== null && used >= 1) || remaining === 0) ? 'rejected' : 'allowed';
}

const UNIFIED_MINUTES: Readonly<Record<string, number>> = { '5h': 300, '7d': 10_080 };

/**
 * The subscription windows, 5 h first, then weekly, then overage. The head's own status and reset
 * are the representative claim's, so they stand in for the binding window's missing ones.
 */
function unifiedWindows(
  unified: Drafts[LimitProvider],
  binding: string | null,
  refused: boolean,
): LimitWindow[] {
  const own = unified.get('') ?? NO_FIELDS;
  const ids = [...unified.keys()].filter((id) => id !== '');
  if (binding !== null && !unified.has(binding) && (own.has('status') || own.has('reset'))) {
    ids.push(binding);
  }
  const rank = (id: string): number =>
    id === '5h' ? 0 : id === '7d' ? 1 : id === 'overage' ? 3 : 2;
  return ids
    .sort((a, b) => rank(a) - rank(b))
    .map((id) => {
      const fields = unified.get(id) ?? NO_FIELDS;
      const isBinding = id === binding;
      const usedFraction = toNumber(fields.get('utilization'));
      const given =
        toWindowStatus(fields.get('status')) ??
        (isBinding ? toWindowStatus(own.get('status')) : null);
      const full = usedFraction !== null && usedFraction >= 1;
      return {
        id,
        usedFraction,
        limit: null,
        remaining: null,
        resetsAt:
          toEpochMs(fields.get('reset')) ?? (isBinding ? toEpochMs(own.get('reset')) : null),
        windowMinutes: UNIFIED_MINUTES[id.startsWith('7d') ? '7d' : id] ?? null,
        status: given ?? (refused && (full || isBinding) ? 'rejected' : 'unknown'),
      };
    });
}

// `active`, `limited` and `blocked` are the older captures' words for the same states.
const STATUSES: ReadonlyMap<string, WindowStatus> = new Map([
  ['allowed', 'allowed'],
  ['active', 'allowed'],
  ['allowed_warning', 'warning'],
  ['rejected', 'rejected'],
  ['blocked', 'rejected'],
  ['limited', 'rejected'],
]);

/** A subscription status header's state; null when absent or a word we do not know. */
function toWindowStatus(value: string | undefined): WindowStatus | null {
  return value === undefined ? null : (STATUSES.get(value.trim().toLowerCase()) ?? null);
}

/** `five_hour` → `5h`, `seven_day` → `7d`, `seven_day_<model>` → `7d-<model>`, `overage`. */
function toWindowId(claim: string | undefined): string | null {
  if (claim === undefined) return null;
  const name = claim.trim().toLowerCase();
  const id =
    name === 'five_hour'
      ? '5h'
      : name.startsWith('seven_day')
        ? '7d' + name.slice('seven_day'.length).replace('_', '-')
        : name;
  return WINDOW_ID.test(id) ? id : null;
}

/** Plan names come from the upstream; a hostile one is cut to this length. */
const MAX_PLAN_CHARS = 64;

function toPlan(value: string | undefined): string | null {
  const plan = value?.trim() ?? '';
  return plan === '' ? null : plan.slice(0, MAX_PLAN_CHARS);
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

/** A non-negative decimal number, else null (signs, exponents, hex and '' included). */
function toNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (!DECIMAL.test(text)) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

/** Unix epoch seconds, as ms. */
function toEpochMs(value: string | undefined): number | null {
  const seconds = toNumber(value);
  return seconds === null ? null : Math.round(seconds * 1000);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp, as ms since the epoch. */
function toInstant(value: string | undefined): number | null {
  const text = value?.trim() ?? '';
  if (!RFC3339.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

// Go's time.Duration text (`6ms`, `2s`, `6m0s`, `1h2m3.5s`), which OpenAI's resets are written in.
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  ns: 1e-6,
};

function toDurationMs(value: string | undefined): number | null {
  const text = value?.trim() ?? '';
  if (!DURATION.test(text)) return null;
  let ms = 0;
  for (const [, amount = '', unit = ''] of text.matchAll(DURATION_PART)) {
    ms += Number(amount) * (UNIT_MS[unit] ?? 0);
  }
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/**
 * `retry-after-ms` if it parses, else `retry-after`: delay-seconds or an HTTP-date (RFC 9110
 * §10.2.3), a date already past being a delay of 0.
 */
function toRetryMs(
  seconds: string | undefined,
  ms: string | undefined,
  now: number,
): number | null {
  const exact = toNumber(ms);
  if (exact !== null) return Math.round(exact);
  const delay = toNumber(seconds);
  if (delay !== null) return Math.round(delay * 1000);
  // Every HTTP-date form (IMF-fixdate, RFC 850, asctime) opens with a day name; Date.parse alone
  // would also take '-5' or '17' as a year. asctime names no zone but means GMT, as all do
  // (RFC 9110 §5.6.7), and Date.parse would read it as local time.
  const text = seconds?.trim() ?? '';
  if (!/^[A-Za-z]{3,9}[, ]/.test(text)) return null;
  const at = Date.parse(/ GMT$/i.test(text) ? text : `${text} GMT`);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * A short id for `credential` that does not reveal it: the first 12 hex characters of
 * sha256(salt + credential). The same credential and salt always give the same id.
 */
export function fingerprint(credential: string, salt: string): string {
  return createHash('sha256').update(salt).update(credential).digest('hex').slice(0, 12);
}

/** The request headers that carry an API credential, in the order they are looked for. */
const CREDENTIAL_HEADERS = ['x-api-key', 'authorization', 'api-key', 'x-goog-api-key'] as const;

/**
 * The credential a request carries (lowercase-keyed headers, as Node parses them): the first
 * non-empty string among `x-api-key`, `authorization`, `api-key` and `x-goog-api-key`, else ''.
 */
export function credentialOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string {
  for (const name of CREDENTIAL_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return '';
}
