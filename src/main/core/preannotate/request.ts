import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { type GroundingWords, wordsBlock } from './grounding';
import type { PreparedImage } from './prepare';
import { buildOutputSchema, buildSystemPrompt, buildUserText, estimateTextTokens, type JsonSchema } from './prompt';
import type { PageWork, RunPrompt } from './store';

/** A system prompt and output schema: one cached prefix. */
export interface PromptPrefix {
  system: string;
  schema: JsonSchema;
  /** Folio's estimate of the cached prefix (system prompt + schema) in tokens. */
  prefixTokens: number;
}

/** The parts of a request that are the same for every page of a run (per mode: pages with words go grounded). */
export interface PromptParts extends PromptPrefix {
  /** The prefix of pages sent with their words. */
  grounded: PromptPrefix;
  labels: ReadonlySet<string>;
  templates: ReadonlySet<string>;
}

export function promptParts(prompt: RunPrompt): PromptParts {
  const project = { labels: prompt.labels.map((name) => ({ name })), questions: prompt.questions.map((text) => ({ text, kinds: prompt.questionKinds?.[text] })) };
  const prefix = (grounded: boolean): PromptPrefix => {
    const system = buildSystemPrompt(project, grounded);
    const schema = buildOutputSchema(project, grounded);
    return { system, schema, prefixTokens: estimateTextTokens(system) + estimateTextTokens(JSON.stringify(schema)) };
  };
  return { ...prefix(false), grounded: prefix(true), labels: new Set(prompt.labels), templates: new Set(prompt.questions) };
}

const prefixOf = (parts: PromptParts, words: GroundingWords | null | undefined): PromptPrefix => (words ? parts.grounded : parts);

export interface RequestSettings {
  model: string;
  maxTokens: number;
  effort: string | null;
}

const outputConfig = (parts: PromptPrefix, s: RequestSettings): MessageCreateParamsNonStreaming['output_config'] => ({
  format: { type: 'json_schema', schema: parts.schema },
  ...(s.effort ? { effort: s.effort as 'low' } : {}),
});

const systemBlocks = (parts: PromptPrefix): MessageCreateParamsNonStreaming['system'] => [{ type: 'text', text: parts.system, cache_control: { type: 'ephemeral' } }];

/** The text after the image: one line about the page, then (grounded) its words with their ids. */
export function pageUserText(parts: PromptParts, work: PageWork, image: PreparedImage, words?: GroundingWords | null): string {
  const line = buildUserText({
    sourceName: work.sourceName,
    pageNumber: work.pageNumber,
    pageCount: work.pageCount,
    width: image.sentWidth,
    height: image.sentHeight,
    questions: parts.templates.size > 0,
    ...(words ? { grounded: true } : {}),
  });
  return words ? `${line}\n\n${wordsBlock(words, { x: image.sentWidth / image.origWidth, y: image.sentHeight / image.origHeight })}` : line;
}

/**
 * One page: the image first (the docs put images before text), sent at exactly the size Folio
 * chose, with `oversized_image: "error"` so the API can never rescale it silently and move the
 * coordinates; then one line of text (grounded: followed by the page's words). No sampling
 * parameters (API version 2026-10-21 rejects them) and no forced tool use (rejected by the 5.5
 * models): structured output instead.
 */
export function pageRequestBody(parts: PromptParts, s: RequestSettings, work: PageWork, image: PreparedImage, words?: GroundingWords | null): MessageCreateParamsNonStreaming {
  const prefix = prefixOf(parts, words);
  return {
    model: s.model,
    max_tokens: s.maxTokens,
    system: systemBlocks(prefix),
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: image.mediaType, data: image.base64 }, transformations: { oversized_image: 'error' } },
          { type: 'text', text: pageUserText(parts, work, image, words) },
        ],
      },
    ],
    output_config: outputConfig(prefix, s),
  };
}

/**
 * A request with `max_tokens: 0` and the run's cached prefix: it writes the prompt cache before
 * the pages go out in parallel (a cache entry exists only once a first response has begun), and
 * its rate-limit headers tell the pool the account's limits within one short round trip.
 */
export function warmupBody(parts: PromptParts, s: RequestSettings, grounded = false): MessageCreateParamsNonStreaming {
  const prefix = grounded ? parts.grounded : parts;
  return {
    model: s.model,
    max_tokens: 0,
    system: systemBlocks(prefix),
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Prompt cache warm-up: no page follows.' }] }],
    output_config: outputConfig(prefix, s),
  };
}

/** Input tokens Folio expects one page request to count against ITPM (cache reads do not count). */
export function expectedInputTokens(parts: PromptParts, work: PageWork, image: PreparedImage, prefixCached: boolean, words?: GroundingWords | null): number {
  return image.imageTokens + estimateTextTokens(pageUserText(parts, work, image, words)) + 8 + (prefixCached ? 0 : prefixOf(parts, words).prefixTokens);
}
