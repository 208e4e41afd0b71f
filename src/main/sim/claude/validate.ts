import type { IncomingHttpHeaders } from 'node:http';
import sharp, { type Metadata } from 'sharp';
import { readImageHeader } from '../../core/preannotate/imageHeader';
import { SIM_MODELS, SIM_TIERS, type SimModel } from './models';
import { checkOutputSchema, SchemaError } from './schemaRules';
import { simImageTokens, simResize } from './tokens';

/** An API error as the real service shapes it: status, error.type, message, optional details. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const API_VERSIONS = ['2023-06-01', '2026-10-21'] as const;
export const CURRENT_VERSION = '2026-10-21';

const bad = (message: string, details?: Record<string, unknown>): SimHttpError => new SimHttpError(400, 'invalid_request_error', message, details);

/** `Authorization: Bearer <key>` (SDK 1.x) or `x-api-key: <key>`; the key must be one the simulator accepts. */
export function checkAuth(headers: IncomingHttpHeaders, accepts: (key: string) => 'ok' | 'unknown' | 'forbidden'): void {
  const auth = headers.authorization;
  const xKey = headers['x-api-key'];
  let key: string | null = null;
  if (typeof auth === 'string') {
    const m = /^Bearer ([^\s]+)$/.exec(auth);
    if (!m) throw new SimHttpError(401, 'authentication_error', 'invalid authorization header: expected "Bearer <api key>"');
    key = m[1]!;
  } else if (typeof xKey === 'string') {
    key = xKey;
  }
  if (!key) throw new SimHttpError(401, 'authentication_error', 'x-api-key header or authorization: Bearer header is required');
  const verdict = accepts(key);
  if (verdict === 'unknown') throw new SimHttpError(401, 'authentication_error', 'invalid x-api-key');
  if (verdict === 'forbidden') throw new SimHttpError(403, 'permission_error', 'Your API key does not have permission to use the specified resource.');
}

export function checkVersion(headers: IncomingHttpHeaders): string {
  const v = headers['anthropic-version'];
  if (typeof v !== 'string' || !v) throw bad('anthropic-version: header is required');
  if (!(API_VERSIONS as readonly string[]).includes(v)) throw bad(`anthropic-version: "${v}" is not a valid version`);
  return v;
}

const MESSAGE_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'cache_control',
  'container',
  'diagnostics',
  'inference_geo',
  'metadata',
  'output_config',
  'service_tier',
  'speed',
  'stop_sequences',
  'stream',
  'system',
  'thinking',
  'tool_choice',
  'tools',
]);
const COUNT_FIELDS = new Set(['model', 'messages', 'cache_control', 'output_config', 'speed', 'system', 'thinking', 'tool_choice', 'tools']);
const REMOVED_IN_2026 = new Set(['temperature', 'top_p', 'top_k']);
const MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const SHARP_FORMATS: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' };
export const MAX_BASE64_BYTES = 10 * 1024 * 1024;
export const MAX_SIDE = 8000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An image as the model will see it. */
export interface SeenImage {
  path: string;
  received: { width: number; height: number };
  /** After the server's own downsizing (when allowed); the model answers in these pixels. */
  seen: { width: number; height: number };
  tokens: number;
}

export interface ValidRequest {
  model: string;
  spec: SimModel;
  maxTokens: number;
  systemText: string;
  /** Whether the system prompt carries a cache breakpoint (the prefix up to it is cacheable). */
  systemCached: boolean;
  schema: Record<string, unknown> | null;
  effort: string | null;
  /** Text of the last user turn (where Folio names the page's file). */
  userText: string;
  images: SeenImage[];
  messageTextTokens: number;
  /** JSON of everything that must match for a cache hit: model, system, tools, output format. */
  cacheKey: string;
}

function checkCacheControl(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (!isObj(v) || v.type !== 'ephemeral') throw bad(`${path}.type: Input should be 'ephemeral'`);
  if (v.ttl !== undefined && v.ttl !== '5m' && v.ttl !== '1h') throw bad(`${path}.ttl: Input should be '5m' or '1h'`);
  return true;
}

type Body = Record<string, unknown>;
interface ValidateOptions {
  version: string;
  countTokens: boolean;
  inBatch?: boolean;
  textTokens: (s: string) => number;
}
/** An image block as found, before its bytes are read. */
interface PendingImage {
  path: string;
  source: Record<string, unknown>;
  transformations: unknown;
}

/**
 * Validate a Messages (or count_tokens) body as the API does, and work out what the model sees.
 * Throws SimHttpError with the API's status and error type. Checks run in the API's order, so the
 * first error a body has is the one reported.
 */
export async function validateMessageBody(body: unknown, opts: ValidateOptions): Promise<ValidRequest> {
  if (!isObj(body)) throw bad('The request body is not valid JSON.');
  const { model, spec, maxTokens } = checkModelAndLimits(body, opts);
  const system = readSystem(body);
  checkThinkingAndTools(body, spec);
  const { schema, effort } = readOutputConfig(body);
  const messages = readMessages(body, opts);
  const last = (body.messages as Body[])[(body.messages as Body[]).length - 1]!;
  if (last.role === 'assistant' && !spec.prefill) throw bad('This model does not support assistant message prefill. The conversation must end with a user message.');
  const breakpoints = system.breakpoints + messages.breakpoints;
  if (breakpoints > 4) throw bad(`A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`);
  const pending = messages.images;
  if (pending.length > 600) throw bad(`messages: too many images (${pending.length}); at most 600 per request`);
  const images: SeenImage[] = [];
  for (const img of pending) images.push(await seeImage(img, model, spec, pending.length > 20));

  return {
    model,
    spec,
    maxTokens,
    systemText: system.text,
    systemCached: system.cached,
    schema,
    effort,
    userText: messages.userText,
    images,
    messageTextTokens: messages.textTokens,
    cacheKey: JSON.stringify([body.model, body.system ?? null, body.tools ?? null, isObj(body.output_config) ? (body.output_config.format ?? null) : null]),
  };
}

/** Known fields, the model, max_tokens, and what Message Batches do not support. */
function checkModelAndLimits(body: Body, opts: ValidateOptions): { model: string; spec: SimModel; maxTokens: number } {
  const allowed = opts.countTokens ? COUNT_FIELDS : MESSAGE_FIELDS;
  for (const key of Object.keys(body)) {
    if (opts.version === CURRENT_VERSION && REMOVED_IN_2026.has(key)) throw bad(`${key}: this parameter was removed in API version ${CURRENT_VERSION}`);
    if (!allowed.has(key)) throw bad(`${key}: Extra inputs are not permitted`);
  }
  if (typeof body.model !== 'string' || !body.model) throw bad('model: Field required');
  const spec = SIM_MODELS[body.model];
  if (!spec) throw new SimHttpError(404, 'not_found_error', `model: ${body.model}`);
  let maxTokens = 0;
  if (!opts.countTokens) {
    if (body.max_tokens === undefined) throw bad('max_tokens: Field required');
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 0) throw bad('max_tokens: Input should be a valid non-negative integer');
    if (body.max_tokens > spec.maxOutputTokens) {
      throw bad(`max_tokens: ${body.max_tokens} > ${spec.maxOutputTokens}, which is the maximum allowed number of output tokens for ${body.model}`);
    }
    if (body.max_tokens === 0 && opts.inBatch) throw bad('max_tokens: 0 is not supported in Message Batches');
    maxTokens = body.max_tokens;
  }
  if (body.stream === true) {
    if (opts.inBatch) throw bad('stream: streaming is not supported in Message Batches');
    throw bad('stream: this simulator does not implement streaming (Folio does not stream)');
  }
  if (body.speed === 'fast' && opts.inBatch) throw bad('speed: fast mode is not supported in Message Batches');
  return { model: body.model, spec, maxTokens };
}

/** The system prompt's text, and its cache breakpoints (a top-level cache_control caches it too). */
function readSystem(body: Body): { text: string; cached: boolean; breakpoints: number } {
  let text = '';
  let cached = false;
  let breakpoints = 0;
  if (body.system !== undefined) {
    if (typeof body.system === 'string') text = body.system;
    else if (Array.isArray(body.system)) {
      body.system.forEach((b, i) => {
        if (!isObj(b) || b.type !== 'text' || typeof b.text !== 'string') throw bad(`system.${i}: Input should be a text block`);
        if (!b.text) throw bad(`system.${i}.text: text content blocks must be non-empty`);
        text += (text ? '\n' : '') + b.text;
        if (checkCacheControl(b.cache_control, `system.${i}.cache_control`)) {
          breakpoints++;
          cached = true;
        }
      });
    } else throw bad('system: Input should be a valid string or list of text blocks');
  }
  if (body.cache_control !== undefined && checkCacheControl(body.cache_control, 'cache_control')) cached = true;
  return { text, cached, breakpoints };
}

function checkThinkingAndTools(body: Body, spec: SimModel): void {
  if (isObj(body.thinking)) {
    if (body.thinking.type === 'enabled' && spec.adaptiveOnly) {
      throw bad('"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.');
    }
    if (!['enabled', 'disabled', 'adaptive'].includes(String(body.thinking.type))) throw bad('thinking.type: Input should be "enabled", "disabled" or "adaptive"');
  }
  if (isObj(body.tool_choice) && (body.tool_choice.type === 'any' || body.tool_choice.type === 'tool') && !spec.forcedToolUse) {
    throw bad('tool_choice: type "tool" and "any" are not supported for this model.');
  }
  if (body.tools !== undefined && !Array.isArray(body.tools)) throw bad('tools: Input should be a valid list');
}

/** output_config: the effort asked for and the structured-output schema, checked against the schema rules. */
function readOutputConfig(body: Body): { schema: Record<string, unknown> | null; effort: string | null } {
  let schema: Record<string, unknown> | null = null;
  let effort: string | null = null;
  if (body.output_config === undefined) return { schema, effort };
  const oc = body.output_config;
  if (!isObj(oc)) throw bad('output_config: Input should be an object');
  for (const k of Object.keys(oc)) if (k !== 'effort' && k !== 'format') throw bad(`output_config.${k}: Extra inputs are not permitted`);
  if (oc.effort !== undefined && oc.effort !== null) {
    if (!['low', 'medium', 'high', 'xhigh', 'max'].includes(String(oc.effort))) throw bad("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
    effort = String(oc.effort);
  }
  if (oc.format !== undefined && oc.format !== null) {
    if (!isObj(oc.format) || oc.format.type !== 'json_schema') throw bad("output_config.format.type: Input should be 'json_schema'");
    try {
      checkOutputSchema(oc.format.schema);
    } catch (err) {
      if (err instanceof SchemaError) throw bad(err.message);
      throw err;
    }
    schema = oc.format.schema as Record<string, unknown>;
  }
  return { schema, effort };
}

/** Each turn: its role, its text (tokens, and the last user turn's), its images and breakpoints. */
function readMessages(body: Body, opts: ValidateOptions): { textTokens: number; userText: string; images: PendingImage[]; breakpoints: number } {
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw bad('messages: at least one message is required');
  const read = { textTokens: 0, userText: '', images: [] as PendingImage[], breakpoints: 0 };
  body.messages.forEach((m, i) => {
    if (!isObj(m) || !['user', 'assistant', 'system'].includes(String(m.role))) throw bad(`messages.${i}.role: Input should be 'user', 'assistant' or 'system'`);
    read.textTokens += 4;
    if (typeof m.content === 'string') {
      if (!m.content && m.role === 'user') throw bad(`messages.${i}.content: user messages must have non-empty content`);
      read.textTokens += opts.textTokens(m.content);
      if (m.role === 'user') read.userText = m.content;
      return;
    }
    if (!Array.isArray(m.content) || m.content.length === 0) throw bad(`messages.${i}.content: Input should be a non-empty string or list of content blocks`);
    let turnText = '';
    m.content.forEach((b, j) => {
      turnText += readContentBlock(b, `messages.${i}.content.${j}`, m.role === 'user', opts, read);
    });
    if (m.role === 'user') read.userText = turnText;
  });
  return read;
}

/** One content block: a text block's text (counted into `read`), or an image set aside for later; returns the text. */
function readContentBlock(b: unknown, path: string, inUserTurn: boolean, opts: ValidateOptions, read: { textTokens: number; images: PendingImage[]; breakpoints: number }): string {
  if (!isObj(b)) throw bad(`${path}: Input should be a content block`);
  if (checkCacheControl(b.cache_control, `${path}.cache_control`)) read.breakpoints++;
  if (b.type === 'text') {
    if (typeof b.text !== 'string' || !b.text) throw bad(`${path}.text: text content blocks must be non-empty`);
    read.textTokens += opts.textTokens(b.text);
    return b.text;
  }
  if (b.type === 'image') {
    if (!inUserTurn) throw bad(`${path}: images are only allowed in user turns`);
    if (!isObj(b.source)) throw bad(`${path}.source: Field required`);
    if (b.source.type !== 'base64') {
      if (opts.countTokens) throw bad(`${path}.source: count_tokens only accepts base64 image sources`);
      throw bad(`${path}.source.type: this simulator accepts only base64 images`);
    }
    read.images.push({ path, source: b.source, transformations: b.transformations });
    return '';
  }
  throw bad(`${path}.type: Input tag '${String(b.type)}' found using 'type' does not match any of the expected tags: 'text', 'image', 'document', 'tool_use', 'tool_result', 'thinking'`);
}

/** The pixel size of an image's bytes, turned as its EXIF orientation says; format undefined if unreadable. */
async function imageSize(bytes: Buffer, path: string): Promise<{ format: string | undefined; w: number; h: number }> {
  // PNG and JPEG headers are read directly (no decoder needed for the size); others via sharp.
  const header = readImageHeader(bytes);
  if (header) {
    const turned = header.orientation >= 5 && header.orientation <= 8;
    return { format: header.format, w: turned ? header.height : header.width, h: turned ? header.width : header.height };
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    throw bad(`${path}.source: Could not process image`);
  }
  return { format: meta.format, w: meta.autoOrient?.width ?? meta.width ?? 0, h: meta.autoOrient?.height ?? meta.height ?? 0 };
}

/** An image block checked against the format, size and tier limits, as the model will see it. */
async function seeImage(img: PendingImage, model: string, spec: SimModel, manyImages: boolean): Promise<SeenImage> {
  const { source, path } = img;
  if (typeof source.media_type !== 'string' || !MEDIA_TYPES.has(source.media_type)) throw bad(`${path}.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
  if (typeof source.data !== 'string' || !source.data) throw bad(`${path}.source.data: Field required`);
  if (source.data.length > MAX_BASE64_BYTES) throw bad(`${path}.source.base64: image exceeds 10 MB maximum: ${source.data.length} bytes > ${MAX_BASE64_BYTES} bytes`);
  const { format, w, h } = await imageSize(Buffer.from(source.data, 'base64'), path);
  const actual = format ? SHARP_FORMATS[format] : undefined;
  if (!actual || w <= 0 || h <= 0) throw bad(`${path}.source: Could not process image`);
  if (actual !== source.media_type) throw bad(`${path}.source: Image does not match the provided media type ${source.media_type}`);
  if (w > MAX_SIDE || h > MAX_SIDE) throw bad(`${path}.source.base64.data: image dimensions exceed max allowed size: ${MAX_SIDE} pixels`);
  if (manyImages && (w > 2000 || h > 2000)) throw bad(`${path}: images in many-image requests (more than 20 images) must be at most 2000 pixels per side`);
  const seen = simResize(w, h, SIM_TIERS[spec.tier]);
  const oversized = seen.width !== w || seen.height !== h;
  const transform = isObj(img.transformations) ? img.transformations.oversized_image : undefined;
  if (transform !== undefined && transform !== 'downsize' && transform !== 'error') throw bad(`${path}.transformations.oversized_image: Input should be 'downsize' or 'error'`);
  if (oversized && transform === 'error') {
    throw new SimHttpError(
      400,
      'invalid_request_error',
      `${path}: the image is ${w}×${h} pixels, larger than ${model} accepts; the largest size that fits is ${seen.width}×${seen.height} pixels`,
      { error_code: 'image_dimensions_too_large', max_side_length_pixels: Math.max(seen.width, seen.height), paths: [path] },
    );
  }
  return { path, received: { width: w, height: h }, seen, tokens: simImageTokens(seen.width, seen.height) };
}
