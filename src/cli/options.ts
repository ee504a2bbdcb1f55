/** Option parsers shared by several commands. */
import { InvalidArgumentError } from 'commander';
import { MODES, type Mode } from '../plan/types';

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
