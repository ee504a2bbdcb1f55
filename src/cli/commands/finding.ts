/**
 * `drillbook finding raise|revise|action-add|action-update|accept-risk|list`: the remediation register,
 * through the drillbook API (src/api/routes/findings.ts). The author of every change is the user of the
 * API token; the API checks the role and audits every attempt.
 */
import { Command, Option } from 'commander';
import { ApiClient, ApiRequestError, withApiOptions, type ApiClientOptions } from '../api-client';
import { CliError, EXIT } from '../exit-codes';
import { printJson } from '../output';
import type { CommandResult } from '../run-command';

type Runner = (fn: () => Promise<CommandResult>) => Promise<void>;

/** Field names of the API's bodies → the flags that set them, so a refusal names the flag typed. */
const FLAGS: Record<string, string> = {
  runId: '--run', stepId: '--step', severity: '--severity', category: '--category', title: '--title', description: '--description', findingId: 'FINDING',
  actionId: 'ACTION', status: '--status', note: '--note', owner: '--owner', dueDate: '--due', closingEvidence: '--evidence', retestRunId: '--retest-run',
  rationale: '--rationale', expiresAt: '--expires',
};

/** Calls the API; a refusal about a field names the flag instead. */
async function register<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiRequestError && err.body.field) {
      const field = err.body.field.split('.')[0];
      const message = err.body.message ?? '';
      const text = message.startsWith(`${err.body.field}: `) ? message.slice(err.body.field.length + 2) : message;
      throw new CliError(`${FLAGS[field] ?? field}: ${text} (HTTP ${err.status})`, err.exitCode);
    }
    throw err;
  }
}

/** Every finding command prints JSON; `--json` is accepted as on every command that prints. */
const ALREADY_JSON = 'the output is JSON already (accepted, as on every command that prints)';
const print = printJson;
const enc = encodeURIComponent;

/** `--as` and `--approver` named someone else: the author is now the token's user, so they are refused with why. */
function withGoneIdentityFlags(cmd: Command): Command {
  return cmd.addOption(new Option('--as <name>').hideHelp()).addOption(new Option('--approver <name>').hideHelp());
}

function refuseGoneIdentityFlags(o: { as?: string; approver?: string }): void {
  const flag = o.as !== undefined ? '--as' : o.approver !== undefined ? '--approver' : undefined;
  if (flag) throw new CliError(`${flag} is no longer accepted: the author of a change is the user of the API token (DRILLBOOK_TOKEN or --token)`, EXIT.usage);
}

type Opts<T> = T & ApiClientOptions & { as?: string; approver?: string };

function sub(parent: Command, name: string): Command {
  const cmd = withGoneIdentityFlags(withApiOptions(new Command(name))).option('--json', ALREADY_JSON);
  parent.addCommand(cmd);
  return cmd;
}

export function findingCommand(run: Runner): Command {
  const cmd = new Command('finding').description('findings, their actions and risk acceptances (through the drillbook API; append-only, audited)');
  sub(cmd, 'raise')
    .description('raise a finding, optionally on a run and step (operator, approver or auditor)')
    .requiredOption('--severity <severity>', 'low, medium, high or critical')
    .requiredOption('--category <category>', 'e.g. rto, rpo, procedure, tooling')
    .requiredOption('--title <text>', 'one line')
    .requiredOption('--description <text>', 'what was found')
    .option('--run <run-id>', 'the run it was found in')
    .option('--step <step-id>', 'the step (needs --run)')
    .action((o: Opts<{ severity: string; category: string; title: string; description: string; run?: string; step?: string }>) =>
      run(async () => {
        refuseGoneIdentityFlags(o);
        const body = { severity: o.severity, category: o.category, title: o.title, description: o.description, ...(o.run ? { runId: o.run } : {}), ...(o.step ? { stepId: o.step } : {}) };
        print((await register(() => new ApiClient(o).post<{ finding: unknown }>('/api/findings', body))).finding);
        return EXIT.ok;
      }),
    );
  sub(cmd, 'revise')
    .description('a new revision of a finding (status, severity, description), with a note (operator or auditor; closing: auditor)')
    .argument('<finding-id>')
    .requiredOption('--note <text>', 'why')
    .option('--status <status>', 'open, risk-accepted or closed')
    .option('--severity <severity>')
    .option('--description <text>')
    .action((findingId: string, o: Opts<{ note: string; status?: string; severity?: string; description?: string }>) =>
      run(async () => {
        refuseGoneIdentityFlags(o);
        const body = { note: o.note, ...(o.status ? { status: o.status } : {}), ...(o.severity ? { severity: o.severity } : {}), ...(o.description ? { description: o.description } : {}) };
        print((await register(() => new ApiClient(o).post<{ finding: unknown }>(`/api/findings/${enc(findingId)}/revisions`, body))).finding);
        return EXIT.ok;
      }),
    );
  sub(cmd, 'action-add')
    .description('add a remediation action to a finding (operator)')
    .argument('<finding-id>')
    .requiredOption('--description <text>')
    .requiredOption('--owner <name>')
    .requiredOption('--due <date>', 'YYYY-MM-DD')
    .action((findingId: string, o: Opts<{ description: string; owner: string; due: string }>) =>
      run(async () => {
        refuseGoneIdentityFlags(o);
        const body = { description: o.description, owner: o.owner, dueDate: o.due };
        print((await register(() => new ApiClient(o).post<{ action: unknown }>(`/api/findings/${enc(findingId)}/actions`, body))).action);
        return EXIT.ok;
      }),
    );
  sub(cmd, 'action-update')
    .description('a new revision of an action: status, owner, due date, closing evidence, retest run (operator)')
    .argument('<action-id>')
    .option('--status <status>', 'open, in-progress, done or cancelled')
    .option('--owner <name>')
    .option('--due <date>', 'YYYY-MM-DD')
    .option('--evidence <text>', 'closing evidence (needed for done)')
    .option('--retest-run <run-id>', 'the passed run that proved the fix')
    .action((actionId: string, o: Opts<{ status?: string; owner?: string; due?: string; evidence?: string; retestRun?: string }>) =>
      run(async () => {
        refuseGoneIdentityFlags(o);
        const body = {
          ...(o.status ? { status: o.status } : {}), ...(o.owner ? { owner: o.owner } : {}), ...(o.due ? { dueDate: o.due } : {}),
          ...(o.evidence ? { closingEvidence: o.evidence } : {}), ...(o.retestRun ? { retestRunId: o.retestRun } : {}),
        };
        print((await register(() => new ApiClient(o).post<{ action: unknown }>(`/api/finding-actions/${enc(actionId)}/revisions`, body))).action);
        return EXIT.ok;
      }),
    );
  sub(cmd, 'accept-risk')
    .description("accept a finding's risk until a date (approver: you are the one who accepts it)")
    .argument('<finding-id>')
    .requiredOption('--rationale <text>')
    .requiredOption('--expires <date>', 'ISO date or date-time')
    .action((findingId: string, o: Opts<{ rationale: string; expires: string }>) =>
      run(async () => {
        refuseGoneIdentityFlags(o);
        if (Number.isNaN(Date.parse(o.expires))) throw new CliError(`--expires: expected an ISO date or date-time, got "${o.expires}"`, EXIT.usage);
        const body = { rationale: o.rationale, expiresAt: o.expires };
        print((await register(() => new ApiClient(o).post<{ acceptance: unknown }>(`/api/findings/${enc(findingId)}/risk-acceptances`, body))).acceptance);
        return EXIT.ok;
      }),
    );
  withApiOptions(cmd.command('list'))
    .description('the register: current findings, actions and risk acceptances (JSON; any role)')
    .option('--run <run-id>', 'only findings of this run')
    .option('--json', ALREADY_JSON)
    .action((o: ApiClientOptions & { run?: string }) =>
      run(async () => {
        print(await new ApiClient(o).get(`/api/findings${o.run ? `?runId=${enc(o.run)}` : ''}`));
        return EXIT.ok;
      }),
    );
  return cmd;
}
