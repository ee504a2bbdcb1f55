/** `serve` and the other commands without TEMPORAL_ADDRESS: an unknown listener on the port is named, not denied. */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { resolveTemporalAddress } from '../../../src/temporal/embedded';

test('a port held by a server drillbook did not start: the message says so and what to set', async () => {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const config = { ...loadConfig({ DRILLBOOK_TEMPORAL_PORT: String(port) }), dataDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-resolve-')) };
    await expect(resolveTemporalAddress(config)).rejects.toThrow(`something drillbook did not start listens on 127.0.0.1:${port} (DRILLBOOK_TEMPORAL_PORT): if it is a Temporal server, set TEMPORAL_ADDRESS=127.0.0.1:${port}`);
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(resolveTemporalAddress(config)).rejects.toThrow(/^no Temporal server/);
  } finally {
    server.close();
  }
});
