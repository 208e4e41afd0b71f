/**
 * HTTP for the W&B client: one request helper with a retry policy per channel, following the
 * official SDK (docs/WANDB_PROTOCOL.md §7): which statuses are retried, exponential backoff with jitter
 * capped at 60 s, and an exact wait when the server sends one valid Retry-After. Errors are
 * classified so the sync engine can tell "offline" from "bad key" from "server trouble".
 */
import { describeTlsCode, isFinalTransportCode, isTlsCode, permanentUrlProblem, transportCode, unreachableCodes } from '../util/fetchErrors';

export type WandbErrorKind =
  /** 401: the API key is missing or wrong. */
  | 'auth'
  /** 403 / permission denied: the key may not use this entity or project. */
  | 'permission'
  /** The host could not be reached at all (DNS, refused, no route): Folio is offline. */
  | 'unreachable'
  /**
   * The URL itself cannot be used — not a URL, not http(s), or a port fetch refuses to connect to
   * ("bad port", e.g. 6000): a setting to fix, never a network outage, so it is not retried.
   */
  | 'config'
  /** Retries ran out on a retryable failure (5xx, 429, resets, timeouts). */
  | 'exhausted'
  /** A final HTTP error that is none of the above (400, 404, 409, …). */
  | 'http'
  /** HTTP 200 carrying GraphQL errors. */
  | 'graphql'
  /** The server answered something the protocol does not allow (bad JSON, missing fields). */
  | 'protocol'
  | 'aborted';

export class WandbError extends Error {
  constructor(
    readonly kind: WandbErrorKind,
    message: string,
    readonly status: number | null = null,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WandbError';
  }
}

export interface RetryPolicy {
  name: string;
  maxRetries: number;
  /** Whether a final status may be retried. */
  retryStatus(status: number): boolean;
  /** Per-attempt timeout (null: none). */
  timeoutMs: number | null;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Consecutive "host unreachable" failures after which the request gives up as offline. The SDK
   * retries those like any transport error (20 × up to 60 s); a desktop app should say "offline"
   * within seconds and let the engine's online detection resume, so this is lower.
   */
  maxUnreachableRetries: number;
}

/** 400, 401, 403, 404, 409, 410, 413, 422, 501 are final; every other 4xx/5xx, 0 and ≥600 are retried (§7.2). */
const graphqlFinal = new Set([400, 401, 403, 404, 409, 410, 413, 422, 501]);
const retryMostFailures = (status: number): boolean => status === 0 || status >= 600 || (status >= 400 && status <= 599 && !graphqlFinal.has(status));

export const defaultPolicies = {
  graphql: { name: 'graphql', maxRetries: 20, retryStatus: retryMostFailures, timeoutMs: 30_000, baseDelayMs: 2_000, maxDelayMs: 60_000, maxUnreachableRetries: 3 },
  /** upsertBucket also retries 409 Conflict (§7.3). */
  upsertBucket: {
    name: 'upsertBucket',
    maxRetries: 20,
    retryStatus: (s: number) => s === 409 || (retryMostFailures(s) && s !== 400 && s !== 410 && s !== 422),
    timeoutMs: 30_000,
    baseDelayMs: 2_000,
    maxDelayMs: 60_000,
    maxUnreachableRetries: 3,
  },
  /** Presigned PUT/GET: 429, 0 and 5xx except 501; every other 4xx is final (§7.5). */
  transfer: {
    name: 'transfer',
    maxRetries: 20,
    retryStatus: (s: number) => s === 429 || s === 0 || (s >= 500 && s !== 501),
    timeoutMs: 10 * 60_000,
    baseDelayMs: 2_000,
    maxDelayMs: 60_000,
    maxUnreachableRetries: 3,
  },
  /** The file stream retries like GraphQL but for much longer in the SDK; Folio's runs are short. */
  fileStream: { name: 'fileStream', maxRetries: 20, retryStatus: retryMostFailures, timeoutMs: 180_000, baseDelayMs: 2_000, maxDelayMs: 60_000, maxUnreachableRetries: 3 },
} satisfies Record<string, RetryPolicy>;

export type PolicyName = keyof typeof defaultPolicies;
export type Policies = Record<PolicyName, RetryPolicy>;

/** Same policies with shorter waits (tests, benchmarks): statuses and counts unchanged. */
export function fastPolicies(baseDelayMs = 5, maxDelayMs = 50, timeoutMs = 10_000): Policies {
  const out = {} as Policies;
  for (const [k, p] of Object.entries(defaultPolicies) as [PolicyName, RetryPolicy][]) out[k] = { ...p, baseDelayMs, maxDelayMs, timeoutMs: Math.min(p.timeoutMs ?? timeoutMs, timeoutMs) };
  return out;
}

/**
 * One attempt, no retries, a short timeout: "is W&B there at all?" before work that would
 * otherwise retry a refused connection for seconds (the sync engine's online check, evaluation
 * logging). A refused connection ends as `unreachable` at once.
 */
export function probePolicy(timeoutMs = 10_000): RetryPolicy {
  return { name: 'probe', maxRetries: 0, retryStatus: () => false, timeoutMs, baseDelayMs: 0, maxDelayMs: 0, maxUnreachableRetries: 0 };
}

/** `min(max, base × 2^attempt × (1 + U[0, 0.25)))`, attempt 0-based. */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt * (1 + random() * 0.25));
}

/** One valid Retry-After (seconds, possibly fractional, or an HTTP date) → milliseconds; else null. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // An HTTP date (RFC 1123); anything else, including several values joined with commas, is not valid.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v)) return null;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** What to do about a W&B URL that cannot be used (settings win over the environment). */
export const FIX_BASE_URL = 'Fix the W&B base URL in Settings → Weights & Biases (or WANDB_BASE_URL, used when none is saved there).';

/** The origin of a URL for messages (no path, no query with signatures), or the raw text when it does not parse. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new WandbError('aborted', 'stopped'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new WandbError('aborted', 'stopped'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const MiB = 1024 * 1024;

/**
 * How much of an answer the client reads before it gives up, by what the answer is. A server that
 * sends more is refused at the first byte over, and its connection closed: nothing W&B sends
 * legitimately comes near these, and reading on would only grow memory.
 */
export const BODY_LIMITS = {
  /**
   * A GraphQL answer. The largest Folio asks for is a batch of 5,000 presigned download URLs
   * (ArtifactFileURLsByManifestEntries): 5,000 × (path ≤ 1 KiB + URL ≤ 2 KiB + JSON) ≈ 16 MiB.
   */
  graphql: 32 * MiB,
  /** What answers a PUT or a file-stream post: a status and a few fields. */
  small: 1 * MiB,
  /** A download no manifest gives the size of (a version's manifest: ≈ 250 bytes an entry, so ≈ 500,000 entries). */
  undeclared: 128 * MiB,
  /** Any one download, whatever a manifest declares: far above a page image or a table partition. */
  file: 256 * MiB,
} as const;

/** An error answer is read for its message only. */
const ERROR_BODY_BYTES = 64 * 1024;

const sizeText = (n: number): string => (n >= MiB ? `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB` : `${n} bytes`);

/** The URL for messages: origin and path, never the query (presigned signatures). */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url;
  }
}

/** The body ended early: retried like a reset, and said plainly if retries run out. */
class CutShort extends Error {
  constructor(
    readonly problem: string,
    readonly bytes: number,
    cause: unknown,
  ) {
    super(problem, { cause });
  }
}

/**
 * Read a body chunk by chunk, refusing it as soon as it passes `limit` (or declares more) and
 * closing the connection, so a hostile or broken server costs at most the limit plus one chunk.
 * `expected`: the exact size the caller knows (a manifest's); a Content-Length that differs is refused.
 */
async function readBody(res: Response, req: HttpRequest, abort: AbortController, stopped: AbortSignal | undefined, record: (bytes: number) => void): Promise<Buffer> {
  const limit = req.maxBodyBytes;
  const expected = req.expectedBytes;
  const ok = res.status >= 200 && res.status < 300;
  const declaredText = res.headers.get('content-length');
  // With a Content-Encoding, Content-Length counts the encoded bytes, not the ones read here.
  const encoding = (res.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  const declared = declaredText !== null && /^\d+$/.test(declaredText.trim()) && encoding === 'identity' ? Number(declaredText) : null;
  const refuse = (why: string, read: number): never => {
    abort.abort();
    record(read);
    throw new WandbError('protocol', `${req.what}: the answer from ${shownUrl(req.url)} ${why}; refused (the connection was closed)`, res.status);
  };
  if (ok && declared !== null && expected !== undefined && declared !== expected) refuse(`declares ${declared} bytes (Content-Length), but the manifest says the file is ${expected} bytes`, 0);
  if (ok && declared !== null && declared > limit) refuse(`declares ${sizeText(declared)} (Content-Length), over the limit of ${sizeText(limit)}`, 0);
  const cap = ok ? limit : ERROR_BODY_BYTES;
  const chunks: Buffer[] = [];
  let n = 0;
  const reader = res.body?.getReader();
  while (reader) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (err) {
      if (abort.signal.aborted || stopped?.aborted) throw err;
      const of = declared !== null ? ` of the ${declared} bytes it declared` : '';
      throw new CutShort(`the answer from ${shownUrl(req.url)} ended after ${n} bytes${of} (${transportCode(err)})`, n, err);
    }
    if (step.done) break;
    const chunk = step.value;
    if (n + chunk.length > cap) {
      if (!ok) {
        // Enough of an error answer for its message; the rest is not wanted.
        chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, Math.max(0, cap - n)));
        n = cap;
        abort.abort();
        void reader.cancel().catch(() => undefined);
        break;
      }
      void reader.cancel().catch(() => undefined);
      refuse(`is over the limit of ${sizeText(limit)} (${sizeText(n + chunk.length)} read${declared === null ? ', no Content-Length' : ''})`, n + chunk.length);
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    n += chunk.length;
  }
  if (ok && expected !== undefined && n !== expected) {
    throw new CutShort(`the answer from ${shownUrl(req.url)} has ${n} bytes, but the manifest says the file is ${expected} bytes`, n, null);
  }
  return Buffer.concat(chunks, n);
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface RequestRecord {
  method: string;
  url: string;
  status: number | null;
  bytesOut: number;
  bytesIn: number;
  policy: string;
  attempt: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  policy: RetryPolicy;
  /** Human description for error messages ("GraphQL CreateArtifact", "upload of media/…"). */
  what: string;
  /** The most a successful answer may hold (BODY_LIMITS). */
  maxBodyBytes: number;
  /** The exact size a successful answer must have, when the caller knows it (a manifest entry's size). */
  expectedBytes?: number | undefined;
}

export interface HttpClientOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onRequest?: (r: RequestRecord) => void;
  random?: () => number;
  /** How to wait between attempts (tests record the waits instead of timing them). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Send one request with retries; returns the final response (2xx or a final non-retryable status). */
export async function requestWithRetry(req: HttpRequest, opts: HttpClientOptions): Promise<HttpResponse> {
  const doFetch = opts.fetch ?? fetch;
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  let unreachable = 0;
  let lastProblem = '';
  /** The last transport failure (null after an HTTP answer), kept as the cause when retries run out. */
  let lastError: unknown = null;
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw new WandbError('aborted', `${req.what}: stopped`);
    let wait: number | null = null;
    const signals = [opts.signal, req.policy.timeoutMs !== null ? AbortSignal.timeout(req.policy.timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    try {
      const abort = new AbortController();
      const res = await doFetch(req.url, {
        method: req.method,
        headers: req.headers ?? {},
        ...(body !== undefined ? { body: body as Uint8Array<ArrayBuffer> } : {}),
        signal: AbortSignal.any([...signals, abort.signal]),
      });
      const record = (bytesIn: number) => opts.onRequest?.({ method: req.method, url: req.url, status: res.status, bytesOut: body?.length ?? 0, bytesIn, policy: req.policy.name, attempt });
      const bytes = await readBody(res, req, abort, opts.signal, record);
      record(bytes.length);
      unreachable = 0;
      lastError = null;
      if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, body: bytes };
      if (!req.policy.retryStatus(res.status)) return { status: res.status, headers: res.headers, body: bytes };
      lastProblem = `HTTP ${res.status}`;
      wait = parseRetryAfter(res.headers.get('retry-after'));
    } catch (err) {
      if (err instanceof WandbError) throw err;
      opts.onRequest?.({ method: req.method, url: req.url, status: null, bytesOut: body?.length ?? 0, bytesIn: err instanceof CutShort ? err.bytes : 0, policy: req.policy.name, attempt });
      if (err instanceof CutShort && !opts.signal?.aborted) {
        // A body cut short is a broken transfer, retried like a reset.
        lastProblem = err.problem;
        lastError = err.cause ?? err;
        unreachable = 0;
        if (attempt >= req.policy.maxRetries) throw new WandbError('exhausted', `${req.what} failed after ${attempt + 1} attempts; last: ${lastProblem}`, null, { cause: lastError });
        await (opts.sleep ?? sleep)(backoffMs(req.policy, attempt, opts.random), opts.signal);
        continue;
      }
      if (opts.signal?.aborted) throw new WandbError('aborted', `${req.what}: stopped`, null, { cause: err });
      const problem = permanentUrlProblem(req.url, err, 'W&B');
      if (problem !== null) {
        throw new WandbError(
          'config',
          `The W&B URL ${originOf(req.url)} cannot be used: ${problem}. ${FIX_BASE_URL}`,
          null,
          { cause: err },
        );
      }
      const code = transportCode(err);
      lastError = err;
      if (isFinalTransportCode(code)) {
        const why = isTlsCode(code) ? `TLS with ${new URL(req.url).host} failed: ${describeTlsCode(code)}` : `${code} (${(err as Error).message})`;
        throw new WandbError('http', `${req.what} failed: ${why}`, null, { cause: err });
      }
      lastProblem = code === 'TIMEOUT' ? `no answer within ${req.policy.timeoutMs} ms` : code === 'UND_ERR_SOCKET' ? `the connection closed before the answer was complete (${code})` : code;
      if (unreachableCodes.has(code)) {
        unreachable++;
        if (unreachable > req.policy.maxUnreachableRetries) {
          throw new WandbError('unreachable', `${req.what}: ${new URL(req.url).host} cannot be reached (${code})`, null, { cause: err });
        }
      } else {
        unreachable = 0;
      }
    }
    if (attempt >= req.policy.maxRetries) {
      throw new WandbError('exhausted', `${req.what} failed after ${attempt + 1} attempts; last: ${lastProblem}`, null, lastError === null ? {} : { cause: lastError });
    }
    await (opts.sleep ?? sleep)(wait ?? backoffMs(req.policy, attempt, opts.random), opts.signal);
  }
}

/** Messages from a W&B error body: `{"errors":[{message}]}`, `{"error": "…"}` or `{"error":{"message"}}` (§7.1). */
export function errorMessages(body: Buffer): string[] {
  try {
    const v = JSON.parse(body.toString('utf8')) as { errors?: unknown; error?: unknown };
    const out: string[] = [];
    if (Array.isArray(v.errors)) for (const e of v.errors) out.push(typeof e === 'string' ? e : String((e as { message?: unknown }).message ?? JSON.stringify(e)));
    if (typeof v.error === 'string') out.push(v.error);
    else if (v.error && typeof v.error === 'object') out.push(String((v.error as { message?: unknown }).message));
    return out;
  } catch {
    const text = body.toString('utf8').trim();
    return text ? [text.slice(0, 200)] : [];
  }
}
