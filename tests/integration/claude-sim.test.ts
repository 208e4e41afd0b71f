import Anthropic, { AuthenticationError, BadRequestError, NotFoundError, OverloadedError, PermissionDeniedError, RateLimitError } from '@anthropic-ai/sdk';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildOutputSchema } from '../../src/main/core/preannotate/prompt';
import { generatePage, SYNTH_LABELS, SYNTH_QUESTIONS, type SynthDocument } from '../../src/main/core/synth';
import { conforms, NO_NOISE, simImageTokens, simResize, simTextTokens, startClaudeSimulator, type ClaudeSimulator } from '../../src/main/sim/claude';
import { SIM_TIERS } from '../../src/main/sim/claude/models';

/**
 * The simulator, driven by the real SDK over HTTP: it must accept what the API accepts, refuse
 * what it refuses in the API's shapes, and answer from ground truth in the received image's pixels.
 */
const KEY = 'sk-ant-sim-test-1';
const MODEL = 'claude-sonnet-5-5';
const schema = buildOutputSchema({ labels: SYNTH_LABELS.map((l) => ({ name: l.name })), questions: SYNTH_QUESTIONS.map((text) => ({ text })) });

let sim: ClaudeSimulator;
let client: Anthropic;
let invoice: { truth: SynthDocument; png: Buffer };

const pageBody = (image: { data: string; mediaType?: string }, over: Record<string, unknown> = {}, text = `This is the file "${invoice.truth.id}.png". Return its boxes.`) =>
  ({
    model: MODEL,
    max_tokens: 8000,
    system: [{ type: 'text', text: 'You annotate business documents. '.repeat(120), cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: image.mediaType ?? 'image/png', data: image.data }, transformations: { oversized_image: 'error' } },
          { type: 'text', text },
        ],
      },
    ],
    output_config: { format: { type: 'json_schema', schema } },
    ...over,
  }) as Anthropic.MessageCreateParamsNonStreaming;

async function resized(png: Buffer, width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<string> {
  const s = sharp(png).resize(width, height, { fit: 'fill' });
  return (await (format === 'png' ? s.png() : s.jpeg()).toBuffer()).toString('base64');
}

beforeAll(async () => {
  sim = await startClaudeSimulator({ timeScale: 0.01, noise: NO_NOISE, forbiddenKeys: ['sk-ant-forbidden'], seed: 3 });
  client = new Anthropic({ apiKey: KEY, baseURL: sim.url, maxRetries: 0 });
  invoice = await generatePage(11, 0, { kind: 'invoice' });
  sim.truth.register(invoice.truth);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.setLimits({});
});

describe('Claude simulator: requests', () => {
  it('accepts the SDK 1.x request (Bearer key, version 2026-10-21) and answers in the wire format', async () => {
    const { data, response } = await client.messages.create(pageBody({ data: await resized(invoice.png, 1688, 2184) })).withResponse();
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('4000');
    expect(response.headers.get('anthropic-ratelimit-input-tokens-reset')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'end_turn' });
    expect(data.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const text = data.content.find((b) => b.type === 'text')!;
    const answer = JSON.parse((text as { text: string }).text) as { boxes: { label: string; bbox: number[] }[] };
    expect(conforms(answer, schema)).toBe(true);
    expect(answer.boxes.length).toBe(invoice.truth.boxes.length);
  });

  it('answers in the pixels of the image it received', async () => {
    const sent = { width: 850, height: 1100 };
    const data = await client.messages.create(pageBody({ data: await resized(invoice.png, sent.width, sent.height) }));
    const answer = JSON.parse((data.content.find((b) => b.type === 'text') as { text: string }).text) as { boxes: { text: string; bbox: number[] }[] };
    const sx = sent.width / invoice.truth.width;
    for (const t of invoice.truth.boxes.slice(0, 10)) {
      const got = answer.boxes.find((b) => b.text === t.text)!;
      expect(got.bbox[0]).toBeCloseTo(t.x * sx, -0.5);
      expect(got.bbox[2]).toBeCloseTo((t.x + t.width) * sx, -0.5);
    }
  });

  it('takes x-api-key too, and refuses a malformed, unknown or forbidden key with 401/403 in the API shape', async () => {
    const raw = await fetch(`${sim.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2026-10-21', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(raw.status).toBe(200);
    const form = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Token ${KEY}`, 'anthropic-version': '2026-10-21', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(form.status).toBe(401);
    expect(await form.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('Bearer') }, request_id: expect.stringMatching(/^req_/) });
    const unknown = new Anthropic({ apiKey: 'not-a-key', baseURL: sim.url, maxRetries: 0 });
    await expect(unknown.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(AuthenticationError);
    const forbidden = new Anthropic({ apiKey: 'sk-ant-forbidden', baseURL: sim.url, maxRetries: 0 });
    await expect(forbidden.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it('requires a known anthropic-version', async () => {
    const post = (version?: string) =>
      fetch(`${sim.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...(version ? { 'anthropic-version': version } : {}) },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      });
    const missing = await post();
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('anthropic-version');
    expect((await post('2099-01-01')).status).toBe(400);
    expect((await post('2023-06-01')).status).toBe(200);
  });

  it('rejects fields the API rejects: sampling parameters under 2026-10-21, unknown fields, forced tools, prefill, unknown models', async () => {
    const base = { model: MODEL, max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };
    const expectBad = async (body: Record<string, unknown>, message: string | RegExp) => {
      // An explicit timeout: without one the SDK itself refuses a huge max_tokens before sending.
      const err = (await client.messages.create(body as never, { timeout: 20_000 }).catch((e: unknown) => e)) as BadRequestError;
      expect(err).toBeInstanceOf(BadRequestError);
      expect(err.type).toBe('invalid_request_error');
      expect(err.apiMessage).toMatch(message);
    };
    await expectBad({ ...base, temperature: 0 }, /^temperature: .*2026-10-21/);
    await expectBad({ ...base, top_k: 5 }, /^top_k/);
    await expectBad({ ...base, frequency_penalty: 1 }, 'frequency_penalty: Extra inputs are not permitted');
    await expectBad({ ...base, tools: [{ name: 't', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 't' } }, 'tool_choice: type "tool" and "any" are not supported for this model.');
    await expectBad({ ...base, messages: [...base.messages, { role: 'assistant', content: '{' }] }, /does not support assistant message prefill/);
    await expectBad({ ...base, thinking: { type: 'enabled', budget_tokens: 1024 } }, /thinking\.type\.enabled/);
    await expectBad({ ...base, max_tokens: 500_000 }, /maximum allowed number of output tokens/);
    await expect(client.messages.create({ ...base, model: 'claude-nonexistent-9' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('enforces image format and size limits', async () => {
    const jpeg = await resized(invoice.png, 400, 520, 'jpeg');
    const mismatch = (await client.messages.create(pageBody({ data: jpeg, mediaType: 'image/png' })).catch((e: unknown) => e)) as BadRequestError;
    expect(mismatch.apiMessage).toContain('does not match the provided media type image/png');

    // Bigger than the high-resolution tier, with oversized_image "error": the SDK's ImageDimensionsTooLargeError.
    const tooBig = (await client.messages.create(pageBody({ data: await resized(invoice.png, 1700, 2200) })).catch((e: unknown) => e)) as BadRequestError;
    expect(tooBig).toBeInstanceOf(Anthropic.ImageDimensionsTooLargeError);
    expect(tooBig.errorCode).toBe('image_dimensions_too_large');
    expect(tooBig.details).toMatchObject({ max_side_length_pixels: 2184, paths: ['messages.0.content.0'] });

    const huge = await sharp({ create: { width: 8100, height: 200, channels: 3, background: '#fff' } }).png().toBuffer();
    const hugeErr = (await client.messages.create(pageBody({ data: huge.toString('base64') })).catch((e: unknown) => e)) as BadRequestError;
    expect(hugeErr.apiMessage).toContain('8000 pixels');

    const garbage = Buffer.alloc(8 * 1024 * 1024, 7).toString('base64');
    const heavy = (await client.messages.create(pageBody({ data: garbage })).catch((e: unknown) => e)) as BadRequestError;
    expect(heavy.apiMessage).toContain('image exceeds 10 MB maximum');
  });

  it('without oversized_image "error" it downsizes silently and answers in the downsized pixels', async () => {
    const body = pageBody({ data: await resized(invoice.png, 1700, 2200) });
    ((body.messages[0]!.content as unknown[])[0] as { transformations?: unknown }).transformations = undefined;
    const data = await client.messages.create(body);
    const answer = JSON.parse((data.content.find((b) => b.type === 'text') as { text: string }).text) as { boxes: { text: string; bbox: number[] }[] };
    const seen = simResize(1700, 2200, SIM_TIERS.high);
    expect(seen).toEqual({ width: 1688, height: 2184 });
    const t = invoice.truth.boxes[0]!;
    const got = answer.boxes.find((b) => b.text === t.text)!;
    expect(got.bbox[2]).toBe(Math.round((t.x + t.width) * (seen.width / invoice.truth.width)));
  });

  it('checks structured-output schemas like the API', async () => {
    const bad = async (s: Record<string, unknown>, message: RegExp) => {
      const err = (await client.messages
        .create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], output_config: { format: { type: 'json_schema', schema: s } } })
        .catch((e: unknown) => e)) as BadRequestError;
      expect(err).toBeInstanceOf(BadRequestError);
      expect(err.apiMessage).toMatch(message);
    };
    await bad({ type: 'object', properties: { a: { type: 'string' } } }, /additionalProperties.*must be explicitly set to false/);
    await bad({ type: 'object', additionalProperties: false, properties: { n: { type: 'integer', minimum: 0 } } }, /"minimum" is not supported/);
    await bad({ type: 'object', additionalProperties: false, properties: { s: { type: 'string', maxLength: 3 } } }, /"maxLength" is not supported/);
    await bad({ type: 'object', additionalProperties: false, properties: { l: { type: 'array', items: { type: 'string' }, minItems: 2 } } }, /minItems: only 0 and 1/);
    await bad(
      { type: 'object', additionalProperties: false, properties: { n: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', additionalProperties: false, properties: { child: { $ref: '#/$defs/node' } } } } },
      /recursive schemas are not supported/,
    );
    const optional = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i}`, { type: 'string' }]));
    await bad({ type: 'object', additionalProperties: false, properties: optional }, /Schema is too complex for compilation/);
  });

  it('accepts the schema Folio builds for a project with many labels and questions', async () => {
    const many = buildOutputSchema({
      labels: Array.from({ length: 150 }, (_, i) => ({ name: `field_${i}` })),
      questions: Array.from({ length: 80 }, (_, i) => ({ text: `Question ${i} about "{item}"?` })),
    });
    const data = await client.messages.create({ model: MODEL, max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }], output_config: { format: { type: 'json_schema', schema: many } } });
    expect(conforms(JSON.parse((data.content.find((b) => b.type === 'text') as { text: string }).text), many)).toBe(true);
  });

  it('counts tokens with the documented image formula and rejects max_tokens there', async () => {
    const data = await resized(invoice.png, 1000, 1000);
    const counted = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }, { type: 'text', text: 'Hi there' }] }] });
    expect(counted.input_tokens).toBe(simImageTokens(1000, 1000) + simTextTokens('Hi there') + 4);
    expect(simImageTokens(1000, 1000)).toBe(1296); // the docs' 1000×1000 example
    await expect(client.messages.countTokens({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] } as never)).rejects.toBeInstanceOf(BadRequestError);
  });

  it('resizes exactly as the docs’ examples', () => {
    const cases: [number, number, keyof typeof SIM_TIERS, number, number, number][] = [
      [1075, 1520, 'standard', 924, 1307, 1551],
      [1075, 1520, 'high', 1075, 1520, 2145],
      [1654, 2339, 'high', 1624, 2296, 4756],
      [2480, 3508, 'high', 1623, 2296, 4756],
      [1700, 2200, 'standard', 952, 1232, 1496],
      [1700, 2200, 'high', 1688, 2184, 4758],
      [800, 2400, 'standard', 523, 1568, 1064],
      [1920, 1080, 'standard', 1456, 819, 1560],
      [1920, 1080, 'high', 1920, 1080, 2691],
    ];
    for (const [w, h, tier, rw, rh, tokens] of cases) {
      const r = simResize(w, h, SIM_TIERS[tier]);
      expect([w, h, tier, r.width, r.height, simImageTokens(r.width, r.height)]).toEqual([w, h, tier, rw, rh, tokens]);
    }
  });
});

describe('Claude simulator: limits, caching and faults', () => {
  // Real time here, and limits so low that nothing refills between two requests of a test.
  let slow: ClaudeSimulator;
  let slowClient: Anthropic;
  beforeAll(async () => {
    slow = await startClaudeSimulator({ timeScale: 1, latency: { medianMs: 5, minMs: 1 } });
    slowClient = new Anthropic({ apiKey: KEY, baseURL: slow.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await slow.close();
  });

  it('enforces requests per minute with 429, retry-after and the rate-limit headers', async () => {
    slow.setLimits({ rpm: 6, burstSeconds: 30 }); // three requests of burst, then one per 10 s
    const body = { model: MODEL, max_tokens: 20, messages: [{ role: 'user' as const, content: 'hi' }] };
    for (let i = 0; i < 3; i++) await slowClient.messages.create(body);
    const err = (await slowClient.messages.create(body).catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.type).toBe('rate_limit_error');
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(err.headers?.get('anthropic-ratelimit-requests-limit')).toBe('6');
    expect(err.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(err.apiMessage).toContain('6 requests per minute');
    expect(slow.requests().at(-1)?.cause).toBe('rate_limit:rpm');
  });

  it('enforces input tokens per minute, counting cache writes but not cache reads', async () => {
    slow.setLimits({ itpm: 6000, burstSeconds: 10 }); // a 1,000-token bucket refilled at 100 per second
    const body = (n: number) => ({ model: MODEL, max_tokens: 20, messages: [{ role: 'user' as const, content: 'word '.repeat(n) }] });
    await slowClient.messages.create(body(700));
    const err = (await slowClient.messages.create(body(700)).catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.apiMessage).toContain('input tokens per minute');
    expect(slow.requests().at(-1)?.cause).toBe('rate_limit:itpm');
  });

  it('writes the prompt cache once and reads it after the first response has begun', async () => {
    const data = await resized(invoice.png, 600, 776);
    const unique = (b: Anthropic.MessageCreateParamsNonStreaming) => ({ ...b, system: [{ type: 'text' as const, text: 'Cache test. '.repeat(300), cache_control: { type: 'ephemeral' as const } }] });
    const first = await client.messages.create(unique(pageBody({ data })));
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(512);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    const second = await client.messages.create(unique(pageBody({ data })));
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
  });

  it('injects 529, spend-limit 429, resets and stalled bodies', async () => {
    const body = { model: MODEL, max_tokens: 20, messages: [{ role: 'user' as const, content: 'hi' }] };
    sim.inject({ kind: 'overloaded' });
    await expect(client.messages.create(body)).rejects.toBeInstanceOf(OverloadedError);
    sim.inject({ kind: 'spend_limit' });
    const spend = (await client.messages.create(body).catch((e: unknown) => e)) as RateLimitError;
    expect(spend).toBeInstanceOf(Anthropic.EnforcedSpendLimitReachedError);
    expect(spend.headers?.get('retry-after')).toBeNull();
    sim.inject({ kind: 'reset' });
    await expect(client.messages.create(body)).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
    sim.inject({ kind: 'stall_body' });
    const ac = new AbortController();
    const pending = client.messages.create(body, { signal: ac.signal, timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    await expect(pending).rejects.toThrow();
    expect(sim.requests().at(-1)?.cause).toBe('injected:stall_body');
  });

  it('runs message batches: create, poll, results at an absolute results_url, in any order', async () => {
    const data = await resized(invoice.png, 600, 776);
    const requests = ['a-1', 'b-2', 'c-3'].map((custom_id) => ({ custom_id, params: pageBody({ data }) }));
    const created = await client.messages.batches.create({ requests });
    expect(created).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', results_url: null });
    let batch = created;
    while (batch.processing_status !== 'ended') {
      await new Promise((r) => setTimeout(r, 50));
      batch = await client.messages.batches.retrieve(created.id);
    }
    expect(batch.results_url).toBe(`${sim.url}/v1/messages/batches/${created.id}/results`);
    expect(batch.request_counts).toMatchObject({ succeeded: 3, errored: 0 });
    const ids: string[] = [];
    for await (const line of await client.messages.batches.results(created.id)) {
      ids.push(line.custom_id);
      expect(line.result.type).toBe('succeeded');
      if (line.result.type === 'succeeded') expect(line.result.message.usage.service_tier).toBe('batch');
    }
    expect(ids.sort()).toEqual(['a-1', 'b-2', 'c-3']);
    const listed = await client.messages.batches.list({ limit: 10 });
    expect(listed.data.map((b) => b.id)).toContain(created.id);
  });

  it('refuses bad batch envelopes at once and bad params as errored results', async () => {
    await expect(client.messages.batches.create({ requests: [{ custom_id: 'has space', params: { model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } }] })).rejects.toBeInstanceOf(
      BadRequestError,
    );
    const created = await client.messages.batches.create({ requests: [{ custom_id: 'zero', params: { model: MODEL, max_tokens: 0, messages: [{ role: 'user', content: 'x' }] } }] });
    await expect(client.messages.batches.delete(created.id)).rejects.toBeInstanceOf(BadRequestError);
    let batch = created;
    while (batch.processing_status !== 'ended') {
      await new Promise((r) => setTimeout(r, 50));
      batch = await client.messages.batches.retrieve(created.id);
    }
    for await (const line of await client.messages.batches.results(created.id)) {
      expect(line.result).toMatchObject({ type: 'errored', error: { error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } } });
    }
    expect(await client.messages.batches.delete(created.id)).toEqual({ id: created.id, type: 'message_batch_deleted' });
  });
});
