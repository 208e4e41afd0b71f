import type { VisionTier } from './catalog';

/**
 * Claude's image arithmetic (platform.claude.com/docs/en/build-with-claude/vision): an image is
 * seen in 28×28-pixel patches, one visual token each; an image over the tier's long-edge or token
 * budget is scaled to the largest aspect-preserving size that fits, then padded right and bottom.
 * Folio resizes pages itself to exactly that size, so the model's coordinates are in the image
 * Folio sent and map back to the original per axis.
 */

export const PATCH = 28;

export const imageTokens = (w: number, h: number): number => Math.ceil(w / PATCH) * Math.ceil(h / PATCH);

const fitsTier = (w: number, h: number, maxEdge: number, maxTokens: number): boolean =>
  Math.ceil(w / PATCH) * PATCH <= maxEdge && Math.ceil(h / PATCH) * PATCH <= maxEdge && imageTokens(w, h) <= maxTokens;

/** The size the API would scale an image to (the docs' reference algorithm). */
export function resizedSize(w: number, h: number, tier: VisionTier): { width: number; height: number } {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new RangeError(`image size must be positive integers, got ${w} × ${h}`);
  const { maxEdge, maxTokens } = tier;
  if (fitsTier(w, h, maxEdge, maxTokens)) return { width: w, height: h };
  if (h > w) {
    const r = resizedSize(h, w, tier);
    return { width: r.height, height: r.width };
  }
  const ar = w / h;
  let lo = 1;
  let hi = w;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >> 1;
    if (fitsTier(mid, Math.max(Math.round(mid / ar), 1), maxEdge, maxTokens)) lo = mid;
    else hi = mid;
  }
  return { width: lo, height: Math.max(Math.round(lo / ar), 1) };
}

/** The standard tier, which every model accepts: where a page goes after a 400 for its size. */
export const STANDARD_TIER: VisionTier = { maxEdge: 1568, maxTokens: 1568 };

/** Hard limits of the Messages API for one image, whatever the tier. */
export const API_IMAGE_LIMITS = { maxSide: 8000, maxBase64Bytes: 10 * 1024 * 1024 } as const;

/**
 * Where a page goes after the API refused its size (a 400 image_dimensions_too_large or a 413):
 * the standard tier, capped by the longest side the error names; when the page already fits
 * that, three quarters of its size — the retry must send something smaller.
 */
export function downsizedTier(orig: { width: number; height: number }, maxSide: number | null = null): VisionTier {
  const edge = Math.min(STANDARD_TIER.maxEdge, maxSide ?? Infinity);
  const tier = { maxEdge: Math.max(PATCH, edge), maxTokens: STANDARD_TIER.maxTokens };
  const r = resizedSize(orig.width, orig.height, tier);
  if (r.width < orig.width || r.height < orig.height) return tier;
  return {
    maxEdge: Math.max(PATCH, Math.floor(Math.max(orig.width, orig.height) * 0.75)),
    maxTokens: Math.max(1, Math.floor(imageTokens(orig.width, orig.height) * 0.56)),
  };
}
