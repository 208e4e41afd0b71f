import { APIConnectionError, APIError, APIUserAbortError, BadRequestError, InternalServerError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadModelCatalog } from '../../src/main/core/preannotate/catalog';
import { classifyError, retryAfterMs } from '../../src/main/core/preannotate/classify';
import { costUsd, estimateCost, usageFromApi } from '../../src/main/core/preannotate/cost';
import { readImageHeader } from '../../src/main/core/preannotate/imageHeader';
import { downsizedTier, imageTokens, resizedSize, STANDARD_TIER } from '../../src/main/core/preannotate/imageSizing';
import { ModelOutputError, parseModelOutput } from '../../src/main/core/preannotate/parse';
import { AdaptiveScheduler, FixedScheduler, TokenBucket } from '../../src/main/core/preannotate/scheduler';
import { histogram, percentile } from '../../src/main/core/preannotate/stats';
import { poolTime } from '../../src/main/core/preannotate/timing';
import { simResize } from '../../src/main/sim/claude';

/** The pure parts of the pool: sizing, header reading, mapping, scheduling decisions, costs. */

const HIGH = { maxEdge: 2576, maxTokens: 4784 };

describe('image sizing', () => {
  it('matches every example of the documented resize rule', () => {
    const table: [number, number, typeof HIGH, number, number, number][] = [
      [1075, 1520, STANDARD_TIER, 924, 1307, 1551],
      [1075, 1520, HIGH, 1075, 1520, 2145],
      [1240, 1754, HIGH, 1240, 1754, 2835],
      [1654, 2339, STANDARD_TIER, 924, 1307, 1551],
      [1654, 2339, HIGH, 1624, 2296, 4756],
      [2480, 3508, HIGH, 1623, 2296, 4756],
      [1700, 2200, STANDARD_TIER, 952, 1232, 1496],
      [1700, 2200, HIGH, 1688, 2184, 4758],
      [800, 2400, STANDARD_TIER, 523, 1568, 1064],
      [800, 2400, HIGH, 800, 2400, 2494],
      [1920, 1080, STANDARD_TIER, 1456, 819, 1560],
      [1920, 1080, HIGH, 1920, 1080, 2691],
    ];
    for (const [w, h, tier, rw, rh, tokens] of table) {
      const r = resizedSize(w, h, tier);
      expect([w, h, r.width, r.height, imageTokens(r.width, r.height)]).toEqual([w, h, rw, rh, tokens]);
      // The simulator's independent implementation agrees.
      expect(simResize(w, h, tier)).toEqual(r);
    }
    expect(() => resizedSize(0, 10, HIGH)).toThrow('positive integers');
  });

  it('downsizes to the standard tier, or to three quarters when that is no smaller', () => {
    expect(downsizedTier({ width: 1700, height: 2200 })).toEqual(STANDARD_TIER);
    expect(downsizedTier({ width: 1700, height: 2200 }, 1000)).toEqual({ maxEdge: 1000, maxTokens: 1568 });
    const small = downsizedTier({ width: 600, height: 800 });
    const r = resizedSize(600, 800, small);
    expect(r.width).toBeLessThan(600);
    expect(r.height).toBeLessThan(800);
  });
});

describe('image headers', () => {
  it('reads PNG and JPEG sizes and EXIF orientation like sharp does', async () => {
    const base = sharp({ create: { width: 321, height: 123, channels: 3, background: '#abc' } });
    const png = await base.clone().png().toBuffer();
    const jpeg = await base.clone().jpeg().toBuffer();
    const rotated = await base.clone().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(readImageHeader(png)).toEqual({ format: 'png', width: 321, height: 123, orientation: 1 });
    expect(readImageHeader(jpeg)).toEqual({ format: 'jpeg', width: 321, height: 123, orientation: 1 });
    const meta = await sharp(rotated).metadata();
    expect(readImageHeader(rotated)).toEqual({ format: 'jpeg', width: meta.width, height: meta.height, orientation: meta.orientation });
    expect(readImageHeader(await base.clone().webp().toBuffer())).toBeNull();
    expect(readImageHeader(Buffer.from('not an image at all'))).toBeNull();
    expect(readImageHeader(jpeg.subarray(0, 40))).toBeNull();
  });
});

describe('model output to predictions', () => {
  const ctx = { sentWidth: 800, sentHeight: 1000, origWidth: 1600, origHeight: 3000, labels: new Set(['total', 'date']), templates: new Set(['What is the total?']) };
  const message = (json: unknown, stop = 'end_turn') => ({ content: [{ type: 'thinking' }, { type: 'text', text: typeof json === 'string' ? json : JSON.stringify(json) }], stop_reason: stop });

  it('maps per axis, clamps, orders corners, and drops what cannot be kept', () => {
    const parsed = parseModelOutput(
      message({
        boxes: [
          { label: 'total', text: '$5', bbox: [100, 200, 150, 210], confidence: 0.9 },
          { label: 'date', text: 'x', bbox: [790, 990, 900, 1100], confidence: 2 }, // runs off the page: clamped
          { label: 'date', text: 'y', bbox: [60, 40, 10, 20], confidence: 0.5 }, // corners swapped
          { label: 'total', text: 'line', bbox: [10, 10, 10, 50], confidence: 0.5 }, // no width
          { label: 'total', text: 'off', bbox: [900, 10, 950, 50], confidence: 0.5 }, // outside
          { label: 'stamp', text: '', bbox: [1, 1, 50, 50], confidence: 0.5 }, // not a project label
          { label: 'total', text: '', bbox: [1, 2, 3], confidence: 0.5 }, // not four numbers
        ],
        qa: [
          { template: 'What is the total?', question: 'What is the total?', answerable: true, answer: '$5', evidence: [0, 4, 9], confidence: 0.8 },
          { template: 'Who signed?', question: 'Who signed?', answerable: true, answer: 'Bo', evidence: [], confidence: 0.8 },
        ],
      }),
      ctx,
    );
    expect(parsed.boxes.map((b) => [b.index, b.x, b.y, b.w, b.h, b.confidence])).toEqual([
      [0, 200, 600, 100, 30, 0.9],
      [1, 1580, 2970, 20, 30, 1],
      [2, 20, 60, 100, 60, 0.5],
    ]);
    expect(parsed.dropped).toEqual({ degenerate: 2, unknownLabel: 1, invalid: 1, unknownQuestion: 1, danglingEvidence: 2 });
    expect(parsed.qa).toEqual([{ template: 'What is the total?', question: 'What is the total?', answer: '$5', evidence: [0], confidence: 0.8 }]);
  });

  it('says why an answer cannot be used', () => {
    expect(() => parseModelOutput(message('{"boxes": [', 'max_tokens'), ctx)).toThrow(expect.objectContaining({ problem: 'truncated' }));
    expect(() => parseModelOutput(message('{"boxes": [}'), ctx)).toThrow(expect.objectContaining({ problem: 'malformed' }));
    expect(() => parseModelOutput(message({ items: [] }), ctx)).toThrow('not an object with a "boxes" list');
    expect(() => parseModelOutput({ content: [], stop_reason: 'refusal', stop_details: { category: 'cyber', explanation: 'no' } }, ctx)).toThrow(/declined to annotate this page \(cyber\): no/);
    expect(() => parseModelOutput({ content: [{ type: 'thinking' }], stop_reason: 'end_turn' }, ctx)).toThrow(ModelOutputError);
  });
});

describe('error classification', () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  const apiError = (status: number, body: object, h: Record<string, string> = {}) => APIError.generate(status, body, undefined, headers(h));

  it('sorts API errors into retry, downsize, stop the run, or fail the page', () => {
    const none = { aborted: false, deadlineHit: false };
    expect(classifyError(apiError(429, { type: 'error', error: { type: 'rate_limit_error', message: 'slow' } }, { 'retry-after': '7' }), none)).toMatchObject({
      kind: 'retry',
      reason: 'rate_limit',
      retryAfterMs: 7000,
    });
    const spend = apiError(429, { type: 'error', error: { type: 'rate_limit_error', message: 'cap', details: { error_code: 'enforced_spend_limit_reached' } } });
    expect(spend).toBeInstanceOf(RateLimitError);
    expect(classifyError(spend, none)).toMatchObject({ kind: 'stop_run', code: 'spend_limit' });
    expect(classifyError(apiError(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }), none)).toMatchObject({ kind: 'retry', reason: 'overloaded' });
    expect(apiError(529, {})).toBeInstanceOf(OverloadedError);
    expect(classifyError(apiError(503, {}, { 'retry-after-ms': '250' }), none)).toMatchObject({ kind: 'retry', reason: 'server_error', retryAfterMs: 250 });
    expect(apiError(500, {})).toBeInstanceOf(InternalServerError);
    expect(classifyError(apiError(401, { type: 'error', error: { type: 'authentication_error', message: 'bad key' } }), none)).toMatchObject({ kind: 'stop_run', code: 'authentication' });
    expect(classifyError(apiError(403, {}), none)).toMatchObject({ kind: 'stop_run', code: 'permission' });
    const tooBig = apiError(400, { type: 'error', error: { type: 'invalid_request_error', message: 'too big', details: { error_code: 'image_dimensions_too_large', max_side_length_pixels: 1568, paths: [] } } });
    expect(classifyError(tooBig, none)).toMatchObject({ kind: 'downsize', maxSide: 1568 });
    expect(classifyError(apiError(413, { type: 'error', error: { type: 'request_too_large', message: 'x' } }), none)).toMatchObject({ kind: 'downsize' });
    const other = apiError(400, { type: 'error', error: { type: 'invalid_request_error', message: 'messages: bad' } }, { 'request-id': 'req_1' });
    expect(other).toBeInstanceOf(BadRequestError);
    expect(classifyError(other, none)).toEqual({ kind: 'fail_page', status: 400, message: '400 invalid_request_error: messages: bad [req_1]' });
    expect(classifyError(new APIConnectionError({ cause: new Error('ECONNRESET') }), none)).toMatchObject({ kind: 'retry', reason: 'connection' });
    expect(classifyError(new APIUserAbortError(), { aborted: true, deadlineHit: false })).toMatchObject({ kind: 'aborted' });
    expect(classifyError(new APIUserAbortError(), { aborted: false, deadlineHit: true })).toMatchObject({ kind: 'retry', reason: 'deadline' });
    expect(classifyError(new ModelOutputError('malformed', 'x'), none)).toMatchObject({ kind: 'output', problem: 'malformed' });
  });

  it('reads retry-after as seconds, milliseconds or a date, ignoring nonsense', () => {
    expect(retryAfterMs(headers({ 'retry-after': '1.5' }))).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after': '0' }))).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after-ms': '20', 'retry-after': '9' }))).toBe(20);
    const at = Date.now() + 60_000;
    expect(retryAfterMs(headers({ 'retry-after': new Date(at).toUTCString() }), (t) => (t - Date.now()) / 10)).toBeGreaterThan(5000);
  });
});

describe('scheduling', () => {
  it('token buckets refill continuously and let an oversized request through when full', () => {
    const b = new TokenBucket(10, 1, 0);
    expect(b.waitFor(4, 0)).toBe(0);
    b.take(8, 0);
    expect(b.waitFor(4, 0)).toBe(2);
    expect(b.waitFor(4, 2)).toBe(0);
    expect(b.waitFor(50, 2)).toBe(6); // more than the bucket: passes once it is full
    b.clampTo(0, 2);
    expect(b.fill).toBe(0);
  });

  const headers = (rpm: number, itpm: number, extra: Record<string, string> = {}) =>
    new Headers({ 'anthropic-ratelimit-requests-limit': String(rpm), 'anthropic-ratelimit-input-tokens-limit': String(itpm), ...extra });

  it('adaptive: learns the limits from headers and sizes concurrency from them', async () => {
    const s = new AdaptiveScheduler(poolTime(1), { latencyPriorMs: 2000 });
    expect(s.snapshot().concurrency).toBe(2); // nothing known: slow start
    const p = await s.acquire(1000, new AbortController().signal);
    s.succeeded(p, { headers: headers(600, 10_000_000), latencyMs: 2000, actualInputTokens: 0, estimatedInputTokens: 0 });
    const snap = s.snapshot();
    expect(snap.limits).toMatchObject({ rpm: 600, itpm: 10_000_000 });
    // 10 requests/s × ~2 s of latency, with margin.
    expect(snap.concurrency).toBeGreaterThanOrEqual(30);
    expect(snap.concurrency).toBeLessThanOrEqual(40);
  });

  it('adaptive: a 429 pauses every dispatch for its retry-after, and a burst of them slows the pace once', async () => {
    const s = new AdaptiveScheduler(poolTime(1), { latencyPriorMs: 2000 });
    const signal = new AbortController().signal;
    const first = await s.acquire(10, signal);
    s.succeeded(first, { headers: headers(600, 10_000_000), latencyMs: 100, actualInputTokens: 0, estimatedInputTokens: 0 });
    const permits = [await s.acquire(10, signal), await s.acquire(10, signal), await s.acquire(10, signal)];
    for (const p of permits) s.failed(p, { kind: 'retry', reason: 'rate_limit', status: 429, retryAfterMs: 60_000, message: '' }, headers(600, 10_000_000));
    const snap = s.snapshot();
    expect(snap.pausedForMs).toBeGreaterThan(59_000);
    expect(snap.paceFactor).toBeCloseTo(0.99 * 0.9, 3);
    const aborted = new AbortController();
    const waiting = s.acquire(10, aborted.signal);
    aborted.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });

  it('adaptive: learns how far its token estimate is off without drifting', async () => {
    const s = new AdaptiveScheduler(poolTime(1));
    const signal = new AbortController().signal;
    for (let i = 0; i < 300; i++) {
      const p = await s.acquire(1, signal);
      s.succeeded(p, { headers: null, latencyMs: 10, actualInputTokens: 1020, estimatedInputTokens: 1000 });
    }
    expect(s.snapshot().tokenCalibration).toBeCloseTo(1.02, 3);
  });

  it('adaptive and fixed: backoff', () => {
    const a = new AdaptiveScheduler(poolTime(1), { maxAttempts: 4, random: () => 0.5 });
    const retry = { kind: 'retry' as const, reason: 'overloaded' as const, status: 529, retryAfterMs: null, message: '' };
    expect([1, 2, 3].map((n) => a.retryDelay(retry, n))).toEqual([375, 750, 1500]);
    expect(a.retryDelay(retry, 4)).toBeNull();
    expect(a.retryDelay({ ...retry, retryAfterMs: 3000 }, 1)).toBe(3125);
    const f = new FixedScheduler(poolTime(1), { workers: 4, spacingMs: 200, backoffMs: [1000, 2000, 4000], timeoutMs: 60_000 });
    expect([1, 2, 3, 4].map((n) => f.retryDelay({ ...retry, retryAfterMs: 9000 }, n))).toEqual([1000, 2000, 4000, null]);
    expect(() => new FixedScheduler(poolTime(1), { workers: 0, spacingMs: 0, backoffMs: [], timeoutMs: 1 })).toThrow('workers must be a positive integer');
  });
});

describe('costs and figures', () => {
  const prices = loadModelCatalog().models['claude-sonnet-5-5']!.pricesPerMTok;

  it('prices usage with cache reads and writes, and batches at half price', () => {
    const u = usageFromApi({ input_tokens: 1000, output_tokens: 2000, cache_read_input_tokens: 3000, cache_creation_input_tokens: 400, cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 100 } });
    expect(u).toEqual({ input: 1000, output: 2000, cacheRead: 3000, cacheWrite5m: 300, cacheWrite1h: 100 });
    const online = (1000 * 2 + 2000 * 10 + 3000 * 0.1 + 300 * 2.5 + 100 * 4) / 1e6;
    expect(costUsd(u, prices)).toBeCloseTo(online, 12);
    expect(costUsd(u, prices, true)).toBeCloseTo(online / 2, 12);
    expect(usageFromApi({ input_tokens: 5, cache_creation_input_tokens: 7 })).toMatchObject({ cacheWrite5m: 7, cacheWrite1h: 0 });
  });

  it('estimates: one cache write, reads for the other pages', () => {
    const e = estimateCost({ model: 'm', prices, batch: false, pageImageTokens: [1000, 2000], prefixTokens: 600, prefixCached: true, pageTextTokens: 40, outputTokensPerPage: 1500, outputSource: 'prior', textCounting: 'approximate' });
    expect(e.tokens).toEqual({ input: 3080, output: 3000, cacheRead: 600, cacheWrite5m: 600, cacheWrite1h: 0 });
    expect(e.usd.total).toBeCloseTo(e.usd.input + e.usd.output + e.usd.cacheRead + e.usd.cacheWrite, 12);
  });

  it('percentiles and histogram buckets', () => {
    const v = Array.from({ length: 100 }, (_, i) => (i + 1) * 100);
    expect([percentile(v, 50), percentile(v, 95), percentile(v, 99), percentile([], 50)]).toEqual([5000, 9500, 9900, null]);
    const h = histogram([100, 600, 2100, 200_000]);
    expect(h.find((b) => b.fromMs === 0)!.count).toBe(1);
    expect(h.find((b) => b.fromMs === 500)!.count).toBe(1);
    expect(h.find((b) => b.fromMs === 2000)!.count).toBe(1);
    expect(h.at(-1)).toEqual({ fromMs: 120_000, upToMs: null, count: 1 });
  });
});
