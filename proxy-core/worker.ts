// Entry of the proxy worker that the tray app runs in a utility process: takes start / reload /
// stop from main, runs the proxy, and sends listening, batched stats, errors and stopped back.

import { openChannel, type Channel } from './channel.js';
import { errnoOf } from './errors.js';
import { parseMainMessage, STATS_INTERVAL_MS, type MainMessage } from './protocol.js';
import { createProxy, ListenError, type Proxy } from './server.js';

const channel = openChannel();
if (channel === null) {
  process.stderr.write('memex worker: no parent process; run memex-proxy to use the proxy alone\n');
  process.exitCode = 1;
} else {
  runWorker(channel);
}

function runWorker(channel: Channel): void {
  let proxy: Proxy | undefined;
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

  const handle = async (message: MainMessage): Promise<void> => {
    switch (message.type) {
      case 'start': {
        if (proxy !== undefined) return;
        try {
          proxy = await createProxy(message.config);
        } catch (err) {
          const code = err instanceof ListenError ? err.code : (errnoOf(err) ?? 'WORKER_ERROR');
          await report(code, err instanceof Error ? err.message : String(err), true);
          return;
        }
        const { host, port } = proxy.address();
        await channel.send({ type: 'listening', host, port });
        statsTimer = setInterval(sendStats, STATS_INTERVAL_MS);
        return;
      }
      case 'reload':
        try {
          proxy?.update(message.config);
        } catch (err) {
          // update() compiles the whole config before swapping it in, so the old one still runs.
          const reason = err instanceof Error ? err.message : String(err);
          await report(
            'CONFIG_INVALID',
            `reload rejected, kept the last good config: ${reason}`,
            false,
          );
        }
        return;
      case 'stop':
        await stop();
        return;
    }
  };

  channel.onMessage((value) => {
    const message = parseMainMessage(value);
    if (message === null) {
      void report(
        'BAD_MESSAGE',
        `worker ignored a malformed message: ${JSON.stringify(value)}`,
        false,
      );
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
}
