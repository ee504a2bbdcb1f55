/**
 * The audit database for integration tests.
 *
 * `testDb()` connects to the run's shared database (DATABASE_URL, created by global-setup.ts) and
 * migrates it; test files run in parallel against it, so use unique run ids and never truncate.
 * `isolatedTestDb()` creates a database of its own, for tests that must see the whole trail or must
 * tamper with it (a tampered row in the shared database would fail every other file's verification).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Kysely } from 'kysely';
import { createDb, type Database } from '../../src/audit/database';
import { migrateToLatest } from '../../src/audit/migrate';
import { chainHash } from '../../src/audit/hash-chain';

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through jest (test/support/global-setup.ts)');
  return url;
}

/** The shared test database, migrated. Safe when several jest workers call it at once (the migrator locks). */
export async function testDb(): Promise<Kysely<Database>> {
  const db = createDb(databaseUrl());
  await migrateToLatest(db);
  return db;
}

const isolated = new WeakMap<Kysely<Database>, string>();

/** A fresh database of its own, migrated; `destroyTestDb` drops it. */
export async function isolatedTestDb(): Promise<Kysely<Database>> {
  const name = `drillbook_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  const db = createDb(url.toString());
  isolated.set(db, name);
  await migrateToLatest(db);
  return db;
}

/** The URL of a database from `isolatedTestDb` (for a child process such as the CLI), else the shared one. */
export function testDbUrl(db: Kysely<Database>): string {
  const name = isolated.get(db);
  const url = new URL(databaseUrl());
  if (name) url.pathname = `/${name}`;
  return url.toString();
}

/** Closes the pool; drops the database if it came from `isolatedTestDb`. */
export async function destroyTestDb(db: Kysely<Database>): Promise<void> {
  await db.destroy();
  const name = isolated.get(db);
  if (name) await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** A unique id per test (run ids, chain ids, keys), so parallel files never collide. */
export function uniqueId(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * Runs `statements` as a database superuser can: in one transaction on a connection of its own, with
 * the triggers off (`session_replication_role = replica`), past every append-only guard.
 */
export async function asSuperuser(db: Kysely<Database>, statements: (admin: Client) => Promise<unknown>): Promise<void> {
  const admin = new Client({ connectionString: testDbUrl(db) });
  await admin.connect();
  try {
    await admin.query('BEGIN');
    await admin.query('SET LOCAL session_replication_role = replica'); // triggers off: a superuser's power
    await statements(admin);
    await admin.query('COMMIT');
  } finally {
    await admin.end();
  }
}

/** The careful forger (inside `asSuperuser`): re-hashes chain `chainId` from its first event and moves its head to match. */
export async function rehashChain(admin: Client, chainId: string): Promise<void> {
  const { rows } = await admin.query<{ id: string; body: string }>('SELECT id, body FROM audit_events WHERE chain_id = $1 ORDER BY seq', [chainId]);
  let prev = '0'.repeat(64);
  for (const r of rows) {
    const hash = chainHash(prev, r.body);
    await admin.query('UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE id = $3', [prev, hash, r.id]);
    prev = hash;
  }
  await admin.query('UPDATE audit_chain_heads SET last_hash = $1 WHERE chain_id = $2', [prev, chainId]);
}

async function withAdmin<T>(fn: (admin: Client) => Promise<T>): Promise<T> {
  // Any database but the one being created or dropped: the shared test database will do.
  const admin = new Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}
