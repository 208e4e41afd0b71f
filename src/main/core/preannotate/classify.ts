import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { ModelOutputError } from './parse';

/**
 * What one failed attempt means for the page and for the run:
 *  - retry: 429 / 529 / 5xx / 408 / 409 / connection errors / our deadline → back off and retry
 *  - downsize: a 400 or 413 about the image's size → resize the page to the standard tier, once
 *  - output: malformed or truncated JSON → retry once
 *  - stop_run: 401 / 403 / a spend-limit 429 → the whole run stops with what to do
 *  - fail_page: anything else → this page fails with its reason; the others go on
 *  - aborted: the run was paused or cancelled while the request ran
 */
export type AttemptOutcome =
  | { kind: 'retry'; reason: RetryReason; status: number | null; retryAfterMs: number | null; message: string }
  | { kind: 'downsize'; status: number; maxSide: number | null; message: string }
  | { kind: 'output'; problem: 'malformed' | 'truncated'; message: string }
  | { kind: 'stop_run'; code: RunStopCode; status: number | null; message: string }
  | { kind: 'fail_page'; status: number | null; message: string }
  | { kind: 'aborted'; message: string };

export type RetryReason = 'rate_limit' | 'overloaded' | 'server_error' | 'connection' | 'deadline';
export type RunStopCode = 'authentication' | 'permission' | 'spend_limit';

const spendLimitCodes = new Set(['enforced_spend_limit_reached', 'contract_spend_limit_reached']);

/**
 * `retry-after-ms`, else `retry-after` (seconds or an HTTP date), in the service's milliseconds;
 * null when absent or not positive. `untilWall` turns an absolute date into the same units.
 */
export function retryAfterMs(headers: Headers | null | undefined, untilWall: (epochMs: number) => number = (t) => t - Date.now()): number | null {
  const ms = headers?.get('retry-after-ms');
  if (ms) {
    const v = parseFloat(ms);
    if (Number.isFinite(v) && v > 0) return v;
  }
  const s = headers?.get('retry-after');
  if (!s) return null;
  const secs = Number(s);
  if (Number.isFinite(secs)) return secs > 0 ? secs * 1000 : null;
  const date = Date.parse(s);
  if (!Number.isFinite(date)) return null;
  const wait = untilWall(date);
  return wait > 0 ? wait : null;
}

const describe = (err: APIError): string => {
  const what = err.apiMessage ?? err.message;
  return `${err.status ?? 'no status'} ${err.type ?? 'error'}${err.errorCode ? ` (${err.errorCode})` : ''}: ${what}${err.requestID ? ` [${err.requestID}]` : ''}`;
};

const looksLikeImageSize = (err: APIError): boolean =>
  err.errorCode === 'image_dimensions_too_large' || (err.status === 400 && /image/i.test(err.apiMessage ?? '') && /(dimension|too large|exceeds|size|pixels)/i.test(err.apiMessage ?? ''));

export function classifyError(err: unknown, ctx: { aborted: boolean; deadlineHit: boolean; untilWall?: (epochMs: number) => number }): AttemptOutcome {
  if (err instanceof ModelOutputError) {
    if (err.problem === 'refusal') return { kind: 'fail_page', status: 200, message: err.message };
    return { kind: 'output', problem: err.problem, message: err.message };
  }
  if (ctx.deadlineHit) return { kind: 'retry', reason: 'deadline', status: null, retryAfterMs: null, message: 'no complete answer before the per-page deadline' };
  if (ctx.aborted || err instanceof APIUserAbortError) return { kind: 'aborted', message: 'stopped by the user' };
  if (err instanceof APIConnectionError) {
    return { kind: 'retry', reason: 'connection', status: null, retryAfterMs: null, message: `${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}` };
  }
  if (err instanceof APIError) {
    const status = err.status ?? null;
    const message = describe(err);
    if (status === 401) {
      return { kind: 'stop_run', code: 'authentication', status, message: `Claude refused the API key (${message}). Check the key in Settings → Claude (or ANTHROPIC_API_KEY), then resume the run.` };
    }
    if (status === 403) {
      return { kind: 'stop_run', code: 'permission', status, message: `This API key may not use this model or endpoint (${message}). Use a key of a workspace with access, or another model, then resume the run.` };
    }
    if (status === 429 && err.errorCode && spendLimitCodes.has(err.errorCode)) {
      return {
        kind: 'stop_run',
        code: 'spend_limit',
        status,
        message: `The organisation's API spend limit is reached (${message}). Raise the limit in the Claude Console (Settings → Limits) or wait until it resets, then resume the run.`,
      };
    }
    if (status === 429) return { kind: 'retry', reason: 'rate_limit', status, retryAfterMs: retryAfterMs(err.headers, ctx.untilWall), message };
    if (status === 529) return { kind: 'retry', reason: 'overloaded', status, retryAfterMs: retryAfterMs(err.headers, ctx.untilWall), message };
    if (status !== null && (status >= 500 || status === 408 || status === 409)) {
      return { kind: 'retry', reason: 'server_error', status, retryAfterMs: retryAfterMs(err.headers, ctx.untilWall), message };
    }
    if ((status === 400 || status === 413) && (status === 413 || looksLikeImageSize(err))) {
      const details = err.details as { max_side_length_pixels?: unknown } | null;
      const maxSide = typeof details?.max_side_length_pixels === 'number' ? details.max_side_length_pixels : null;
      return { kind: 'downsize', status, maxSide, message };
    }
    if (status === undefined || status === null) {
      // An error event inside a stream: the request was accepted, the answer broke off.
      return { kind: 'retry', reason: 'server_error', status: null, retryAfterMs: null, message };
    }
    return { kind: 'fail_page', status, message };
  }
  return { kind: 'fail_page', status: null, message: err instanceof Error ? err.message : String(err) };
}
