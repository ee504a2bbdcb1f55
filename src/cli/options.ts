/** Option parsers shared by several commands. */
import { InvalidArgumentError } from 'commander';
import { MODES, type Mode } from '../plan/types';
import { CliError, EXIT } from './exit-codes';

/** `--param k=v`, repeatable: collects into a record. */
export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function parseMode(value: string): Mode {
  if (!(MODES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${MODES.join(', ')}`);
  }
  return value as Mode;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** `--override-readiness <reason>` as a start's body carries it; a blank reason is a usage error. */
export function readinessOverrideOption(reason: string | undefined): { readinessOverride?: { reason: string } } {
  if (reason === undefined) return {};
  if (!reason.trim()) throw new CliError('--override-readiness needs a reason: why this start goes ahead on a runbook that is not ready', EXIT.usage);
  return { readinessOverride: { reason } };
}

export const OVERRIDE_READINESS_HELP = "start although a runbook's recorded readiness is not ready (its pre-checks last failed); the reason is kept in the audit trail";
