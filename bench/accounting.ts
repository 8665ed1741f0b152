// What a memex must have read by the end of a round, checked through /_memex/stats: the usage of
// every bench stream and session (the figures were taken with token accounting on) and, where
// the upstream sent limit headers (issue 15), the one account they describe, every window read.

import type { StatsSnapshot } from '../shared/snapshot.js';
import type { Sizes, Workload } from './protocol.js';

/** Output tokens memex must count per schema, and whether it must have read limits. */
export interface Expected {
  readonly anthropic: number;
  readonly 'openai-responses': number;
  readonly limits: boolean;
}

/** The windows upstream.ts's limit headers describe, in the order memex lists them. */
const LIMIT_WINDOWS = [
  '5h',
  '7d',
  '7d-sonnet',
  'overage',
  'requests',
  'tokens',
  'input-tokens',
  'output-tokens',
].join(' ');

/** What a memex that ran `workloads` with `sizes` must have counted (limits: false). */
export function expectedOf(sizes: Sizes, workloads: readonly Workload[]): Expected {
  const has = (workload: Workload): number => (workloads.includes(workload) ? 1 : 0);
  return {
    anthropic:
      has('sse') * sizes.sseStreams * sizes.sseEvents +
      has('streams') * sizes.streams * Math.ceil(sizes.holdMs / 500),
    'openai-responses': has('ws') * sizes.wsSessions * sizes.wsMessages,
    limits: false,
  };
}

/** The problems with what the memex on `port` read, none when it read all of `expected`. */
export async function checkAccounting(port: number, expected: Expected): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}/_memex/stats`);
  const stats = (await response.json()) as StatsSnapshot;
  const counted = { anthropic: 0, 'openai-responses': 0 };
  let unparsed = 0;
  for (const day of Object.values(stats.usage.days)) {
    for (const schema of ['anthropic', 'openai-responses'] as const) {
      counted[schema] += day.schemas[schema]?.output ?? 0;
      unparsed += day.schemas[schema]?.unparsed ?? 0;
    }
  }
  const problems: string[] = [];
  for (const schema of ['anthropic', 'openai-responses'] as const) {
    if (counted[schema] !== expected[schema]) {
      problems.push(
        `memex counted ${counted[schema]} ${schema} output tokens, expected ${expected[schema]}`,
      );
    }
  }
  if (unparsed !== 0) problems.push(`memex could not parse ${unparsed} bench responses`);
  return [...problems, ...checkLimits(stats, expected.limits)];
}

// Every bench request carries no credential and goes to one upstream: one account at most.
function checkLimits(stats: StatsSnapshot, limits: boolean): string[] {
  const accounts = stats.limits.accounts;
  if (!limits) {
    return accounts.length === 0 ? [] : [`memex read limits of ${accounts.length} accounts`];
  }
  const [account] = accounts;
  if (accounts.length !== 1 || account === undefined) {
    return [`memex read limits of ${accounts.length} accounts, expected 1`];
  }
  const windows = account.windows.map((window) => window.id).join(' ');
  const problems: string[] = [];
  if (account.provider !== 'anthropic-subscription') {
    problems.push(`memex named the limits' provider ${account.provider}`);
  }
  if (windows !== LIMIT_WINDOWS) {
    problems.push(`memex read limit windows "${windows}", expected "${LIMIT_WINDOWS}"`);
  }
  if (account.binding !== '5h')
    problems.push(`memex read binding window ${String(account.binding)}`);
  return problems;
}
