// Raw sockets memex is handed (CONNECT, upgrades, parse errors): the one listener that destroys
// a socket on error or timeout, and the splice of two sockets that end together.

import type { Socket } from 'node:net';

/** Destroys the socket it is attached to: `socket.on('error', destroySocket)`. */
export function destroySocket(this: Socket): void {
  this.destroy();
}

/**
 * Pipes `a` and `b` into each other, with paired teardown: whichever side closes first ends the
 * other. A clean close lets the other side flush what it still holds (destroySoon: a tunnel's
 * last TLS record, a WebSocket's close frame); an error cuts it at once.
 */
export function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.once('close', (hadError) => {
    if (hadError) b.destroy();
    else b.destroySoon();
  });
  b.once('close', (hadError) => {
    if (hadError) a.destroy();
    else a.destroySoon();
  });
}
