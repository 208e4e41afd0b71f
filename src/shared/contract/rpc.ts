import type { z } from 'zod';
import { AppError, toAppErrorData, type RpcResult } from './errors';
import { methods, type AppApi } from './methods';
import { methodNames, type MethodName } from './names';

/** "labels[2].color: must be a colour like #1f77b4; name: a project needs a name" */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
        '',
      );
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * The largest call, encoded as JSON, that a transport carries (the browser host's WebSocket
 * refuses a longer message; the renderer refuses to send one, with this figure). The contract's
 * largest legitimate request, an `annotations.save` of 50,000 boxes with 400-character
 * transcriptions, is about 26 MiB.
 */
export const MAX_CALL_BYTES = 64 * 1024 * 1024;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (methodNames as readonly string[]).includes(name);
}

export type Dispatch = (method: unknown, request: unknown) => Promise<RpcResult<unknown>>;

/**
 * The server half of every transport: validate the request against the contract, call the
 * service, validate what it returns, and turn any failure into error data.
 */
export function createDispatcher(api: AppApi): Dispatch {
  return async (method, request) => {
    if (!isMethodName(method)) {
      // Named by its start only: a caller may send any JSON here, nested deeper than JSON.stringify can recurse.
      const kind = method === undefined ? 'none' : method === null ? 'null' : Array.isArray(method) ? 'a list' : typeof method === 'object' ? 'an object' : `a ${typeof method}`;
      const named = typeof method === 'string' ? JSON.stringify(method.length > 100 ? `${method.slice(0, 100)}…` : method) : `(${kind}, not a method name)`;
      return { ok: false, error: { code: 'invalid_request', message: `Unknown method ${named}`, retryable: false } };
    }
    const spec = methods[method];
    const parsed = spec.request.safeParse(request ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'invalid_request', message: `${method}: ${describeZodError(parsed.error)}`, retryable: false },
      };
    }
    try {
      const handler = api[method] as (req: unknown) => Promise<unknown>;
      const value = await handler(parsed.data);
      const checked = spec.response.safeParse(value);
      if (!checked.success) {
        return {
          ok: false,
          error: { code: 'internal', message: `${method} returned data outside the contract: ${describeZodError(checked.error)}`, retryable: false },
        };
      }
      return { ok: true, value: checked.data };
    } catch (err) {
      return { ok: false, error: toAppErrorData(err) };
    }
  };
}

export type Invoke = (method: MethodName, request: unknown) => Promise<RpcResult<unknown>>;

/** The client half: an `AppApi` whose calls go through `invoke` and throw `AppError` on failure. */
export function createApiClient(invoke: Invoke): AppApi {
  const api: Record<string, (req: unknown) => Promise<unknown>> = {};
  for (const method of methodNames) {
    api[method] = async (request: unknown) => {
      const result = await invoke(method, request ?? {});
      if (!result.ok) throw AppError.fromData(result.error);
      return result.value;
    };
  }
  return api as AppApi;
}
