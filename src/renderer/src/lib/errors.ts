/**
 * Turn anything thrown across the contract into a sentence a person can read. Contract failures are
 * `AppError`s whose `message` is already written for users; anything else is a bug, said plainly.
 */
export interface ReadableError {
  message: string;
  code: string;
  retryable: boolean;
}

export function readableError(err: unknown): ReadableError {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; retryable?: unknown };
    if (typeof e.message === 'string' && e.message.trim()) {
      return {
        message: e.message,
        code: typeof e.code === 'string' ? e.code : 'internal',
        retryable: e.retryable === true,
      };
    }
  }
  if (typeof err === 'string' && err.trim()) return { message: err, code: 'internal', retryable: false };
  return { message: 'Something went wrong, and Folio did not get a description of the problem.', code: 'internal', retryable: false };
}

export function errorMessage(err: unknown): string {
  return readableError(err).message;
}
