/**
 * The one error class for mistakes a user made (bad source, bad weights, bad arguments).
 *
 * It lives at the start of the pipeline so every later stage can throw it; the CLI and the generated package print
 * its message without a stack trace. Anything else that escapes is a bug in dslc and keeps its stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
