/**
 * Errors are values: a code a shell can map (to a deny, a 4xx, an exit code or a status condition)
 * and a message that names the input that caused it.
 */
export type ProblemCode =
  | 'InvalidNetworkAnnotation'
  | 'NetworkNotFound'
  | 'InvalidNetworkAttachment'
  | 'UnknownContainer'
  | 'ConflictingHugepages'
  | 'ConflictingNodeSelector'
  | 'InvalidConfig'
  | 'InvalidRequest'
  | 'InvalidPod'
  | 'InvalidPodAnnotation'
  | 'ConflictingVolume'
  | 'LookupFailed'
  | 'InvalidQuantity'
  | 'TooManyNetworks'
  | 'NotPermitted'
  | 'InvalidPolicy';

export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
}

export function problem(code: ProblemCode, message: string): Problem {
  return { code, message };
}

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ProblemCode, message: string): Result<T> => ({
  ok: false,
  problem: problem(code, message),
});

/** A failure passed up with context in front of its message (`element 2 "x": ...`); the code is kept. */
export const prefixed = <T = never>(prefix: string, failure: { problem: Problem }): Result<T> =>
  fail(failure.problem.code, `${prefix}${failure.problem.message}`);
