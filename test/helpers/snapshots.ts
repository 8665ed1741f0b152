// A stats snapshot as the worker makes one, with every part filled, for tests of what checks it.

import { createStats } from '../../proxy-core/stats.js';
import type { RequestRecord, StatsSnapshot } from '../../shared/snapshot.js';

/**
 * A snapshot with every part filled: requests with and without usage, tunnels, two days, a
 * client, session, project and proxy user. Newest request first: Gemini (no usage), unparsed, counted.
 */
export function fullSnapshot(): StatsSnapshot {
  const stats = createStats(() => new Date(2025, 5, 12, 10).getTime());
  stats.seedUsage({
    version: 1,
    days: {
      '2025-06-11': {
        schemas: {
          openai: {
            requests: 1,
            input: 5,
            output: 6,
            cacheRead: 0,
            cacheWrite: 0,
            unknown: 0,
            unparsed: 0,
          },
        },
        models: {},
      },
    },
  });
  const base = {
    time: 1_000,
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 5.5,
    bytesIn: 10,
    bytesOut: 20,
  } as const;
  const end = (record: RequestRecord): void => {
    stats.requestStarted();
    stats.requestEnded(record);
  };
  const project = { root: '/home/dev/shop', name: 'shop', branch: 'main' };
  end({
    ...base,
    usage: {
      kind: 'counted',
      model: 'claude-x',
      tokens: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 },
    },
    client: { name: 'Claude Code', version: '2.1.332' },
    session: 'session-1',
    process: { pid: 7, name: 'claude', cwd: '/home/dev/shop' },
    project,
    user: 'ada',
  });
  end({
    ...base,
    status: 502,
    complete: false,
    usage: { kind: 'unparsed', model: '' },
  });
  end({ ...base, schema: 'gemini' });
  stats.tunnelOpened('chatgpt.com', 'openai', 'ada');
  stats.tunnelClosed(100, 200);
  stats.tunnelAttributed({
    client: { name: 'curl', version: '8.14.1' },
    origin: { process: null, project, user: null },
    host: 'chatgpt.com',
    schema: 'openai',
    time: 1_000,
    durationMs: 50,
    bytesIn: 100,
    bytesOut: 200,
    user: 'ada',
  });
  stats.tunnelFailed();
  return stats.snapshot();
}
