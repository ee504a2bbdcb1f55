/**
 * The usual global setup, then the shared test database migrated by `drillbook migrate`'s code (owner
 * and app roles) and DATABASE_URL pointed at the app role: existing tests that use `testDb()` then
 * prove the app's paths work with the app role's privileges. Opt-in:
 *   npx jest --globalSetup ./test/support/global-setup-app-role.ts test/…
 * (Tests that tamper as a superuser or create databases — isolatedTestDb — need the default setup.)
 */
import { APP_ROLE } from '../../src/audit/database-roles';
import { migrateDatabase } from '../../src/audit/migrate-database';
import globalSetup from './global-setup';

export default async function globalSetupAsAppRole(): Promise<void> {
  await globalSetup();
  const url = process.env.DATABASE_URL!;
  await migrateDatabase(url, { createRoles: true });
  const app = new URL(url);
  app.username = APP_ROLE;
  process.env.DATABASE_URL = app.toString();
}
