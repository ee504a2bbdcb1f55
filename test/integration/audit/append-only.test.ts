import { sql, type Kysely } from 'kysely';
import { appendAuditEvents } from '../../../src/audit/append-events';
import type { Database } from '../../../src/audit/database';
import { destroyTestDb, testDb, uniqueId } from '../../support/db';

let db: Kysely<Database>;
let runId: string;
beforeAll(async () => {
  db = await testDb();
  runId = uniqueId('run');
  await appendAuditEvents(db, [{ key: `${runId}/started`, runId, type: 'run.started', actor: 'alice', data: {} }]);
});
afterAll(async () => {
  await destroyTestDb(db);
});

describe('audit_events is append-only', () => {
  it('refuses UPDATE', async () => {
    await expect(
      db.updateTable('audit_events').set({ type: 'run.forged' }).where('run_id', '=', runId).execute(),
    ).rejects.toThrow('audit_events is append-only: UPDATE refused');
  });

  it('refuses DELETE', async () => {
    await expect(db.deleteFrom('audit_events').where('run_id', '=', runId).execute()).rejects.toThrow(
      'audit_events is append-only: DELETE refused',
    );
  });

  it('refuses TRUNCATE', async () => {
    // Inside a transaction rolled back whatever happens: TRUNCATE would otherwise empty everyone's trail.
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`TRUNCATE audit_events`.execute(trx);
        throw new Error('TRUNCATE was not refused');
      }),
    ).rejects.toThrow('audit_events is append-only: TRUNCATE refused');
  });

  it('refuses rewinding or removing a chain head', async () => {
    await expect(
      db.updateTable('audit_chain_heads').set({ last_seq: 0 }).where('chain_id', '=', runId).execute(),
    ).rejects.toThrow('audit_chain_heads only moves forward: UPDATE refused');
    await expect(db.deleteFrom('audit_chain_heads').where('chain_id', '=', runId).execute()).rejects.toThrow(
      'audit_chain_heads only moves forward: DELETE refused',
    );
  });

  it('left the event as it was', async () => {
    const rows = await db.selectFrom('audit_events').select(['type', 'seq']).where('run_id', '=', runId).execute();
    expect(rows).toEqual([{ type: 'run.started', seq: '1' }]);
  });
});
