// Who is calling: the client program a request names in its head, the agent's session, and the
// local process and project that opened its connection. Types, as every process sees them.

/** The client program, from the request head (`Claude Code` 2.1.332, `curl` 8.14.1…). */
export interface ClientRef {
  /** A known client's name, or an unknown client's user agent cut to 60 characters. */
  readonly name: string;
  readonly version: string | null;
}

/** The local process that opened a client connection. */
export interface ProcessRef {
  readonly pid: number;
  /** The executable's name (`node`, `claude`, `codex`). */
  readonly name: string;
  /** Its working directory; null where it cannot be read cheaply (Windows: see README). */
  readonly cwd: string | null;
}

/** The git work tree a process works in: the nearest one enclosing its working directory. */
export interface ProjectRef {
  /** The work tree's root directory. */
  readonly root: string;
  /** The root's last path segment, as the views name the project. */
  readonly name: string;
  /** The checked-out branch; a short commit id when detached; null when unreadable. */
  readonly branch: string | null;
}

/**
 * Where a client connection came from. A local connection has the process (and project) when
 * the lookup found them; a connection from another machine has the proxy user of its
 * credentials instead.
 */
export interface Origin {
  readonly process: ProcessRef | null;
  readonly project: ProjectRef | null;
  readonly user: string | null;
}

/** An origin nothing is known of (a lookup that failed or took too long). */
export const UNKNOWN_ORIGIN: Origin = { process: null, project: null, user: null };

/** Today's part of a tally (local day), for the tray's "… tokens today". */
export interface TodayTally {
  readonly requests: number;
  /** Input (cache reads and writes included) plus output tokens. */
  readonly tokens: number;
  /** Null while no response of today had a priced model. */
  readonly cost: number | null;
}

/** What one client, session or project did since the proxy started. */
export interface WhoTally {
  readonly requests: number;
  /** Requests answered with status ≥ 400, or whose response did not complete. */
  readonly errors: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /** Null while no response had a priced model (config `pricing:`). */
  readonly cost: number | null;
  /** CONNECT tunnels opened (their bytes are in bytesIn and bytesOut). */
  readonly tunnels: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly today: TodayTally;
}

export interface ClientStats extends WhoTally {
  readonly name: string;
  /** The version last seen. */
  readonly version: string | null;
  /** Sessions of this client seen today (of the sessions kept). */
  readonly sessionsToday: number;
}

export interface SessionStats extends WhoTally {
  /** The agent's own session id (Claude Code, Codex, opencode send one). */
  readonly id: string;
  /** The client's name. */
  readonly client: string;
  /** The project of the session's last attributed request. */
  readonly project: ProjectRef | null;
  /** The process name of the session's last attributed request. */
  readonly process: string | null;
}

/** What one proxy user (auth.users, or auth.username) did: requests and tunnels they sent. */
export interface UserStats extends WhoTally {
  readonly name: string;
}

export interface ProjectStats extends WhoTally, ProjectRef {
  /** Names of the clients seen working in this project, most recent first. */
  readonly clients: readonly string[];
}

/** Live sessions and projects kept; the least recently seen is evicted beyond these. */
export const SESSION_LIMIT = 200;
export const PROJECT_LIMIT = 100;
export const CLIENT_LIMIT = 100;
export const USER_LIMIT = 100;
