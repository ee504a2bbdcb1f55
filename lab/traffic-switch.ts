/**
 * The traffic switch: a real TCP proxy (the lab's stand-in for a GSLB / load balancer VIP).
 * Clients connect to one port; each connection is piped to the current target site's PostgreSQL.
 * Switching the target closes the existing client connections (like haproxy's `shutdown sessions`)
 * so that clients reconnect, and land on the new site. A fenced site gets no traffic: while the
 * target is fenced, new connections are closed as soon as they are accepted.
 */
import net from 'node:net';
import { SITES, type SiteId } from './config';

export interface TrafficSwitchOptions {
  host: string;
  listenPort: number;
  upstreams: Record<SiteId, { host: string; port: number }>;
  target: SiteId;
  fenced?: SiteId[];
  /** Called after every change of target or fencing (the daemon persists the state). */
  onChange?: (state: { target: SiteId; fenced: SiteId[] }) => void;
}

export interface SwitchResult {
  previousTarget: SiteId;
  target: SiteId;
  closedConnections: number;
  /** Time spent inside the switch (closing sessions), in milliseconds. */
  durationMs: number;
}

export class TrafficSwitch {
  private server?: net.Server;
  private currentTarget: SiteId;
  private readonly fencedSites: Set<SiteId>;
  /** Open client connections per site, each with its upstream socket. */
  private readonly sessions: Record<SiteId, Set<{ client: net.Socket; upstream: net.Socket }>> = {
    'site-a': new Set(),
    'site-b': new Set(),
  };
  private refused = 0;

  constructor(private readonly options: TrafficSwitchOptions) {
    this.currentTarget = options.target;
    this.fencedSites = new Set(options.fenced ?? []);
  }

  get target(): SiteId {
    return this.currentTarget;
  }

  get fenced(): SiteId[] {
    return SITES.filter((site) => this.fencedSites.has(site));
  }

  activeConnections(site: SiteId): number {
    return this.sessions[site].size;
  }

  get refusedConnections(): number {
    return this.refused;
  }

  async listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listenPort, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** Stops listening and closes every session. */
  async close(): Promise<void> {
    for (const site of SITES) this.closeSessions(site);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Moves traffic to `target`: existing sessions to the other site are closed. Idempotent. */
  switchTo(target: SiteId): SwitchResult {
    const started = performance.now();
    const previousTarget = this.currentTarget;
    this.currentTarget = target;
    let closedConnections = 0;
    for (const site of SITES) if (site !== target) closedConnections += this.closeSessions(site);
    if (previousTarget !== target) this.changed();
    return { previousTarget, target, closedConnections, durationMs: performance.now() - started };
  }

  /** Fences a site: its sessions are closed and it receives no new ones. Idempotent. */
  fence(site: SiteId): { changed: boolean; closedConnections: number } {
    const changed = !this.fencedSites.has(site);
    this.fencedSites.add(site);
    const closedConnections = this.closeSessions(site);
    if (changed) this.changed();
    return { changed, closedConnections };
  }

  unfence(site: SiteId): { changed: boolean } {
    const changed = this.fencedSites.delete(site);
    if (changed) this.changed();
    return { changed };
  }

  private changed(): void {
    this.options.onChange?.({ target: this.currentTarget, fenced: this.fenced });
  }

  private accept(client: net.Socket): void {
    const site = this.currentTarget;
    if (this.fencedSites.has(site)) {
      this.refused += 1;
      client.destroy();
      return;
    }
    const { host, port } = this.options.upstreams[site];
    const upstream = net.connect({ host, port });
    // Small PostgreSQL messages: do not let Nagle add latency to every round trip.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const session = { client, upstream };
    this.sessions[site].add(session);
    const end = () => {
      this.sessions[site].delete(session);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private closeSessions(site: SiteId): number {
    const sessions = [...this.sessions[site]];
    this.sessions[site].clear();
    for (const { client, upstream } of sessions) {
      client.destroy();
      upstream.destroy();
    }
    return sessions.length;
  }
}
