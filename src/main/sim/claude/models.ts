/**
 * What the simulator knows about each model: its vision tier, its prompt-cache minimum and which
 * request features it refuses (from the reference notes, section 1.3, 5 and 6). Kept apart from
 * Folio's own model table on purpose: the client's assumptions are tested against these, not
 * against themselves.
 */
export interface SimModel {
  tier: 'high' | 'standard';
  cacheMinTokens: number;
  /** Forced tool use (`tool_choice` any/tool) returns 400 on the newest models. */
  forcedToolUse: boolean;
  /** Ending with an assistant turn (prefill) returns 400 on Claude 4.6 and later. */
  prefill: boolean;
  /** `thinking: {type: "enabled"}` returns 400: these models only think adaptively. */
  adaptiveOnly: boolean;
  /** The model thinks by default (thinking blocks come first, billed as output). */
  thinksByDefault: boolean;
  maxOutputTokens: number;
}

const high5 = (over: Partial<SimModel> = {}): SimModel => ({
  tier: 'high',
  cacheMinTokens: 512,
  forcedToolUse: false,
  prefill: false,
  adaptiveOnly: true,
  thinksByDefault: true,
  maxOutputTokens: 128_000,
  ...over,
});

export const SIM_MODELS: Record<string, SimModel> = {
  'claude-sonnet-5-5': high5(),
  'claude-opus-5-5': high5(),
  'claude-haiku-5-5': high5({ forcedToolUse: true }),
  'claude-fable-5-1': high5(),
  'claude-mythos-5-1': high5(),
  'claude-fable-5-2': high5(),
  'claude-mythos-5-2': high5(),
  'claude-opus-5': high5({ forcedToolUse: true }),
  'claude-sonnet-5': high5({ cacheMinTokens: 1024, forcedToolUse: true }),
  'claude-fable-5': high5(),
  'claude-mythos-5': high5(),
  'claude-opus-4-8': high5({ cacheMinTokens: 1024, forcedToolUse: true, adaptiveOnly: false }),
  'claude-opus-4-7': high5({ cacheMinTokens: 2048, forcedToolUse: true, adaptiveOnly: false }),
  'claude-opus-4-6': { tier: 'standard', cacheMinTokens: 4096, forcedToolUse: true, prefill: false, adaptiveOnly: false, thinksByDefault: false, maxOutputTokens: 64_000 },
  'claude-sonnet-4-6': { tier: 'standard', cacheMinTokens: 1024, forcedToolUse: true, prefill: false, adaptiveOnly: false, thinksByDefault: false, maxOutputTokens: 64_000 },
  'claude-haiku-4-5': { tier: 'standard', cacheMinTokens: 4096, forcedToolUse: true, prefill: true, adaptiveOnly: false, thinksByDefault: false, maxOutputTokens: 64_000 },
  'claude-sonnet-4-5': { tier: 'standard', cacheMinTokens: 1024, forcedToolUse: true, prefill: true, adaptiveOnly: false, thinksByDefault: false, maxOutputTokens: 64_000 },
};

export const SIM_TIERS = {
  high: { maxEdge: 2576, maxTokens: 4784 },
  standard: { maxEdge: 1568, maxTokens: 1568 },
} as const;
