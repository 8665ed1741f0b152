// The one Config type memex runs on, with its defaults. Keys are spelled as users write them in
// memex.yml / memex.toml, so an error's key path is the key the user typed.

/** Timeouts, all in milliseconds; every one is an idle timer except `response_header_ms`. */
export interface Timeouts {
  /** Dialling an upstream or a CONNECT target. Default 10 000 ms. */
  readonly connect_ms: number;
  /**
   * From the request to the upstream's response headers; 504 after it. Default 600 000 ms (10
   * min), as the official SDKs wait: a long non-streaming completion sends headers only when done.
   */
  readonly response_header_ms: number;
  /** A response or upload silent this long is cut. No total limit. Default 600 000 ms. */
  readonly stream_idle_ms: number;
  /** A CONNECT tunnel silent this long is closed. Default 3 600 000 ms (1 h). */
  readonly tunnel_idle_ms: number;
}

/** Everything memex-proxy runs on. */
export interface Config {
  /** Address to listen on. Default `127.0.0.1`: loopback only. */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  readonly port: number;
  /** Reverse routes: `/<name>/<rest>` goes to `<url>/<rest>`. */
  readonly upstreams: Readonly<Record<string, string>>;
  /** Ports a CONNECT may reach; null allows any. Default null. */
  readonly connect_ports: readonly number[] | null;
  readonly timeouts: Timeouts;
}

export const DEFAULT_UPSTREAMS: Readonly<Record<string, string>> = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com',
};

export const DEFAULT_CONFIG: Config = {
  host: '127.0.0.1',
  port: 8080,
  upstreams: DEFAULT_UPSTREAMS,
  connect_ports: null,
  timeouts: {
    connect_ms: 10_000,
    response_header_ms: 600_000,
    stream_idle_ms: 600_000,
    tunnel_idle_ms: 3_600_000,
  },
};
