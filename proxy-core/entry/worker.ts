// Entry of the proxy worker that the tray app runs in a utility process: takes start / reload /
// stop from main, runs the proxy, and sends listening, batched stats, errors and stopped back.

import { openChannel, type Channel } from './channel.js';
import { exposureProblem, toConfig, type Config } from '../config/config.js';
import { errnoOf } from '../errors.js';
import { parseMainMessage, STATS_INTERVAL_MS, type MainMessage } from './protocol.js';
import { applyConfig } from './reload.js';
import { createProxy, ListenError, type Proxy } from '../http/server.js';

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

  const report = (code: string, message: string, fatal: boolean): Promise<void> =>
    channel.send({ type: 'error', code, message, fatal });

  // Nothing may take the worker down: report and carry on.
  process.on('uncaughtException', (err) => {
    void report('WORKER_ERROR', `uncaught: ${err.message}`, false);
  });
  process.on('unhandledRejection', (reason) => {
    void report('WORKER_ERROR', `unhandled rejection: ${String(reason)}`, false);
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
    await channel.send({ type: 'stopped' });
    process.exit(0);
  };

  const sendListening = (running: Proxy): Promise<void> => {
    const { host, port } = running.address();
    return channel.send({ type: 'listening', host, port });
  };

  const handle = async (message: MainMessage): Promise<void> => {
    if (message.type === 'stop') {
      await stop();
      return;
    }
    let next: Config;
    try {
      // Main checked the file already; this guards the process boundary (STYLE.md: validate).
      next = toConfig(message.config, 'config from main');
      const problem = exposureProblem(next);
      if (problem !== null) throw new Error(problem);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const kept = message.type === 'reload' ? ', kept the last good config' : '';
      await report(
        'CONFIG_INVALID',
        `${message.type} rejected${kept}: ${reason}`,
        message.type === 'start',
      );
      return;
    }
    switch (message.type) {
      case 'start': {
        // Idempotent: a second start answers with where the proxy already listens.
        if (proxy !== undefined) {
          await sendListening(proxy);
          return;
        }
        try {
          proxy = await createProxy(next);
          config = next;
          if (message.usage !== undefined) proxy.stats.seedUsage(message.usage);
        } catch (err) {
          const code = err instanceof ListenError ? err.code : (errnoOf(err) ?? 'WORKER_ERROR');
          await report(code, err instanceof Error ? err.message : String(err), true);
          return;
        }
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
        } catch (err) {
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
    if (message === null) {
      // Not echoed: a message carries the config, proxy credentials included.
      void report('BAD_MESSAGE', `worker ignored a malformed message (${describe(value)})`, false);
      return;
    }
    // One message at a time, in order: a stop never overtakes the start before it. A message
    // that fails must not reject the chain, or every later one (stop included) would be skipped.
    queue = queue
      .then(() => handle(message))
      .catch((err: unknown) =>
        report('WORKER_ERROR', `${message.type} failed: ${String(err)}`, false),
      );
  });
  process.once('SIGTERM', () => {
    queue = queue.then(stop);
  });
  // A parent that is gone cannot stop us; without this the worker would hold the port forever.
  process.once('disconnect', () => {
    queue = queue.then(stop);
  });
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? `type ${JSON.stringify(type.slice(0, 40))}` : 'no type';
}
