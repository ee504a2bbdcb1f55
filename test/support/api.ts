/**
 * The operators' API for tests: the real server (src/api/server.ts) on a loopback port of its own, and
 * users with tokens made straight in the test database (as an admin would through the API).
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { startApiServer, type RunningApi } from '../../src/api/server';
import { issueToken, upsertUser } from '../../src/auth/users';
import { ApiClient } from '../../src/cli/api-client';
import { testSigner } from './signing';

export interface TestApi extends RunningApi {
  /** Creates (or sets the roles of) `name` and returns a fresh token for them. */
  tokenFor(name: string, roles: string[]): Promise<string>;
  /** An API client acting as `name` with `roles`. */
  clientFor(name: string, roles: string[]): Promise<ApiClient>;
}

export async function startTestApi(db: Kysely<Database>, temporal: Client, taskQueue: string): Promise<TestApi> {
  const api = await startApiServer({ signer: await testSigner(), db, temporal, taskQueue, port: 0 });
  const tokenFor = async (name: string, roles: string[]) => {
    await upsertUser(db, { name, roles });
    return (await issueToken(db, name, { label: 'test' })).token;
  };
  return { ...api, tokenFor, clientFor: async (name, roles) => new ApiClient({ api: api.url, token: await tokenFor(name, roles) }) };
}
