/** The notes a loop can carry, worded once so the editor and the tests agree. */
export const CAP = 100_000;

export const NOTES = {
  capped: `combinations capped at ${CAP.toLocaleString('en-US')}`,
  filterUnknown: 'filter not evaluable statically',
  opaqueParams: 'some parameters are logged from a value not known statically; their names are unknown',
  opaqueKey: 'a parameter name is not known statically',
  repeats: 'several iterations log the same parameters; each combination is listed once',
  breaks: 'the loop may stop early (break)',
  logspace: 'logspace values are correctly rounded powers; numpy on AVX-512 machines can differ in the last digit',
} as const;
