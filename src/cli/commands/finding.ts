/**
 * `drillbook finding raise|revise|action-add|action-update|accept-risk|list`: the remediation register.
 * The actor is the OS user unless --as names one (recorded in the register and its audit chain).
 */
import os from 'node:os';
import { Command } from 'commander';
import { FindingInputError } from '../../findings/errors';
import { acceptRisk, addAction, raiseFinding, readRegister, reviseFinding, updateAction } from '../../findings/register';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import type { CommandResult } from '../run-command';

type Runner = (fn: () => Promise<CommandResult>) => Promise<void>;

/** Field names of the register → the flags that set them, so a refusal names the flag typed. */
const FLAGS: Record<string, string> = {
  runId: '--run', stepId: '--step', severity: '--severity', category: '--category', title: '--title', description: '--description', findingId: 'FINDING',
  actionId: 'ACTION', status: '--status', note: '--note', owner: '--owner', dueDate: '--due', closingEvidence: '--evidence', retestRunId: '--retest-run',
  approver: '--approver', rationale: '--rationale', expiresAt: '--expires', actor: '--as',
};

async function register<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FindingInputError) {
      const field = err.field.split('.')[0];
      const code = err.kind === 'not-found' ? EXIT.notFound : err.kind === 'conflict' ? EXIT.conflict : EXIT.usage;
      throw new CliError(`${FLAGS[field] ?? field}: ${err.message.slice(err.field.length + 2)}`, code);
    }
    throw err;
  }
}

const actor = (as?: string) => as ?? os.userInfo().username;
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

export function findingCommand(ctx: CliContext, run: Runner): Command {
  const cmd = new Command('finding').description('findings, their actions and risk acceptances (append-only, audited)');
  cmd
    .command('raise')
    .description('raise a finding, optionally on a run and step')
    .requiredOption('--severity <severity>', 'low, medium, high or critical')
    .requiredOption('--category <category>', 'e.g. rto, rpo, procedure, tooling')
    .requiredOption('--title <text>', 'one line')
    .requiredOption('--description <text>', 'what was found')
    .option('--run <run-id>', 'the run it was found in')
    .option('--step <step-id>', 'the step (needs --run)')
    .option('--as <name>', 'who raises it (default: the OS user)')
    .action((o: { severity: string; category: string; title: string; description: string; run?: string; step?: string; as?: string }) =>
      run(async () => {
        const db = await ctx.db();
        print(await register(() => raiseFinding(db, { severity: o.severity as never, category: o.category, title: o.title, description: o.description, runId: o.run, stepId: o.step, actor: actor(o.as) })));
        return EXIT.ok;
      }),
    );
  cmd
    .command('revise')
    .description('a new revision of a finding (status, severity, description), with a note')
    .argument('<finding-id>')
    .requiredOption('--note <text>', 'why')
    .option('--status <status>', 'open, risk-accepted or closed')
    .option('--severity <severity>')
    .option('--description <text>')
    .option('--as <name>')
    .action((findingId: string, o: { note: string; status?: string; severity?: string; description?: string; as?: string }) =>
      run(async () => {
        const db = await ctx.db();
        print(await register(() => reviseFinding(db, { findingId, note: o.note, status: o.status as never, severity: o.severity as never, description: o.description, actor: actor(o.as) })));
        return EXIT.ok;
      }),
    );
  cmd
    .command('action-add')
    .description('add a remediation action to a finding')
    .argument('<finding-id>')
    .requiredOption('--description <text>')
    .requiredOption('--owner <name>')
    .requiredOption('--due <date>', 'YYYY-MM-DD')
    .option('--as <name>')
    .action((findingId: string, o: { description: string; owner: string; due: string; as?: string }) =>
      run(async () => {
        const db = await ctx.db();
        print(await register(() => addAction(db, { findingId, description: o.description, owner: o.owner, dueDate: o.due, actor: actor(o.as) })));
        return EXIT.ok;
      }),
    );
  cmd
    .command('action-update')
    .description('a new revision of an action: status, owner, due date, closing evidence, retest run')
    .argument('<action-id>')
    .option('--status <status>', 'open, in-progress, done or cancelled')
    .option('--owner <name>')
    .option('--due <date>', 'YYYY-MM-DD')
    .option('--evidence <text>', 'closing evidence (needed for done)')
    .option('--retest-run <run-id>', 'the passed run that proved the fix')
    .option('--as <name>')
    .action((actionId: string, o: { status?: string; owner?: string; due?: string; evidence?: string; retestRun?: string; as?: string }) =>
      run(async () => {
        const db = await ctx.db();
        print(await register(() => updateAction(db, { actionId, status: o.status as never, owner: o.owner, dueDate: o.due, closingEvidence: o.evidence, retestRunId: o.retestRun, actor: actor(o.as) })));
        return EXIT.ok;
      }),
    );
  cmd
    .command('accept-risk')
    .description("accept a finding's risk until a date")
    .argument('<finding-id>')
    .requiredOption('--approver <name>')
    .requiredOption('--rationale <text>')
    .requiredOption('--expires <date>', 'ISO date or date-time')
    .option('--as <name>')
    .action((findingId: string, o: { approver: string; rationale: string; expires: string; as?: string }) =>
      run(async () => {
        const t = Date.parse(o.expires);
        if (Number.isNaN(t)) throw new CliError(`--expires: expected an ISO date or date-time, got "${o.expires}"`, EXIT.usage);
        const db = await ctx.db();
        print(await register(() => acceptRisk(db, { findingId, approver: o.approver, rationale: o.rationale, expiresAt: new Date(t), actor: actor(o.as) })));
        return EXIT.ok;
      }),
    );
  cmd
    .command('list')
    .description('the register: current findings, actions and risk acceptances (JSON)')
    .option('--run <run-id>', 'only findings of this run')
    .action((o: { run?: string }) =>
      run(async () => {
        print(await readRegister(await ctx.db(), { runId: o.run }));
        return EXIT.ok;
      }),
    );
  return cmd;
}
