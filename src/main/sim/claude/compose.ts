import { randomBytes } from 'node:crypto';
import { naturalAnswer, type NoiseOptions } from './answer';
import type { FaultRule } from './faults';
import { groundedAnswer, groundedFault, wordsFromPrompt } from './grounded';
import { rid } from './http';
import type { TokenAccount } from './promptCache';
import { fitToSchema } from './schemaRules';
import { simTextTokens } from './tokens';
import { sourceNameFromPrompt, type TruthRegistry } from './truth';
import type { ValidRequest } from './validate';

const EFFORT_THINKING: Record<string, number> = { low: 0.1, medium: 0.25, high: 0.5, xhigh: 0.8, max: 1.1 };

/** What answers are made from: the truth, its noise, and whether every question asked is answered. */
export interface AnswerSource {
  truth: TruthRegistry;
  noise: NoiseOptions;
  seed: number;
  answerEveryQuestion: boolean;
}

export interface ComposedMessage {
  documentId: string | null;
  /** Output tokens billed (thinking included). */
  output: number;
  message: Record<string, unknown>;
}

/** The truth document a request's page is, if the simulator recognises it. */
export function documentOf(truth: TruthRegistry, v: ValidRequest): ReturnType<TruthRegistry['lookup']> {
  const image = v.images[0];
  const name = image ? sourceNameFromPrompt(v.userText) : null;
  return image && name ? truth.lookup(name, image.received) : null;
}

type ItemsSchema = { items?: { properties?: { label?: { enum?: unknown } } } };
const labelsOf = (schema: Record<string, unknown> | null): string[] | null => {
  const props = (schema as { properties?: { boxes?: ItemsSchema; entities?: ItemsSchema } } | null)?.properties;
  const e = (props?.boxes ?? props?.entities)?.items?.properties?.label?.enum;
  return Array.isArray(e) ? (e as string[]) : null;
};
const templatesOf = (schema: Record<string, unknown> | null): string[] | null => {
  const e = (schema as { properties?: { qa?: { items?: { properties?: { template?: { enum?: unknown } } } } } } | null)?.properties?.qa?.items?.properties?.template?.enum;
  return Array.isArray(e) ? (e as string[]) : schema && !(schema as { properties?: { qa?: unknown } }).properties?.qa ? [] : null;
};

/** The structured answer the model gives, before any cut: the truth with noise, bent by content faults. */
function answerValue(source: AnswerSource, v: ValidRequest, doc: ReturnType<typeof documentOf>, fault: FaultRule | null): unknown {
  const image = v.images[0];
  if (!doc || !image) return v.schema ? fitToSchema({}, v.schema) : { boxes: [], qa: [] };
  const natural = naturalAnswer(doc, image.seen, { labels: labelsOf(v.schema), templates: templatesOf(v.schema) }, source.noise, source.seed, source.answerEveryQuestion);
  // A grounded request (its schema asks for entities and its text lists the words) gets word ids.
  const words = (v.schema as { properties?: { entities?: unknown } } | null)?.properties?.entities ? wordsFromPrompt(v.userText) : null;
  if (words) {
    const answer = groundedFault(groundedAnswer(natural, doc, image.received, words), words, fault);
    if (fault?.kind === 'off_schema_labels') return { ...answer, entities: answer.entities.map((e, i) => (i % 3 === 0 ? { ...e, label: 'not_a_project_label' } : e)) };
    return v.schema ? fitToSchema(answer, v.schema) : answer;
  }
  let boxes = natural.boxes.map(({ truthId: _t, ...b }) => b);
  if (fault?.kind === 'off_schema_labels') boxes = boxes.map((b, i) => (i % 3 === 0 ? { ...b, label: 'not_a_project_label' } : b));
  if (fault?.kind === 'degenerate_boxes') {
    boxes = [
      ...boxes,
      { label: boxes[0]?.label ?? 'x', text: 'zero width', bbox: [40, 40, 40, 90], confidence: 0.4 },
      { label: boxes[0]?.label ?? 'x', text: 'outside', bbox: [image.seen.width + 50, 10, image.seen.width + 90, 40], confidence: 0.4 },
    ];
  }
  const raw = { document_type: natural.documentType, boxes, qa: natural.qa };
  return v.schema ? (fault?.kind === 'off_schema_labels' ? raw : fitToSchema(raw, v.schema)) : raw;
}

interface Completion {
  text: string;
  thinking: number;
  output: number;
  stop: string;
  stopDetails: unknown;
}

/** How the answer's text ends: whole, cut at max_tokens, refused, or garbled by a fault. */
function complete(v: ValidRequest, answerText: string, fault: FaultRule | null): Completion {
  let text = answerText;
  const textTokens = simTextTokens(text);
  const thinking = v.spec.thinksByDefault ? Math.round(textTokens * (EFFORT_THINKING[v.effort ?? 'high'] ?? 0.5)) : 0;
  let output = thinking + textTokens;
  let stop = 'end_turn';
  let stopDetails: unknown = null;
  if (v.maxTokens === 0) {
    text = '';
    output = 0;
    stop = 'max_tokens';
  } else if (fault?.kind === 'refusal') {
    text = '';
    output = thinking + 12;
    stop = 'refusal';
    stopDetails = { type: 'refusal', category: 'general_harms', explanation: 'The simulated model declined this page.' };
  } else if (fault?.kind === 'malformed') {
    text = `${text.slice(0, Math.floor(text.length / 2))}}]"garbled`;
  } else if (fault?.kind === 'truncated' || output > v.maxTokens) {
    const room = Math.max(0, Math.min(v.maxTokens, fault?.kind === 'truncated' ? Math.floor(output / 2) : v.maxTokens) - thinking);
    text = text.slice(0, Math.floor((text.length * room) / Math.max(1, textTokens)));
    output = fault?.kind === 'truncated' ? thinking + room : v.maxTokens;
    stop = 'max_tokens';
  }
  return { text, thinking, output, stop, stopDetails };
}

/** The model's message for a valid request (answer, usage, stop reason), shaped by faults. */
export function composeMessage(source: AnswerSource, v: ValidRequest, tokens: TokenAccount, fault: FaultRule | null, batch: boolean): ComposedMessage {
  const doc = documentOf(source.truth, v);
  const { text, thinking, output, stop, stopDetails } = complete(v, JSON.stringify(answerValue(source, v, doc, fault)), fault);
  const content: unknown[] = [];
  if (thinking > 0 && v.maxTokens > 0) content.push({ type: 'thinking', thinking: '', signature: randomBytes(24).toString('base64') });
  if (v.maxTokens > 0) content.push({ type: 'text', text, citations: null });
  return {
    documentId: doc?.id ?? null,
    output,
    message: {
      id: rid('msg'),
      type: 'message',
      role: 'assistant',
      model: v.model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      stop_details: stopDetails,
      container: null,
      diagnostics: null,
      usage: {
        input_tokens: tokens.input,
        output_tokens: output,
        cache_creation_input_tokens: tokens.cacheWrite,
        cache_read_input_tokens: tokens.cacheRead,
        cache_creation: { ephemeral_5m_input_tokens: tokens.cacheWrite, ephemeral_1h_input_tokens: 0 },
        output_tokens_details: { thinking_tokens: thinking },
        server_tool_use: null,
        service_tier: batch ? 'batch' : 'standard',
        inference_geo: 'global',
        speed: 'standard',
      },
    },
  };
}
