/**
 * The DR lab's configuration: where its files live, which PostgreSQL binaries it runs and which
 * loopback ports its parts listen on. Every field has a default, so `loadLabConfig()` alone gives
 * the demo's lab; tests move a second lab beside it with DRILLBOOK_LAB_DIR and
 * DRILLBOOK_LAB_PORT_BASE.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The two sites: site A holds the primary at start, site B is the DR center. */
export const SITES = ['site-a', 'site-b'] as const;
export type SiteId = (typeof SITES)[number];
export const SiteIdSchema = z.enum(SITES);

export function otherSite(site: SiteId): SiteId {
  return site === 'site-a' ? 'site-b' : 'site-a';
}

/**
 * A block far from PostgreSQL's 5432 and the usual dev ports, and below Linux's ephemeral range
 * (32768-60999), so no outgoing connection can hold a lab port when the lab starts. Each part sits
 * at a fixed offset.
 */
export const DEFAULT_PORT_BASE = 25432;
export const DEFAULT_LAB_DIR = '/tmp/drillbook-lab';

export function portsFromBase(base: number): LabPorts {
  return {
    siteA: base,
    siteB: base + 1,
    scratch: base + 2,
    trafficSwitch: base + 8,
    infraSiteA: base + 9,
    infraSiteB: base + 10,
  };
}

const port = z.number().int().min(1024).max(65535);

const PortsSchema = z.strictObject({
  siteA: port,
  siteB: port,
  /** For throwaway clones (e.g. a promoted copy of the standby for a write test). */
  scratch: port,
  trafficSwitch: port,
  infraSiteA: port,
  infraSiteB: port,
});
export type LabPorts = z.infer<typeof PortsSchema>;

/** What a site's inventory API reports; tests lower site B's to fail a capacity check. */
export const SiteCapacitySchema = z.strictObject({
  cpuCores: z.number().nonnegative(),
  memoryMb: z.number().nonnegative(),
  maxConnections: z.number().int().nonnegative(),
  /** The highest concurrent connection count the site served (the peak load to be covered). */
  peakConnections: z.number().int().nonnegative(),
});
export type SiteCapacity = z.infer<typeof SiteCapacitySchema>;

const DEFAULT_CAPACITY: SiteCapacity = { cpuCores: 8, memoryMb: 32768, maxConnections: 200, peakConnections: 120 };

const LabConfigSchema = z.strictObject({
  rootDir: z.string().min(1).default(DEFAULT_LAB_DIR),
  /** Holds initdb, pg_ctl, pg_basebackup, pg_rewind; default: the highest /usr/lib/postgresql/N/bin. */
  postgresBinDir: z.string().min(1).optional(),
  host: z.literal('127.0.0.1').default('127.0.0.1'),
  portBase: port.default(DEFAULT_PORT_BASE),
  ports: PortsSchema.optional(),
  /** PostgreSQL refuses to run as root: when we are root, its tools run as this user. */
  osUser: z.string().min(1).default('postgres'),
  database: z.string().min(1).default('postgres'),
  /**
   * Small on purpose: pg_rewind copies the source's whole pg_wal, so every kept segment is
   * seconds of failback; yet enough for a rewound old primary to catch up after a drill.
   */
  walKeepSize: z.string().default('32MB'),
  capacity: z
    .strictObject({ 'site-a': SiteCapacitySchema, 'site-b': SiteCapacitySchema })
    .default({ 'site-a': DEFAULT_CAPACITY, 'site-b': DEFAULT_CAPACITY }),
});
export type LabConfigInput = z.input<typeof LabConfigSchema>;

export interface LabConfig {
  rootDir: string;
  postgresBinDir: string;
  host: '127.0.0.1';
  ports: LabPorts;
  osUser: string;
  database: string;
  walKeepSize: string;
  capacity: Record<SiteId, SiteCapacity>;
}

/** The highest installed major version; Debian's binaries are not on PATH. */
export function findPostgresBinDir(base = '/usr/lib/postgresql'): string {
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((name) => /^\d+$/.test(name) && existsSync(path.join(base, name, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL server binaries under ${base}/*/bin (install postgresql, or set postgresBinDir)`);
  }
  return path.join(base, versions[0], 'bin');
}

/**
 * Validates `overrides` over the defaults; DRILLBOOK_LAB_DIR and DRILLBOOK_LAB_PORT_BASE apply when
 * the overrides do not name a root or ports. Throws a zod error naming the bad field.
 */
export function loadLabConfig(overrides: LabConfigInput = {}, env: NodeJS.ProcessEnv = process.env): LabConfig {
  const fromEnv: LabConfigInput = {};
  if (env.DRILLBOOK_LAB_DIR) fromEnv.rootDir = env.DRILLBOOK_LAB_DIR;
  if (env.DRILLBOOK_LAB_PORT_BASE) fromEnv.portBase = Number(env.DRILLBOOK_LAB_PORT_BASE);
  const parsed = LabConfigSchema.parse({ ...fromEnv, ...overrides });
  return {
    rootDir: path.resolve(parsed.rootDir),
    postgresBinDir: parsed.postgresBinDir ?? findPostgresBinDir(),
    host: parsed.host,
    ports: parsed.ports ?? portsFromBase(parsed.portBase),
    osUser: parsed.osUser,
    database: parsed.database,
    walKeepSize: parsed.walKeepSize,
    capacity: parsed.capacity,
  };
}

/** The PostgreSQL port of a site. */
export function sitePort(config: LabConfig, site: SiteId): number {
  return site === 'site-a' ? config.ports.siteA : config.ports.siteB;
}

/** The port of a site's infra API (GSLB / inventory stand-in). */
export function infraApiPort(config: LabConfig, site: SiteId): number {
  return site === 'site-a' ? config.ports.infraSiteA : config.ports.infraSiteB;
}

/** A libpq connection string to one site's PostgreSQL, bypassing the switch (admin use). */
export function siteConnectionString(config: LabConfig, site: SiteId): string {
  return `postgres://postgres@${config.host}:${sitePort(config, site)}/${config.database}`;
}

/** What applications use: the traffic switch, which forwards to the current site. */
export function switchConnectionString(config: LabConfig): string {
  return `postgres://postgres@${config.host}:${config.ports.trafficSwitch}/${config.database}`;
}

export function infraApiUrl(config: LabConfig, site: SiteId): string {
  return `http://${config.host}:${infraApiPort(config, site)}`;
}
