// The one socket listener memex attaches everywhere a raw socket is handed over (CONNECT, parse
// errors, refused tunnels): an error or a timeout destroys the socket, and nothing is rethrown.

import type { Socket } from 'node:net';

/** Destroys the socket it is attached to: `socket.on('error', destroySocket)`. */
export function destroySocket(this: Socket): void {
  this.destroy();
}
