/**
 * POST /api/runbooks/check { runbook, file? }: a runbook's text validated and compiled, nothing
 * started or stored — what the console's start form is built from: the runbook's name, version and
 * plan hash, whether that exact version is registered for real runs, its modes and its parameters.
 * For anyone who may start a run (operator). An invalid runbook is answered 400 with every error as
 * `file:line:col` (the `runbook` field), as a start would be.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../audit/database';
import { authenticate, authorize } from '../../auth/authenticate';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { isRegistered } from '../../real-runs/registrations';
import { isRealMode } from '../../real-runs/real-modes';
import { parseBody } from '../bodies';
import { ApiError, toErrorAnswer } from '../errors';
import { answers } from '../openapi';
import { RunbookCheckAnswer } from '../answer-schemas';
import type { RunbookParsePool } from '../runbook-parse-pool';

export const CheckRunbookBody = z.strictObject({
  runbook: z.string().min(1).max(1_000_000).describe("the runbook's YAML text"),
  file: z.string().min(1).max(500).default('runbook.yaml'),
});

export function registerRunbookCheckRoute(app: FastifyInstance, deps: { db: Kysely<Database>; parsePool: RunbookParsePool }): void {
  app.post(
    '/api/runbooks/check',
    { schema: { summary: "check a runbook (operator): its plan hash, whether that version is registered for real runs, its modes and parameters; nothing is started or stored", body: CheckRunbookBody, response: answers({ status: 200, schema: RunbookCheckAnswer }, [403], { body: true, audited: true }) } },
    async (req, reply) => {
      try {
        authorize(await authenticate(deps.db, req), 'start');
        const body = parseBody(CheckRunbookBody, req.body);
        const { plan, planHash, diagnostics } = await deps.parsePool.load(body.runbook, body.file);
        if (!plan || !planHash) {
          throw new ApiError(400, 'runbook_invalid', diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'), 'runbook');
        }
        const registered = await isRegistered(deps.db, planHash);
        return {
          planHash,
          runbook: plan.runbook.name,
          version: plan.runbook.version,
          description: plan.runbook.description ?? null,
          services: plan.services,
          objectives: plan.objectives,
          registered,
          // A real mode only from a registered version (the start checks it again).
          modes: plan.modes.map((mode) => ({ mode, real: isRealMode(mode), allowed: !isRealMode(mode) || registered })),
          params: plan.params.map((p) => ({ name: p.name, type: p.type, required: p.required, description: p.description ?? null, default: p.default ?? null, pattern: p.pattern ?? null })),
          warnings: diagnostics.filter((d) => d.severity !== 'error').map(formatDiagnostic),
        };
      } catch (err) {
        const answer = toErrorAnswer(err);
        return reply.code(answer.status).send(answer.body);
      }
    },
  );
}
