import { rmSync } from 'node:fs';
import { Client } from 'pg';
import type { DevServer } from '../../src/temporal/dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __temporalDevServer?: DevServer }).__temporalDevServer;
  if (server) await server.stop();
  const keys = (globalThis as { __testKeysDir?: string }).__testKeysDir;
  if (keys) rmSync(keys, { recursive: true, force: true });
  // The run's own database (global-setup.ts), unless TEST_PG_DATABASE named one to keep.
  const database = (globalThis as { __testDatabase?: string }).__testDatabase;
  if (database) {
    const admin = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      // With the databases named after it (the bench smoke test's `<run db>_bench_run`, `_bench_audit`).
      const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || '_')`, [database]);
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}
