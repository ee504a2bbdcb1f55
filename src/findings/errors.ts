/** Thrown when a finding, action, risk acceptance or sign-off is refused: names the field at fault. */
export class FindingInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** not-found when what the field names does not exist; invalid otherwise. */
    readonly kind: 'invalid' | 'not-found' | 'conflict' = 'invalid',
  ) {
    super(`${field}: ${message}`);
  }
}
