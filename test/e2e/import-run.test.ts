/**
 * An imported Chaos Toolkit experiment runs as a drill in the dev server, against a loopback orders
 * API: steady state before (pre-checks) and after, the method in order with its pause, the secret
 * header resolved from the worker's environment (the draft holds only the reference), and the
 * rollback run at the end — and, in a run aborted mid-method, run as a compensation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { getRunStory } from '../../src/audit/run-story';
import { adapterRegistry } from '../../activities/adapters/index';
import { importSource } from '../../src/import/import-source';
import { loadRunbookText } from '../../src/runbook/load';
import type { Plan } from '../../src/plan/types';
import { resolveParams } from '../../src/plan/params';
import { signed, startSignedRun } from '../support/signing';
import { abortRun, getProgress } from '../../src/plan/run-messages';
import { startWorkflowHarness, type WorkflowHarness } from '../support/temporal';
import { waitFor } from '../support/wait-for';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'import', 'orders-cache-flush.experiment.yaml');
const API_KEY = 'orders-key-from-the-worker-environment';

interface Call {
  method: string;
  path: string;
  apiKey?: string;
  body: string;
}

let harness: WorkflowHarness;
let server: http.Server;
let base: string;
const calls: Call[] = [];
/** How long POST /chaos/flush-cache takes to answer (the abort test holds the method there). */
let flushDelayMs = 0;

beforeAll(async () => {
  // The worker runs in this process and resolves env: references here, inside the secret scope.
  process.env.DRILLBOOK_SECRET_ORDERS_CHAOS_API_KEY = API_KEY;
  harness = await startWorkflowHarness('import');
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const apiKey = req.headers['x-api-key'];
      calls.push({ method: req.method!, path: req.url!, body, ...(typeof apiKey === 'string' ? { apiKey } : {}) });
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/health' ? { serving: true } : { ok: true }));
      };
      if (req.url === '/chaos/flush-cache' && flushDelayMs > 0) setTimeout(answer, flushDelayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await harness?.close();
  server?.close();
});

function importedPlan(): { plan: Plan; planHash: string; yaml: string } {
  const { yaml } = importSource({
    tool: 'chaostoolkit',
    file: FIXTURE,
    text: readFileSync(FIXTURE, 'utf8'),
    cwd: path.dirname(FIXTURE),
    owners: ['sre@bank.example'],
    services: ['orders'],
    registry: adapterRegistry,
  });
  const { plan, planHash, diagnostics } = loadRunbookText(yaml, 'orders-cache-flush.yaml', { registry: adapterRegistry });
  if (!plan || !planHash) throw new Error(`the imported draft does not load: ${JSON.stringify(diagnostics)}`);
  return { plan, planHash, yaml };
}

/**
 * The one place this file starts a run: signed with the front door's key, as the API signs it.
 */
async function startImportedRun(plan: Plan, planHash: string) {
  // As `drillbook run -p base_url=…` does: the other params take the draft's defaults.
  const { values, errors } = resolveParams(plan, { base_url: base });
  if (errors.length) throw new Error(errors.join('; '));
  return startSignedRun(harness.client, {
    plan,
    planHash,
    mode: 'drill',
    params: values,
    initiator: 'import-test',
    reason: 'imported Chaos Toolkit experiment',
    taskQueue: harness.taskQueue,
  });
}

/** The one place this file acts on a run: a signed abort, as the API sends it. */
async function abortImportedRun(handle: Awaited<ReturnType<typeof startImportedRun>>, reason: string): Promise<void> {
  await handle.executeUpdate(abortRun, { args: [await signed('abort', handle.workflowId, { reason, actor: 'alice' })] });
}

test('the draft holds the secret as a reference only', () => {
  const { yaml } = importedPlan();
  expect(yaml).toContain('default: env:DRILLBOOK_SECRET_ORDERS_CHAOS_API_KEY');
  expect(yaml).not.toContain(API_KEY);
});

test('an imported experiment runs: steady state, method with its pause, steady state again, rollback', async () => {
  calls.length = 0;
  const { plan, planHash } = importedPlan();
  const handle = await startImportedRun(plan, planHash);
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.verdict).toBe('pass');

  expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
    // the pre-checks (the process probe runs `sh -c` on the worker: no HTTP)
    'GET /health',
    'GET /health',
    // the method, the steady state again, the rollback
    'POST /chaos/flush-cache',
    'GET /orders?limit=5',
    'GET /health',
    'GET /health',
    'POST /chaos/warm-cache',
  ]);
  const flush = calls.find((c) => c.path === '/chaos/flush-cache')!;
  expect(flush.apiKey).toBe(API_KEY);
  expect(JSON.parse(flush.body)).toEqual({ scope: 'all' });

  const steps = result.steps;
  expect(steps['region-configured'].state).toBe('completed');
  expect((steps['region-configured'].output as { stdout: string }).stdout).toBe('region=eu-west');
  expect(steps['flush-cache-pause-after'].state).toBe('completed');
  expect(steps['undo-warm-cache'].state).toBe('completed');
  expect(steps['rollback-warm-cache'].state).toBe('completed');
});

test('an imported experiment aborted in the middle of its method runs the rollback as a compensation', async () => {
  calls.length = 0;
  flushDelayMs = 4000;
  try {
    const { plan, planHash } = importedPlan();
    const handle = await startImportedRun(plan, planHash);
    await waitFor(async () => calls.some((c) => c.path === '/chaos/flush-cache'));
    await abortImportedRun(handle, 'stop the experiment');
    const result = await handle.result();
    expect(result.state).toBe('aborted');
    // A query on the finished run replays its whole history: the abort mid-step must replay.
    expect((await handle.query(getProgress)).state).toBe('aborted');
    // The rollback ran once, as the undo of the step that carries it; the final rollback step never ran.
    expect(calls.filter((c) => c.path === '/chaos/warm-cache')).toHaveLength(1);
    const story = (await getRunStory(harness.db, handle.workflowId))!;
    expect(story.events.filter((e) => e.type === 'compensation.completed').map((e) => e.stepId)).toEqual(['undo-warm-cache']);
    expect(result.steps['rollback-warm-cache'].state).not.toBe('completed');
  } finally {
    flushDelayMs = 0;
  }
});
