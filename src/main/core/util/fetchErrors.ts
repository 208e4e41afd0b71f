/**
 * What a failed `fetch` (undici) means, for every remote service Folio talks to: the innermost
 * error code, whether the host could not be reached at all, whether TLS failed, and whether the
 * URL itself can never work. The W&B client's retry policy and the Settings connection checks
 * read failures the same way through here.
 */

/** No connection could be made: nothing listens, the name does not resolve, no route. */
export const unreachableCodes: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The TLS handshake failed: a certificate that is expired, self-signed, for another name or not
 * trusted, or a server that does not speak TLS on that port (an http:// server behind https://).
 * Retrying cannot help.
 */
export function isTlsCode(code: string): boolean {
  return /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/.test(code) || code === 'EPROTO';
}

/** Codes that are final without being a network outage (TLS, a request fetch refuses to build). */
export function isFinalTransportCode(code: string): boolean {
  return isTlsCode(code) || code === 'ERR_INVALID_PROTOCOL' || code === 'UND_ERR_INVALID_ARG';
}

/** The innermost error code of a fetch failure; 'TIMEOUT' for a timeout signal, 'UNKNOWN' when none is given. */
export function transportCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if ((e as { name?: string }).name === 'TimeoutError') return 'TIMEOUT';
    e = (e as { cause?: unknown }).cause;
  }
  return 'UNKNOWN';
}

/**
 * Why fetch refuses this URL for good, or null. Undici rejects a port of the Fetch standard's
 * "bad port" list (6000, 6665–6669, 25, …) and a scheme it has no fetch for with a TypeError
 * "fetch failed" whose cause is an Error "bad port" / "unknown scheme" and carries no code; an
 * unparseable URL throws ERR_INVALID_URL before any connection. `service` names the server in
 * the advice ("use the port the W&B server listens on").
 */
export function permanentUrlProblem(url: string, err: unknown, service: string): string | null {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    return 'it is not a valid URL';
  }
  const messages: string[] = [];
  let code: string | null = null;
  for (let e: unknown = err, i = 0; i < 5 && e; i++, e = (e as { cause?: unknown }).cause) {
    if (typeof (e as { message?: unknown }).message === 'string') messages.push((e as { message: string }).message);
    if (code === null && typeof (e as { code?: unknown }).code === 'string') code = (e as { code: string }).code;
  }
  if (code === 'ERR_INVALID_URL') return 'it is not a valid URL';
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `only http:// and https:// URLs can be used, not ${parsed.protocol}//`;
  if (code === null && messages.includes('bad port')) {
    return `port ${parsed.port} is one that fetch refuses to connect to (a "bad port" of the Fetch standard, kept for other protocols such as X11 on 6000); use the port the ${service} server listens on, e.g. 8080, 443 or 80`;
  }
  if (code === null && messages.includes('unknown scheme')) return `fetch cannot use ${parsed.protocol}// URLs`;
  return null;
}

const unreachableWords: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens on that port)',
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'the host name could not be looked up (DNS did not answer)',
  ENETUNREACH: 'there is no route to that network',
  EHOSTUNREACH: 'there is no route to that host',
  ENETDOWN: 'the network is down',
  EHOSTDOWN: 'the host is down',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
};

/** "the connection was refused (nothing listens on that port) (ECONNREFUSED)" */
export function describeTransportCode(code: string): string {
  const words = unreachableWords[code];
  return words ? `${words} (${code})` : code;
}

const tlsWords: [RegExp, string][] = [
  [/^ERR_SSL_WRONG_VERSION_NUMBER$|^EPROTO$/, 'the server does not speak TLS on that port (is it an http:// address?)'],
  [/^CERT_HAS_EXPIRED$/, 'its certificate has expired'],
  [/^CERT_NOT_YET_VALID$/, 'its certificate is not valid yet (is this computer’s clock right?)'],
  [/SELF_SIGNED/, 'its certificate is self-signed, so it cannot be trusted'],
  [/^ERR_TLS_CERT_ALTNAME_INVALID$|HOSTNAME_MISMATCH/, 'its certificate is for another host name'],
  [/^UNABLE_TO_/, 'its certificate cannot be verified (an unknown certificate authority, or a proxy that inspects TLS)'],
];

/** "its certificate has expired (CERT_HAS_EXPIRED)" */
export function describeTlsCode(code: string): string {
  const found = tlsWords.find(([pattern]) => pattern.test(code));
  return found ? `${found[1]} (${code})` : `the TLS handshake failed (${code})`;
}

/** "10 s", "400 ms": how long a check waited, for messages. */
export function describeWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
