import type { ModelPrices } from './catalog';

/** Token counts as the API reports them in `usage` (cache reads and writes apart from input). */
export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export const zeroUsage = (): TokenUsage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 });

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
    cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
  };
}

interface ApiUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
}

/** `usage` of a response → our counts. Cache writes without a breakdown count as 5-minute writes. */
export function usageFromApi(u: ApiUsage | null | undefined): TokenUsage {
  const n = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  const total = n(u?.cache_creation_input_tokens);
  const w1h = n(u?.cache_creation?.ephemeral_1h_input_tokens);
  const w5m = u?.cache_creation ? n(u.cache_creation.ephemeral_5m_input_tokens) : total - w1h;
  return { input: n(u?.input_tokens), output: n(u?.output_tokens), cacheRead: n(u?.cache_read_input_tokens), cacheWrite5m: Math.max(0, w5m), cacheWrite1h: w1h };
}

/** Tokens that count against the input-tokens-per-minute limit: cache reads do not. */
export const itpmTokens = (u: TokenUsage): number => u.input + u.cacheWrite5m + u.cacheWrite1h;

/**
 * Dollars for a usage. Batches are billed at the batch input/output prices, and the batch
 * discount stacks with the cache multipliers (so cache reads and writes cost half too).
 */
export function costUsd(u: TokenUsage, prices: ModelPrices, batch = false): number {
  const k = batch ? prices.batchInput / prices.input || 0.5 : 1;
  const dollars =
    u.input * (batch ? prices.batchInput : prices.input) +
    u.output * (batch ? prices.batchOutput : prices.output) +
    u.cacheRead * prices.cacheRead * k +
    u.cacheWrite5m * prices.cacheWrite5m * k +
    u.cacheWrite1h * prices.cacheWrite1h * k;
  return dollars / 1e6;
}

export interface CostEstimate {
  model: string;
  mode: 'online' | 'batch';
  pages: number;
  tokens: TokenUsage;
  usd: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number };
  perPageUsd: number;
  basis: {
    /** Visual tokens of all pages after resizing to the model's tier (the documented formula). */
    imageTokens: number;
    /** System prompt + schema: written to the cache once, then read per page (when long enough to cache). */
    prefixTokens: number;
    prefixCached: boolean;
    /** Per-page text after the image. */
    pageTextTokens: number;
    outputTokensPerPage: number;
    /** Where the expected output came from: this project's finished pages, or the model table's prior. */
    outputSource: 'history' | 'prior';
    /** How the prompt text was counted: the API's count_tokens, or Folio's approximation. */
    textCounting: 'count_tokens' | 'approximate';
  };
}

/** What an estimate is made of: its basis, with each page's image tokens in place of their sum. */
type CostInputs = Omit<CostEstimate['basis'], 'imageTokens'> & {
  model: string;
  prices: ModelPrices;
  batch: boolean;
  pageImageTokens: number[];
};

export function estimateCost(opts: CostInputs): CostEstimate {
  const pages = opts.pageImageTokens.length;
  const imageTokens = opts.pageImageTokens.reduce((a, b) => a + b, 0);
  const tokens: TokenUsage = {
    input: imageTokens + pages * opts.pageTextTokens + (opts.prefixCached ? 0 : pages * opts.prefixTokens),
    output: pages * opts.outputTokensPerPage,
    cacheRead: opts.prefixCached ? Math.max(0, pages - 1) * opts.prefixTokens : 0,
    cacheWrite5m: opts.prefixCached && pages > 0 ? opts.prefixTokens : 0,
    cacheWrite1h: 0,
  };
  const part = (u: Partial<TokenUsage>) => costUsd({ ...zeroUsage(), ...u }, opts.prices, opts.batch);
  const usd = {
    input: part({ input: tokens.input }),
    output: part({ output: tokens.output }),
    cacheRead: part({ cacheRead: tokens.cacheRead }),
    cacheWrite: part({ cacheWrite5m: tokens.cacheWrite5m }),
    total: costUsd(tokens, opts.prices, opts.batch),
  };
  return {
    model: opts.model,
    mode: opts.batch ? 'batch' : 'online',
    pages,
    tokens,
    usd,
    perPageUsd: pages ? usd.total / pages : 0,
    basis: {
      imageTokens,
      prefixTokens: opts.prefixTokens,
      prefixCached: opts.prefixCached,
      pageTextTokens: opts.pageTextTokens,
      outputTokensPerPage: opts.outputTokensPerPage,
      outputSource: opts.outputSource,
      textCounting: opts.textCounting,
    },
  };
}
