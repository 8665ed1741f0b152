// ws's frame parser (Receiver), permessage-deflate and Sec-WebSocket-Extensions parser, which
// memex uses to read a copy of a WebSocket's frames. @types/ws does not describe these three, so
// the module is checked for their shape once, when it is loaded, and wrapped in the few typed
// calls memex makes. Loaded on the first upgrade only: a proxy that never sees a WebSocket keeps
// its idle memory.

import { createRequire } from 'node:module';

/** Which end's frames a receiver reads: the server's are unmasked, the client's masked. */
export type FrameSender = 'server' | 'client';

/** A ws Receiver, as memex drives it: bytes in, whole messages out. */
export interface FrameReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'finish', listener: () => void): this;
  end(): void;
  destroy(): void;
  /** Bytes written but not yet parsed (they wait while a compressed message inflates). */
  readonly writableLength: number;
}

/** A negotiated permessage-deflate, as both ends agreed in the 101. */
export interface Deflate {
  cleanup(): void;
}

export interface FrameCodec {
  /**
   * The permessage-deflate both ends agreed on, from the 101's Sec-WebSocket-Extensions, for
   * decompressing `sender`'s frames; undefined when none was agreed. Throws on a header ws
   * cannot accept.
   */
  deflate(
    extensions: string | undefined,
    sender: FrameSender,
    maxPayload: number,
  ): Deflate | undefined;
  receiver(sender: FrameSender, deflate: Deflate | undefined, maxPayload: number): FrameReceiver;
}

interface DeflateClass {
  new (options: { isServer: boolean; maxPayload: number }): Deflate & {
    accept(offers: unknown[]): unknown;
    params: unknown;
  };
  readonly extensionName: string;
}

type ReceiverClass = new (options: {
  isServer: boolean;
  maxPayload: number;
  skipUTF8Validation: boolean;
  binaryType: 'nodebuffer';
  extensions: Record<string, Deflate>;
}) => FrameReceiver;

type ParseExtensions = (header: string) => Record<string, unknown[] | undefined>;

let loaded: FrameCodec | undefined;

/** ws's codec, loaded (and checked) on first use. Throws if the installed ws lacks a part. */
export function frameCodec(): FrameCodec {
  loaded ??= load();
  return loaded;
}

function load(): FrameCodec {
  // A runtime require, so the bundle leaves ws in node_modules (build/proxy.ts).
  const ws: unknown = createRequire(import.meta.url)('ws');
  const Receiver = member(ws, 'Receiver') as ReceiverClass;
  const PerMessageDeflate = member(ws, 'PerMessageDeflate') as DeflateClass;
  const parse = member(member(ws, 'extension'), 'parse') as ParseExtensions;
  const name = PerMessageDeflate.extensionName;
  return {
    deflate(extensions, sender, maxPayload) {
      if (extensions === undefined) return undefined;
      const agreed = parse(extensions)[name];
      if (agreed === undefined) return undefined;
      // The client's role reads the server's frames with the server_* parameters; a server's role
      // reads the client's with client_*. Both share the parameters the server answered.
      const asClient = new PerMessageDeflate({ isServer: false, maxPayload });
      asClient.accept(agreed);
      if (sender === 'server') return asClient;
      const asServer = new PerMessageDeflate({ isServer: true, maxPayload });
      asServer.params = asClient.params;
      return asServer;
    },
    receiver(sender, deflate, maxPayload) {
      return new Receiver({
        // A receiver in server mode expects masked (client) frames.
        isServer: sender === 'client',
        maxPayload,
        skipUTF8Validation: true,
        binaryType: 'nodebuffer',
        extensions: deflate === undefined ? {} : { [name]: deflate },
      });
    },
  };
}

function member(value: unknown, key: string): unknown {
  const found: unknown =
    (typeof value === 'object' || typeof value === 'function') && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  if (found === undefined) throw new Error(`the installed ws package has no ${key}`);
  return found;
}
