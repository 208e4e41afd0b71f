import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256, MEDIA_URL_MAX_AHEAD_S, MEDIA_URL_STEP_S, mediaKey, mediaSignature, signedMediaUrl } from '../../src/shared/contract/hostAuth';

/** The page signs media URLs synchronously (Web Crypto is asynchronous only); its HMAC must agree with the host's Node. */
describe('the media URL signature', () => {
  it('computes HMAC-SHA-256 exactly as node:crypto does, across block boundaries and long keys', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000]) {
      const data = randomBytes(length);
      for (const keyLength of [0, 16, 32, 64, 65, 200]) {
        const key = randomBytes(keyLength);
        expect(Buffer.from(hmacSha256(key, data)).toString('hex'), `hmac ${keyLength}/${length}`).toBe(createHmac('sha256', key).update(data).digest('hex'));
      }
    }
  });

  it('keeps one URL for a whole step, valid at least one step and never past the host’s limit', () => {
    const key = mediaKey('token');
    const start = Date.UTC(2026, 0, 1, 10, 0, 0);
    const a = new URL(signedMediaUrl(key, 'docs/a b/page.webp', start), 'http://h');
    const b = new URL(signedMediaUrl(key, 'docs/a b/page.webp', start + (MEDIA_URL_STEP_S * 1000 - 1)), 'http://h');
    expect(a.href).toBe(b.href);
    expect(a.pathname).toBe('/media/docs/a%20b/page.webp');
    const exp = Number(a.searchParams.get('exp'));
    expect(a.searchParams.get('sig')).toBe(mediaSignature(key, a.pathname, exp));
    expect(exp - (start + MEDIA_URL_STEP_S * 1000 - 1) / 1000).toBeGreaterThanOrEqual(MEDIA_URL_STEP_S);
    expect(exp - start / 1000).toBeLessThanOrEqual(MEDIA_URL_MAX_AHEAD_S);
  });
});
