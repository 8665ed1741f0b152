// Shared shapes between the bench orchestrator (run.ts) and its load client (client.ts):
// one job in, one result out, over the child's IPC channel.

/** Where the client sends traffic: `http://127.0.0.1:port` + prefix + path. */
export interface Target {
  readonly port: number;
  /** '' for direct, '/bench' through a proxy's reverse route. */
  readonly prefix: string;
}

/** Workload sizes; `--quick` shrinks every one. */
export interface Sizes {
  readonly warmup: number;
  readonly smallRequests: number;
  readonly connections: number;
  readonly throughputMs: number;
  /** SSE streams opened one after another per target and round. */
  readonly sseStreams: number;
  readonly sseEvents: number;
  readonly sseGapMs: number;
  readonly largeBytes: number;
  readonly streams: number;
  readonly holdMs: number;
  /** WebSocket sessions opened one after another per target and round, each one response. */
  readonly wsSessions: number;
  /** Messages per session, sent server → client `wsGapMs` apart. */
  readonly wsMessages: number;
  readonly wsGapMs: number;
  /** Idle WebSockets held open at once, opened `wsBatch` at a time, held `wsHoldMs`. */
  readonly wsIdle: number;
  readonly wsBatch: number;
  readonly wsHoldMs: number;
}

export type Workload = 'small' | 'throughput' | 'sse' | 'ws' | 'large' | 'streams' | 'wsIdle';

export interface Job {
  readonly id: number;
  readonly workload: Workload;
  readonly target: Target;
  readonly sizes: Sizes;
}

/** Metric name → value (µs, requests/s, MB/s or counts); errors are functional failures only. */
export interface JobResult {
  readonly id: number;
  readonly metrics: Record<string, number>;
  readonly errors: string[];
}
