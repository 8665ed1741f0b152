// node:events' once() with a time limit: a test that waits on an event that never comes fails
// within GUARD_MS, naming the event, instead of hanging until the runner's timeout.

import { once as onceUnguarded, type EventEmitter } from 'node:events';
import { withGuard } from './process-spawn.js';

/** Resolves with the arguments of `emitter`'s next `event`; rejects after `ms` without one. */
export function once(emitter: EventEmitter, event: string, ms?: number): Promise<unknown[]> {
  return withGuard(onceUnguarded(emitter, event), `the '${event}' event`, ms);
}
