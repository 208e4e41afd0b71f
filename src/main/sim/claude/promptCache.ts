import { simTextTokens } from './tokens';
import type { ValidRequest } from './validate';

const CACHE_TTL_MS = 5 * 60_000;

interface CacheEntry {
  availableAt: number;
  expiresAt: number;
}

/** What one request is billed: read from or written to the cache, and what counts against input-TPM. */
export interface TokenAccount {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  itpm: number;
  total: number;
}

/**
 * The prompt cache and the token accounting that depends on it: a prefix (system with a breakpoint
 * + output format) of at least the model's minimum is written once and read after; an entry exists
 * only once its first response begins.
 */
export class PromptCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly prefixTokens = new Map<string, number>();

  constructor(private readonly timeScale: number) {}

  /** Bills `v` at `now`; a dry run (count_tokens, a rate-limit check) leaves the cache as it is. */
  account(v: ValidRequest, now: number, latencyWall: number, dryRun: boolean): TokenAccount {
    const prefix = this.prefixOf(v);
    const messages = v.messageTextTokens + v.images.reduce((a, i) => a + i.tokens, 0);
    let cacheRead = 0;
    let cacheWrite = 0;
    let input = messages;
    if (v.systemCached && prefix >= v.spec.cacheMinTokens) {
      const e = this.entries.get(v.cacheKey);
      if (e && e.availableAt <= now && e.expiresAt > now) {
        cacheRead = prefix;
        if (!dryRun) e.expiresAt = now + CACHE_TTL_MS * this.timeScale;
      } else {
        cacheWrite = prefix;
        if (!dryRun) {
          const availableAt = e && e.expiresAt > now ? Math.min(e.availableAt, now + latencyWall) : now + latencyWall;
          this.entries.set(v.cacheKey, { availableAt, expiresAt: availableAt + CACHE_TTL_MS * this.timeScale });
        }
      }
    } else {
      input += prefix;
    }
    return { input, cacheRead, cacheWrite, itpm: input + cacheWrite, total: input + cacheRead + cacheWrite };
  }

  /** Tokens of the cacheable prefix, memoised by cache key (bounded, the schema is long). */
  private prefixOf(v: ValidRequest): number {
    let prefix = this.prefixTokens.get(v.cacheKey);
    if (prefix === undefined) {
      prefix = simTextTokens(v.systemText) + (v.schema ? simTextTokens(JSON.stringify(v.schema)) + 50 : 0);
      if (this.prefixTokens.size > 1000) this.prefixTokens.clear();
      this.prefixTokens.set(v.cacheKey, prefix);
    }
    return prefix;
  }
}
