/**
 * What the commands share: the configuration, the audit database (migrated at start) and the
 * Temporal client, each opened on first use and closed once at exit.
 */
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { Client as PgClient } from 'pg';
import { loadConfig, type Config } from '../config/config';
import { loadTemporalSecurity, type TemporalConnectionSecurity } from '../config/temporal-connection';
import { createDb, type Database } from '../audit/database';
import { migrateDatabase } from '../audit/migrate-database';
import { canMigrate, schemaStatus } from '../audit/schema-status';
import { resolveTemporalAddress } from '../temporal/embedded';
import type { TrustedKey } from '../plan/signed-actions';
import type { ActionSigner } from '../security/action-signer';
import { loadActionSigner, loadTrustedKeys } from '../security/signing-keys';
import { CliError, EXIT } from './exit-codes';

export class CliContext {
  private configValue?: Config;
  private dbValue?: Kysely<Database>;
  private connection?: Connection;
  private signerValue?: ActionSigner;
  private securityValue?: TemporalConnectionSecurity;

  get config(): Config {
    if (!this.configValue) {
      try {
        this.configValue = loadConfig();
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.unavailable);
      }
    }
    return this.configValue;
  }

  /** TLS and API key for TEMPORAL_ADDRESS (src/config/temporal-connection.ts), checked on first use. */
  get temporalSecurity(): TemporalConnectionSecurity {
    if (!this.securityValue) {
      try {
        this.securityValue = loadTemporalSecurity();
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.unavailable);
      }
    }
    return this.securityValue;
  }

  /**
   * The audit database, created if missing and migrated to the latest schema when this connection
   * may migrate (a dev's superuser); as the app's role, which may not, it checks the schema is
   * current and says what to run if not.
   */
  async db(): Promise<Kysely<Database>> {
    if (this.dbValue) return this.dbValue;
    const url = this.config.DATABASE_URL;
    let db: Kysely<Database> | undefined;
    try {
      await ensureDatabase(url);
      db = createDb(url);
      const status = await schemaStatus(db);
      if (!status.current) {
        if (!(await canMigrate(db))) {
          throw new Error(
            `the schema is ${status.pending.length} migration(s) behind (first: ${status.pending[0]}) and this role may not migrate it: ` +
              'run `drillbook migrate` with DRILLBOOK_MIGRATE_URL naming the owner role or a superuser',
          );
        }
        await migrateDatabase(url, { createRoles: false });
      }
      this.dbValue = db;
      return db;
    } catch (err) {
      await db?.destroy().catch(() => undefined);
      throw new CliError(`cannot use the audit database at ${redactUrl(url)}: ${(err as Error).message}`, EXIT.unavailable);
    }
  }

  async temporal(): Promise<Client> {
    let address: string;
    try {
      address = await resolveTemporalAddress(this.config);
      this.connection ??= await Connection.connect({ address, connectTimeout: '5s', ...this.temporalSecurity });
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.unavailable);
    }
    return new Client({ connection: this.connection, namespace: this.config.TEMPORAL_NAMESPACE });
  }

  /** The front door's signer (DRILLBOOK_SIGNING_KEY, or the dev pair): only for what signs (serve, schedule create). */
  async signer(): Promise<ActionSigner> {
    try {
      this.signerValue ??= await loadActionSigner();
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.unavailable);
    }
    return this.signerValue;
  }

  /** The front door keys a worker trusts (DRILLBOOK_TRUSTED_KEYS, or the dev pair); refused at start when none. */
  trustedKeys(): TrustedKey[] {
    try {
      return loadTrustedKeys();
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.unavailable);
    }
  }

  async close(): Promise<void> {
    await this.dbValue?.destroy();
    await this.connection?.close();
  }
}

/** Creates the database named in the URL when the server has no such database yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new PgClient({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      // Identifiers cannot be bound as parameters: quote it as PostgreSQL's quote_ident would.
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
