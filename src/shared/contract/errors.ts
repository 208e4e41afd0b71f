import { z } from 'zod';

/**
 * Errors cross every boundary (IPC, WebSocket, CLI) as data, never as thrown objects that lose
 * their type on the way. `retryable` tells the caller whether trying again can help.
 */
export const errorCodes = [
  'invalid_request', // the arguments did not match the contract's schema
  'not_found',
  'conflict',
  'unsupported_file',
  'corrupt_file',
  'too_large',
  'password_protected',
  'io_error',
  'database_newer', // a database written by a newer Folio
  'database_corrupt',
  'cancelled',
  'forbidden', // sender frame or token rejected
  'unavailable', // a platform feature this host does not have (e.g. native file dialog in a browser)
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const appErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  retryable: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AppErrorData = z.infer<typeof appErrorSchema>;

/** Thrown inside services; turned into `AppErrorData` by the dispatcher and back by clients. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: { retryable?: boolean; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }

  toData(): AppErrorData {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    };
  }

  static fromData(data: AppErrorData): AppError {
    return new AppError(data.code, data.message, { retryable: data.retryable, ...(data.details ? { details: data.details } : {}) });
  }
}

export function toAppErrorData(err: unknown): AppErrorData {
  if (err instanceof AppError) return err.toData();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: `Unexpected error: ${message}`, retryable: false };
}

/** What every transport carries back for one call. */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };
