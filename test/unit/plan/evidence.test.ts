import { evidenceFieldNames, evidenceProblem } from '../../../src/plan/evidence';
import type { EvidenceField } from '../../../src/plan/types';

const fields: EvidenceField[] = [
  { name: 'ticketUrl', description: "the ticket's URL", required: true },
  { name: 'note', required: false },
];

describe('evidenceProblem (the one rule the API and the workflow apply to a confirm)', () => {
  test('the step\'s fields, the required ones filled, pass; optional ones may be left out', () => {
    expect(evidenceProblem(fields, { ticketUrl: 'https://tracker/T-1', note: 'opened' })).toBeUndefined();
    expect(evidenceProblem(fields, { ticketUrl: 'T-1' })).toBeUndefined();
    expect(evidenceProblem([], {})).toBeUndefined();
  });

  test('fields the step does not take are refused first, every one named', () => {
    expect(evidenceProblem(fields, { tikket: 'x', ticketUrl: 'T-1', other: 'y' })).toEqual({ kind: 'unknown', names: ['tikket', 'other'] });
    expect(evidenceProblem(fields, { tikket: 'x' })).toEqual({ kind: 'unknown', names: ['tikket'] });
  });

  test('a required field absent, blank or not text is missing; no evidence at all is no fields', () => {
    const missing = { kind: 'missing', fields: [fields[0]] };
    expect(evidenceProblem(fields, {})).toEqual(missing);
    expect(evidenceProblem(fields, { ticketUrl: '   ' })).toEqual(missing);
    expect(evidenceProblem(fields, { ticketUrl: 42 })).toEqual(missing);
    expect(evidenceProblem(fields, undefined)).toEqual(missing);
    expect(evidenceProblem(fields, null)).toEqual(missing);
  });

  test('names for a message', () => {
    expect(evidenceFieldNames(fields)).toBe('ticketUrl, note');
    expect(evidenceFieldNames([])).toBe('none');
  });
});
