import { rmSync } from 'node:fs';
import type { DevServer } from '../../src/temporal/dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __temporalDevServer?: DevServer }).__temporalDevServer;
  if (server) await server.stop();
  const keys = (globalThis as { __testKeysDir?: string }).__testKeysDir;
  if (keys) rmSync(keys, { recursive: true, force: true });
}
