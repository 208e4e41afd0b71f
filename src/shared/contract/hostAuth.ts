import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';

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
 * The page signs synchronously while rendering, and Web Crypto is asynchronous only, hence
 * @noble/hashes (audited, synchronous, no platform code); the host uses the same function so both
 * sides cannot drift apart.
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

const utf8 = (s: string) => new TextEncoder().encode(s);

/** HMAC-SHA-256 (RFC 2104), synchronous, the same in the page and the host. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sha256, key, message);
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
