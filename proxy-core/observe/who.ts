// Who spent what: requests, tokens, cost and tunnels per client program, per agent session, per
// project and per proxy user, fed one finished exchange (or tunnel) at a time, off the hot path.
// Bounded: the least recently seen session, project, client or user is evicted past its limit.

import type { RequestRecord } from '../../shared/snapshot.js';
import type { SchemaId } from '../../shared/schemas.js';
import { PriceCache } from '../../shared/price-cache.js';
import { costAt, type Pricing } from '../../shared/pricing.js';
import {
  CLIENT_LIMIT,
  PROJECT_LIMIT,
  SESSION_LIMIT,
  USER_LIMIT,
  type ClientRef,
  type ClientStats,
  type Origin,
  type ProjectRef,
  type ProjectStats,
  type SessionStats,
  type UserStats,
  type WhoTally,
} from '../../shared/who.js';

// A project lists this many of the clients seen working in it.
const PROJECT_CLIENTS = 8;

/** A finished tunnel, as the book counts it and history keeps it. */
export interface TunnelSeen {
  readonly client: ClientRef;
  readonly origin: Origin;
  readonly host: string;
  readonly schema: SchemaId;
  /** When it was opened, ms since the epoch. */
  readonly time: number;
  readonly durationMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** The proxy user whose credentials admitted it, when credentials were asked. */
  readonly user?: string;
}

/** The local day of a time, as the book splits "today" off. */
export interface Day {
  readonly key: string;
  /** Local midnight that starts it, ms since the epoch. */
  readonly start: number;
}

class Tally {
  requests = 0;
  errors = 0;
  bytesIn = 0;
  bytesOut = 0;
  input = 0;
  output = 0;
  cacheRead = 0;
  cacheWrite = 0;
  cost: number | null = null;
  tunnels = 0;
  firstSeen: number;
  lastSeen: number;
  #day = '';
  #todayRequests = 0;
  #todayTokens = 0;
  #todayCost: number | null = null;

  constructor(time: number) {
    this.firstSeen = time;
    this.lastSeen = time;
  }

  addRequest(record: RequestRecord, cost: number | undefined, time: number, day: string): void {
    this.#rollTo(day);
    this.requests++;
    this.#todayRequests++;
    if (!record.complete || record.status >= 400) this.errors++;
    this.bytesIn += record.bytesIn;
    this.bytesOut += record.bytesOut;
    this.lastSeen = time;
    const usage = record.usage;
    if (usage?.kind === 'counted') {
      const { input, output, cacheRead, cacheWrite } = usage.tokens;
      this.input += input;
      this.output += output;
      this.cacheRead += cacheRead;
      this.cacheWrite += cacheWrite;
      this.#todayTokens += input + output + cacheRead + cacheWrite;
    }
    if (cost !== undefined) {
      this.cost = (this.cost ?? 0) + cost;
      this.#todayCost = (this.#todayCost ?? 0) + cost;
    }
  }

  addTunnel(tunnel: TunnelSeen, time: number, day: string): void {
    this.#rollTo(day);
    this.tunnels++;
    this.bytesIn += tunnel.bytesIn;
    this.bytesOut += tunnel.bytesOut;
    this.lastSeen = time;
  }

  toJSON(today: Day): WhoTally {
    const current = this.#day === today.key;
    return {
      requests: this.requests,
      errors: this.errors,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      input: this.input,
      output: this.output,
      cacheRead: this.cacheRead,
      cacheWrite: this.cacheWrite,
      cost: this.cost,
      tunnels: this.tunnels,
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
      today: current
        ? { requests: this.#todayRequests, tokens: this.#todayTokens, cost: this.#todayCost }
        : { requests: 0, tokens: 0, cost: null },
    };
  }

  #rollTo(day: string): void {
    if (day === this.#day) return;
    this.#day = day;
    this.#todayRequests = 0;
    this.#todayTokens = 0;
    this.#todayCost = null;
  }
}

class ClientEntry extends Tally {
  version: string | null = null;
}

class SessionEntry extends Tally {
  client = '';
  project: ProjectRef | null = null;
  process: string | null = null;
}

class ProjectEntry extends Tally {
  project: ProjectRef;
  readonly clients: string[] = [];

  constructor(time: number, project: ProjectRef) {
    super(time);
    this.project = project;
  }

  sawClient(name: string): void {
    const at = this.clients.indexOf(name);
    if (at === 0) return;
    if (at > 0) this.clients.splice(at, 1);
    this.clients.unshift(name);
    if (this.clients.length > PROJECT_CLIENTS) this.clients.pop();
  }
}

export class WhoBook {
  // Insertion order is recency order: a touched entry is moved to the end, the first is evicted.
  readonly #clients = new Map<string, ClientEntry>();
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #projects = new Map<string, ProjectEntry>();
  readonly #users = new Map<string, Tally>();
  readonly #prices = new PriceCache();

  /** The rates costs are counted at, from now on (config `pricing:`). */
  setPricing(pricing: Pricing): void {
    this.#prices.setPricing(pricing);
  }

  /** Adds a finished exchange to its client, session, project and user. */
  request(record: RequestRecord, time: number, day: string): void {
    const cost = this.#costOf(record);
    if (record.user !== undefined) {
      touch(this.#users, record.user, USER_LIMIT, () => new Tally(time)).addRequest(
        record,
        cost,
        time,
        day,
      );
    }
    const client = record.client;
    if (client !== undefined) {
      const entry = touch(this.#clients, client.name, CLIENT_LIMIT, () => new ClientEntry(time));
      entry.version = client.version;
      entry.addRequest(record, cost, time, day);
    }
    const project = record.project;
    if (project !== undefined) {
      const entry = touch(
        this.#projects,
        project.root,
        PROJECT_LIMIT,
        () => new ProjectEntry(time, project),
      );
      entry.project = project;
      if (client !== undefined) entry.sawClient(client.name);
      entry.addRequest(record, cost, time, day);
    }
    if (record.session !== undefined) {
      const entry = touch(
        this.#sessions,
        record.session,
        SESSION_LIMIT,
        () => new SessionEntry(time),
      );
      if (client !== undefined) entry.client = client.name;
      if (project !== undefined) entry.project = project;
      if (record.process !== undefined) entry.process = record.process.name;
      entry.addRequest(record, cost, time, day);
    }
  }

  /** Adds a finished tunnel to its client, project and user (a tunnel carries no session). */
  tunnel(tunnel: TunnelSeen, time: number, day: string): void {
    if (tunnel.user !== undefined) {
      touch(this.#users, tunnel.user, USER_LIMIT, () => new Tally(time)).addTunnel(
        tunnel,
        time,
        day,
      );
    }
    const client = tunnel.client;
    const entry = touch(this.#clients, client.name, CLIENT_LIMIT, () => new ClientEntry(time));
    entry.version = client.version;
    entry.addTunnel(tunnel, time, day);
    const project = tunnel.origin.project;
    if (project === null) return;
    const projectEntry = touch(
      this.#projects,
      project.root,
      PROJECT_LIMIT,
      () => new ProjectEntry(time, project),
    );
    projectEntry.project = project;
    projectEntry.sawClient(client.name);
    projectEntry.addTunnel(tunnel, time, day);
  }

  snapshot(today: Day): {
    clients: ClientStats[];
    sessions: SessionStats[];
    projects: ProjectStats[];
    users: UserStats[];
  } {
    const sessionsToday = new Map<string, number>();
    const sessions: SessionStats[] = [];
    for (const [id, entry] of this.#sessions) {
      if (entry.lastSeen >= today.start) {
        sessionsToday.set(entry.client, (sessionsToday.get(entry.client) ?? 0) + 1);
      }
      sessions.push({
        ...entry.toJSON(today),
        id,
        client: entry.client,
        project: entry.project,
        process: entry.process,
      });
    }
    const clients: ClientStats[] = [];
    for (const [name, entry] of this.#clients) {
      clients.push({
        ...entry.toJSON(today),
        name,
        version: entry.version,
        sessionsToday: sessionsToday.get(name) ?? 0,
      });
    }
    const projects: ProjectStats[] = [];
    for (const entry of this.#projects.values()) {
      projects.push({ ...entry.toJSON(today), ...entry.project, clients: [...entry.clients] });
    }
    const users: UserStats[] = [];
    for (const [name, entry] of this.#users) users.push({ ...entry.toJSON(today), name });
    return {
      clients: clients.reverse(),
      sessions: sessions.reverse(),
      projects: projects.reverse(),
      users: users.reverse(),
    };
  }

  #costOf(record: RequestRecord): number | undefined {
    const usage = record.usage;
    if (usage?.kind !== 'counted') return undefined;
    const price = this.#prices.of(usage.model);
    return price === null ? undefined : costAt(price, usage.tokens);
  }
}

// The entry for `key`, moved to the most recent end (created if new, the oldest evicted).
function touch<E>(map: Map<string, E>, key: string, limit: number, create: () => E): E {
  const existing = map.get(key);
  if (existing !== undefined) {
    map.delete(key);
    map.set(key, existing);
    return existing;
  }
  const entry = create();
  map.set(key, entry);
  if (map.size > limit) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
  return entry;
}
