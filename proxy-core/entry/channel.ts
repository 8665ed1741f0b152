// The worker's line to its parent: Electron's utilityProcess (process.parentPort) in the app,
// Node's child_process.fork (process.send) in tests and development. The only file that touches
// process.parentPort.

import type { WorkerMessage } from './protocol.js';

/** The part of Electron's ParentPort the worker uses (proxy-core never imports electron). */
interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface Channel {
  send(message: WorkerMessage): Promise<void>;
  onMessage(listener: (value: unknown) => void): void;
}

/** Opens the channel this process was started with; null when it has no parent to talk to. */
export function openChannel(): Channel | null {
  const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort !== undefined) {
    return {
      send(message) {
        parentPort.postMessage(message);
        return Promise.resolve();
      },
      onMessage(listener) {
        parentPort.on('message', (event) => {
          listener(event.data);
        });
      },
    };
  }
  const send = process.send?.bind(process);
  if (send === undefined) return null;
  return {
    send(message) {
      return new Promise((resolve) => {
        // A parent that has gone away cannot be told anything more; the message is moot.
        send(message, undefined, undefined, () => {
          resolve();
        });
      });
    },
    onMessage(listener) {
      process.on('message', listener);
    },
  };
}
