/**
 * How a page of the browser host proves it holds the host's per-start token, without a cookie:
 * cookies are scoped to a host name, not a port, so every other service on localhost would be sent
 * one. The page keeps the token in its own memory and sessionStorage (per origin, port included).
 *
 *  - WebSocket: the token rides in `Sec-WebSocket-Protocol` beside RPC_PROTOCOL, which the host
 *    selects; a browser cannot set other headers on a WebSocket.
 *  - Uploads: the TOKEN_HEADER request header (fetch and XMLHttpRequest can set it; another
 *    origin cannot without a CORS preflight, which the host never grants).
 *  - Media (`<img src>`, no headers possible): a URL signed with HMAC-SHA-256 over its path and an
 *    expiry, keyed by a secret derived from the token, so a copied media URL opens that one file
 *    for a bounded time and does not reveal the token.
 *
 * The page signs synchronously while rendering, and Web Crypto is asynchronous only, hence the
 * small SHA-256 below; the host uses the same code so both sides cannot drift apart.
 */

export const RPC_PROTOCOL = 'folio.v1';
const TOKEN_PROTOCOL_PREFIX = 'folio.token.';
export const TOKEN_HEADER = 'x-folio-token';
export const MEDIA_PREFIX = '/media/';
/** A socket of the host's own page with a wrong or missing token is closed with this code (a page cannot read a refused handshake's status). */
export const TOKEN_REFUSED_CLOSE = 4401;

/** A signed media URL is reused for MEDIA_URL_STEP_S (so the browser's cache keeps hitting), then expires at most one step later. */
export const MEDIA_URL_STEP_S = 3600;
/** The host refuses expiries further ahead than this, so even the page cannot mint a long-lived URL. */
export const MEDIA_URL_MAX_AHEAD_S = 2 * MEDIA_URL_STEP_S + 60;

/** The subprotocol list a client offers: the one the host selects, then the token. */
export function rpcProtocols(token: string): string[] {
  return [RPC_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
}

/** The token a client offered in its subprotocol list, or null. */
export function tokenFromProtocols(offered: Iterable<string>): string | null {
  for (const p of offered) if (p.startsWith(TOKEN_PROTOCOL_PREFIX)) return p.slice(TOKEN_PROTOCOL_PREFIX.length);
  return null;
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 (FIPS 180-4) of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const bitLength = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = (h[0]! + a) >>> 0;
    h[1] = (h[1]! + b) >>> 0;
    h[2] = (h[2]! + c) >>> 0;
    h[3] = (h[3]! + d) >>> 0;
    h[4] = (h[4]! + e) >>> 0;
    h[5] = (h[5]! + f) >>> 0;
    h[6] = (h[6]! + g) >>> 0;
    h[7] = (h[7]! + hh) >>> 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]!);
  return out;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** HMAC-SHA-256 (RFC 2104). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? sha256(key) : key);
  const inner = new Uint8Array(64 + message.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    inner[i] = block[i]! ^ 0x36;
    outer[i] = block[i]! ^ 0x5c;
  }
  inner.set(message, 64);
  outer.set(sha256(inner), 64);
  return sha256(outer);
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The key media URLs are signed with: derived from the token, so a signature never exposes the token itself. */
export function mediaKey(token: string): Uint8Array {
  return hmacSha256(utf8(token), utf8('folio media URL key'));
}

/** The signature of `pathname` (exactly as the URL carries it, percent-encoding included) until `expires` (Unix seconds). */
export function mediaSignature(key: Uint8Array, pathname: string, expires: number): string {
  return base64url(hmacSha256(key, utf8(`${expires}\n${pathname}`)));
}

/** The signed URL of a media file (`docs/…/page.webp`) at `nowMs`. */
export function signedMediaUrl(key: Uint8Array, mediaPath: string, nowMs: number): string {
  const pathname = MEDIA_PREFIX + mediaPath.split('/').map(encodeURIComponent).join('/');
  // Rounded up to the next step and one more, so the same URL is built for a whole step and stays valid at least a step.
  const expires = (Math.floor(nowMs / 1000 / MEDIA_URL_STEP_S) + 2) * MEDIA_URL_STEP_S;
  return `${pathname}?exp=${expires}&sig=${mediaSignature(key, pathname, expires)}`;
}
