/**
 * Once per `jest` run: a fresh PostgreSQL database for the audit trail and one Temporal dev server
 * (starting it once is sturdier on 2 busy cores than one per file), and the front door's key pair.
 * Test files read the addresses and keys from the environment (set here, inherited by the workers
 * and by the child processes they start).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { writeKeyPair } from '../../src/security/signing-keys';
import { startDevServer } from '../../src/temporal/dev-server';

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// A database of this run's own (dropped at teardown), so two runs on one machine never drop each other's.
const TEST_DB = process.env.TEST_PG_DATABASE ?? `drillbook_test_run${process.pid}`;

export default async function globalSetup(): Promise<void> {
  // Expected retries and failures are asserted on through the audit trail; keep the SDK's log quiet.
  process.env.DRILLBOOK_LOG_LEVEL ??= 'ERROR';
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEST_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEST_DB}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${TEST_DB}`;
  process.env.DATABASE_URL = url.toString();
  if (!process.env.TEST_PG_DATABASE) (globalThis as { __testDatabase?: string }).__testDatabase = TEST_DB;

  // One front door key pair for the whole run (never the developer's .data/keys): the API and the
  // test helpers sign with it, every worker trusts it.
  if (!process.env.DRILLBOOK_SIGNING_KEY && !process.env.DRILLBOOK_TRUSTED_KEYS) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-test-keys-'));
    const pair = writeKeyPair(dir);
    process.env.DRILLBOOK_SIGNING_KEY = `file:${pair.privateKey}`;
    process.env.DRILLBOOK_TRUSTED_KEYS = `file:${pair.publicKey}`;
    (globalThis as { __testKeysDir?: string }).__testKeysDir = dir;
  }

  if (!process.env.TEMPORAL_ADDRESS) {
    const server = await startDevServer({ readyTimeoutMs: 60_000 });
    (globalThis as { __temporalDevServer?: unknown }).__temporalDevServer = server;
    process.env.TEMPORAL_ADDRESS = server.address;
  }
}
