import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import type { PreparedImage } from './prepare';
import { buildOutputSchema, buildSystemPrompt, buildUserText, estimateTextTokens, type JsonSchema } from './prompt';
import type { PageWork, RunPrompt } from './store';

/** The parts of a request that are the same for every page of a run. */
export interface PromptParts {
  system: string;
  schema: JsonSchema;
  labels: ReadonlySet<string>;
  templates: ReadonlySet<string>;
  /** Folio's estimate of the cached prefix (system prompt + schema) in tokens. */
  prefixTokens: number;
}

export function promptParts(prompt: RunPrompt): PromptParts {
  const project = { labels: prompt.labels.map((name) => ({ name })), questions: prompt.questions.map((text) => ({ text, kinds: prompt.questionKinds?.[text] })) };
  const system = buildSystemPrompt(project);
  const schema = buildOutputSchema(project);
  return {
    system,
    schema,
    labels: new Set(prompt.labels),
    templates: new Set(prompt.questions),
    prefixTokens: estimateTextTokens(system) + estimateTextTokens(JSON.stringify(schema)),
  };
}

export interface RequestSettings {
  model: string;
  maxTokens: number;
  effort: string | null;
}

const outputConfig = (parts: PromptParts, s: RequestSettings): MessageCreateParamsNonStreaming['output_config'] => ({
  format: { type: 'json_schema', schema: parts.schema },
  ...(s.effort ? { effort: s.effort as 'low' } : {}),
});

const systemBlocks = (parts: PromptParts): MessageCreateParamsNonStreaming['system'] => [{ type: 'text', text: parts.system, cache_control: { type: 'ephemeral' } }];

export function pageUserText(parts: PromptParts, work: PageWork, image: PreparedImage): string {
  return buildUserText({
    sourceName: work.sourceName,
    pageNumber: work.pageNumber,
    pageCount: work.pageCount,
    width: image.sentWidth,
    height: image.sentHeight,
    questions: parts.templates.size > 0,
  });
}

/**
 * One page: the image first (the docs put images before text), sent at exactly the size Folio
 * chose, with `oversized_image: "error"` so the API can never rescale it silently and move the
 * coordinates; then one line of text. No sampling parameters (API version 2026-10-21 rejects
 * them) and no forced tool use (rejected by the 5.5 models): structured output instead.
 */
export function pageRequestBody(parts: PromptParts, s: RequestSettings, work: PageWork, image: PreparedImage): MessageCreateParamsNonStreaming {
  return {
    model: s.model,
    max_tokens: s.maxTokens,
    system: systemBlocks(parts),
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: image.mediaType, data: image.base64 }, transformations: { oversized_image: 'error' } },
          { type: 'text', text: pageUserText(parts, work, image) },
        ],
      },
    ],
    output_config: outputConfig(parts, s),
  };
}

/**
 * A request with `max_tokens: 0` and the run's cached prefix: it writes the prompt cache before
 * the pages go out in parallel (a cache entry exists only once a first response has begun), and
 * its rate-limit headers tell the pool the account's limits within one short round trip.
 */
export function warmupBody(parts: PromptParts, s: RequestSettings): MessageCreateParamsNonStreaming {
  return {
    model: s.model,
    max_tokens: 0,
    system: systemBlocks(parts),
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Prompt cache warm-up: no page follows.' }] }],
    output_config: outputConfig(parts, s),
  };
}

/** Input tokens Folio expects one page request to count against ITPM (cache reads do not count). */
export function expectedInputTokens(parts: PromptParts, work: PageWork, image: PreparedImage, prefixCached: boolean): number {
  return image.imageTokens + estimateTextTokens(pageUserText(parts, work, image)) + 8 + (prefixCached ? 0 : parts.prefixTokens);
}
