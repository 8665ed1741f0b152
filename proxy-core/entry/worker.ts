// Entry of the proxy worker that the tray app runs in a utility process: takes start / reload /
// stop from main, runs the proxy, and sends listening, batched stats, errors and stopped back.

import type { Config } from '../config/config.js';
import { ConfigError, errnoOf, ListenError } from '../errors.js';
import { createProxy, type Proxy } from '../http/server.js';
import { openChannel, type Channel } from './channel.js';
import {
  isMessageProblem,
  parseMainMessage,
  STATS_INTERVAL_MS,
  type MainMessage,
  type MessageProblem,
  type WorkerErrorCode,
} from './protocol.js';
import { applyConfig } from './reload.js';
import { answerHistory, startingUsage } from './worker-history.js';
import { keepHistory } from './history.js';
import { keepOtlp, type OtlpKeeper } from './otlp.js';
import { readVersion } from './version.js';

// How long a crashing worker gives its last report to reach main before it exits.
const CRASH_REPORT_MS = 100;

const channel = openChannel();
if (channel === null) {
  process.stderr.write('memex worker: no parent process; run memex-proxy to use the proxy alone\n');
  process.exitCode = 1;
} else {
  runWorker(channel);
}

function runWorker(channel: Channel): void {
  let proxy: Proxy | undefined;
  let config: Config | undefined;
  let statsTimer: NodeJS.Timeout | undefined;
  let lastVersion = -1;
  let queue = Promise.resolve();
  let otlp: OtlpKeeper | undefined;

  const report = (code: WorkerErrorCode, message: string, fatal: boolean): Promise<void> =>
    channel.send({ type: 'error', code, message, fatal });
  const keeper = keepHistory((message) => {
    void report('HISTORY_PROBLEM', message, false);
  });

  // An exception nothing caught leaves the proxy in a state nobody knows: report it, then exit,
  // so the supervisor restarts a clean worker (DESIGN.md, Supervision) instead of running on.
  // Electron's parentPort has no delivery callback: the exit waits a moment for the report.
  const crash = (what: string): void => {
    void report('WORKER_CRASHED', what, false).finally(() => {
      setTimeout(() => process.exit(1), CRASH_REPORT_MS);
    });
  };
  process.on('uncaughtException', (err) => {
    crash(`uncaught exception: ${err.stack ?? err.message}`);
  });
  process.on('unhandledRejection', (reason) => {
    crash(
      `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  });

  const sendStats = (): void => {
    if (proxy === undefined || proxy.stats.version === lastVersion) return;
    lastVersion = proxy.stats.version;
    void channel.send({ type: 'stats', snapshot: proxy.stats.snapshot() });
  };

  const stop = async (): Promise<void> => {
    clearInterval(statsTimer);
    if (proxy !== undefined) {
      sendStats();
      await proxy.close(3_000);
      proxy = undefined;
    }
    // Last: the exchanges that finished while draining are kept and pushed too.
    await Promise.all([keeper.close(), otlp?.close()]);
    await channel.send({ type: 'stopped' });
    process.exit(0);
  };

  const sendListening = (running: Proxy): Promise<void> => {
    const { host, port } = running.address();
    return channel.send(
      running.tls
        ? { type: 'listening', host, port, secure: true }
        : { type: 'listening', host, port },
    );
  };

  const rejected = (problem: MessageProblem): Promise<void> => {
    if (problem.code === 'BAD_MESSAGE') {
      // Not echoed: a message carries the config, proxy credentials included.
      return report('BAD_MESSAGE', `worker ignored a malformed message (${problem.reason})`, false);
    }
    const kept = problem.type === 'reload' ? ', kept the last good config' : '';
    return report(
      'CONFIG_INVALID',
      `${problem.type ?? 'message'} rejected${kept}: ${problem.reason}`,
      problem.type === 'start',
    );
  };

  const handle = async (message: MainMessage): Promise<void> => {
    if (message.type === 'stop') {
      await stop();
      return;
    }
    if (message.type === 'history') {
      await channel.send(await answerHistory(keeper.current, message.id, message.call));
      return;
    }
    const next = message.config;
    switch (message.type) {
      case 'start': {
        // Idempotent: a second start answers with where the proxy already listens.
        if (proxy !== undefined) {
          await sendListening(proxy);
          return;
        }
        await keeper.apply(next);
        const history = keeper.current;
        try {
          proxy = await createProxy(next, undefined, history === null ? {} : { history });
          config = next;
          proxy.stats.seedUsage(await startingUsage(history, message.usage));
        } catch (err) {
          if (err instanceof ConfigError) {
            await rejected({ code: 'CONFIG_INVALID', reason: err.message, type: 'start' });
            return;
          }
          // Anything else is WORKER_ERROR; its message keeps the errno (it names the cause).
          const code = err instanceof ListenError ? err.code : 'WORKER_ERROR';
          const errno = errnoOf(err);
          const text = err instanceof Error ? err.message : String(err);
          await report(
            code,
            errno === undefined || text.includes(errno) ? text : `${errno}: ${text}`,
            true,
          );
          return;
        }
        otlp = keepOtlp(proxy.stats, readVersion(), (text) => {
          void report('EXPORT_PROBLEM', text, false);
        });
        await otlp.apply(next);
        await sendListening(proxy);
        statsTimer = setInterval(sendStats, STATS_INTERVAL_MS);
        return;
      }
      case 'reload': {
        if (proxy === undefined || config === undefined) return;
        const before = proxy;
        try {
          proxy = await applyConfig(proxy, config, next);
          config = next;
          if ((await keeper.apply(next)) || proxy !== before) proxy.useHistory(keeper.current);
          await otlp?.apply(next);
        } catch (err) {
          if (err instanceof ConfigError) {
            await rejected({ code: 'CONFIG_INVALID', reason: err.message, type: 'reload' });
            return;
          }
          // The new address could not be listened on; the old listener still serves.
          const code = err instanceof ListenError ? err.code : 'WORKER_ERROR';
          const reason = err instanceof Error ? err.message : String(err);
          await report(code, `reload rejected, kept the last good config: ${reason}`, false);
          return;
        }
        if (proxy !== before) await sendListening(proxy);
        return;
      }
    }
  };

  channel.onMessage((value) => {
    const message = parseMainMessage(value);
    // One message at a time, in order: a stop never overtakes the start before it. A message
    // that fails must not reject the chain, or every later one (stop included) would be skipped.
    queue = queue
      .then(() => (isMessageProblem(message) ? rejected(message) : handle(message)))
      .catch((err: unknown) => report('WORKER_ERROR', `message failed: ${String(err)}`, false));
  });
  process.once('SIGTERM', () => {
    queue = queue.then(stop);
  });
  // A parent that is gone cannot stop us; without this the worker would hold the port forever.
  process.once('disconnect', () => {
    queue = queue.then(stop);
  });
}
