import type { IncomingMessage, ServerResponse } from 'node:http';
import { composeMessage, documentOf } from './compose';
import { rateHeaders, sampleLatency, type SimContext, type SimRequestEntry } from './context';
import { faultError, type FaultRule } from './faults';
import { baseHeaders, parseJson, readBody, send, sendError, sendProxyPage, wait } from './http';
import type { TokenAccount } from './promptCache';
import { simTextTokens } from './tokens';
import { checkAuth, checkVersion, SimHttpError, validateMessageBody, type ValidRequest } from './validate';

/** Messages and count_tokens: validation, rate limits, injected faults, then the answer. */

const MAX_MESSAGE_BODY = 32 * 1024 * 1024;
/** How long a stall lasts when its rule does not say (longer than any client waits). */
const STALL_FOREVER_MS = 600_000;

type Endpoint = 'messages' | 'count_tokens';
/** What a request's log line says before its outcome is known. */
type EntryBase = Omit<SimRequestEntry, 'status' | 'cause'> & { endpoint: Endpoint };

const stallMs = (ctx: SimContext, fault: FaultRule): number => (fault.stallMs !== undefined ? fault.stallMs * ctx.timeScale : STALL_FOREVER_MS);

export async function handleMessages(ctx: SimContext, req: IncomingMessage, res: ServerResponse, requestId: string, countOnly: boolean): Promise<void> {
  const started = Date.now();
  const endpoint: Endpoint = countOnly ? 'count_tokens' : 'messages';
  // count_tokens takes its faults when it arrives; Messages after its rate limits.
  const countFault = countOnly ? ctx.faults.pick('count_tokens', null) : null;
  if (countFault?.kind === 'proxy_html') {
    req.resume();
    ctx.log.record({ endpoint, status: countFault.status ?? 200, cause: 'injected:proxy_html' });
    return sendProxyPage(res, countFault.status ?? 200);
  }
  const v = await readValidRequest(ctx, req, res, requestId, countOnly, started);
  if (!v) return;
  if (countOnly) return countTokens(ctx, res, requestId, v, countFault);
  return answerMessage(ctx, req, res, requestId, v, started);
}

/** The request's body, authenticated and validated; or null once the error has been sent. */
async function readValidRequest(ctx: SimContext, req: IncomingMessage, res: ServerResponse, requestId: string, countOnly: boolean, started: number): Promise<ValidRequest | null> {
  try {
    const raw = await readBody(req, MAX_MESSAGE_BODY);
    checkAuth(req.headers, (key) => ctx.accepts(key));
    const version = checkVersion(req.headers);
    return await validateMessageBody(parseJson(raw), { version, countTokens: countOnly, textTokens: simTextTokens });
  } catch (err) {
    if (!(err instanceof SimHttpError)) throw err;
    const endpoint: Endpoint = countOnly ? 'count_tokens' : 'messages';
    ctx.log.record({ endpoint, status: err.status, cause: err.status === 401 || err.status === 403 ? 'auth' : 'invalid', latencyMs: Date.now() - started });
    sendError(res, err, requestId, countOnly ? {} : rateHeaders(ctx));
    return null;
  }
}

async function countTokens(ctx: SimContext, res: ServerResponse, requestId: string, v: ValidRequest, fault: FaultRule | null): Promise<void> {
  const endpoint = 'count_tokens';
  const asError = fault ? faultError(fault) : null;
  if (asError) {
    ctx.log.record({ endpoint, status: asError.status, cause: `injected:${fault!.kind}`, model: v.model });
    return sendError(res, asError, requestId);
  }
  if (fault?.kind === 'stall_headers') {
    ctx.log.record({ endpoint, status: 0, cause: 'injected:stall_headers', model: v.model });
    await wait(stallMs(ctx, fault), res);
    res.destroy();
    return;
  }
  const t = ctx.cache.account(v, Date.now(), 0, true);
  ctx.log.record({ endpoint, status: 200, cause: 'ok', model: v.model, inputTokens: t.total });
  send(res, 200, { input_tokens: t.total }, baseHeaders(requestId));
}

/** A Messages request past validation: burst, rate limits, faults, then the model's message. */
async function answerMessage(ctx: SimContext, req: IncomingMessage, res: ServerResponse, requestId: string, v: ValidRequest, started: number): Promise<void> {
  const endpoint = 'messages';
  const now = Date.now();
  const burst = ctx.faults.inBurst();
  if (burst !== null) {
    const err = new SimHttpError(429, 'rate_limit_error', 'This request would exceed your organization’s rate limit (simulated burst). Please retry after the time in the retry-after header.', undefined, {
      'retry-after': String(Math.max(1, Math.ceil(burst / 1000))),
    });
    ctx.log.record({ endpoint, status: 429, cause: 'burst429', model: v.model });
    sendError(res, err, requestId, rateHeaders(ctx));
    return;
  }
  const latencyWall = (v.maxTokens === 0 ? ctx.latency.medianMs * 0.08 : sampleLatency(ctx)) * ctx.timeScale;
  const tokens = ctx.cache.account(v, now, latencyWall, true);
  const limited = rateLimitRefusal(ctx, tokens, now);
  if (limited) {
    ctx.log.record({ endpoint, status: 429, cause: `rate_limit:${limited.bucket}`, model: v.model });
    sendError(res, limited.error, requestId, rateHeaders(ctx));
    return;
  }
  // All or nothing: a refused request took nothing from any bucket.
  ctx.buckets.rpm.charge(1, now);
  ctx.buckets.itpm.charge(tokens.itpm, now);
  const counted = ctx.cache.account(v, now, latencyWall, false);
  const documentId = documentOf(ctx.answers.truth, v)?.id ?? null;
  const fault = ctx.faults.pick('messages', documentId);
  const entry: EntryBase = { endpoint, model: v.model, documentId, itpmTokens: counted.itpm, inputTokens: counted.input, cacheRead: counted.cacheRead, cacheWrite: counted.cacheWrite };
  if (fault && (await answeredByFault(ctx, req, res, requestId, fault, entry, latencyWall, started))) return;

  const composed = composeMessage(ctx.answers, v, counted, fault, false);
  if (!(await wait(latencyWall, res))) {
    ctx.log.record({ ...entry, status: 0, cause: 'client_closed', latencyMs: Date.now() - started });
    return;
  }
  ctx.buckets.otpm.charge(composed.output, Date.now());
  const headers = { ...baseHeaders(requestId), ...rateHeaders(ctx) };
  if (fault?.kind === 'stall_body') {
    const body = JSON.stringify(composed.message);
    res.writeHead(200, headers);
    res.write(body.slice(0, Math.floor(body.length / 3)));
    ctx.log.record({ ...entry, status: 200, cause: 'injected:stall_body', outputTokens: composed.output, latencyMs: Date.now() - started });
    await wait(stallMs(ctx, fault), res);
    res.destroy();
    return;
  }
  ctx.log.record({ ...entry, status: 200, cause: fault ? `injected:${fault.kind}` : 'ok', outputTokens: composed.output, latencyMs: Date.now() - started });
  send(res, 200, composed.message, headers);
}

/**
 * Requests, input tokens (cache reads are free) and output tokens already spent: the bucket that
 * would keep the request waiting longest, with its 429; or null if every bucket has room.
 */
function rateLimitRefusal(ctx: SimContext, tokens: TokenAccount, now: number): { bucket: string; error: SimHttpError } | null {
  const { buckets } = ctx;
  const waits: [keyof typeof buckets, number, string][] = [
    ['rpm', buckets.rpm.waitFor(1, now), 'requests'],
    ['itpm', buckets.itpm.waitFor(tokens.itpm, now), 'input tokens'],
    ['otpm', buckets.otpm.view(now).remaining > 0 ? 0 : buckets.otpm.waitFor(1, now), 'output tokens'],
  ];
  const [limited, waitMs, what] = waits.reduce((a, b) => (b[1] > a[1] ? b : a));
  if (waitMs <= 0) return null;
  const secs = Math.max(1, Math.ceil(waitMs / ctx.timeScale / 1000));
  const error = new SimHttpError(
    429,
    'rate_limit_error',
    `This request would exceed the rate limit for your organization (00000000-0000-4000-8000-00000051a7e0) of ${buckets[limited].limitPerMinute.toLocaleString('en-US')} ${what} per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.`,
    undefined,
    { 'retry-after': String(secs) },
  );
  return { bucket: limited, error };
}

/** Faults that answer in place of the model (an API error, a proxy page, a stall, a reset); true if `fault` was one. */
async function answeredByFault(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  fault: FaultRule,
  entry: EntryBase,
  latencyWall: number,
  started: number,
): Promise<boolean> {
  const asError = faultError(fault);
  if (asError) {
    const quick = fault.kind === 'overloaded' || fault.kind === 'rate_limit' || fault.kind === 'spend_limit' ? 0.03 : 0.3 + 0.5 * ctx.rng.next();
    if (!(await wait(latencyWall * quick, res))) return true;
    ctx.log.record({ ...entry, status: asError.status, cause: `injected:${fault.kind}`, latencyMs: Date.now() - started });
    sendError(res, asError, requestId, rateHeaders(ctx));
    return true;
  }
  if (fault.kind === 'proxy_html') {
    ctx.log.record({ ...entry, status: fault.status ?? 200, cause: 'injected:proxy_html' });
    sendProxyPage(res, fault.status ?? 200);
    return true;
  }
  if (fault.kind === 'stall_headers') {
    ctx.log.record({ ...entry, status: 0, cause: 'injected:stall_headers' });
    await wait(stallMs(ctx, fault), res);
    res.destroy();
    return true;
  }
  if (fault.kind === 'reset') {
    await wait(latencyWall * 0.5, res);
    ctx.log.record({ ...entry, status: 0, cause: 'injected:reset', latencyMs: Date.now() - started });
    req.socket.destroy();
    return true;
  }
  return false;
}
