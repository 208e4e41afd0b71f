import { z } from 'zod';

/**
 * Settings → Test connection: one real request to Claude or W&B with the saved settings, and
 * what it showed. A failure names what failed, so the user knows which setting to fix.
 */
export const connectionServices = ['anthropic', 'wandb'] as const;
export const connectionServiceSchema = z.enum(connectionServices);
export type ConnectionService = z.infer<typeof connectionServiceSchema>;

export const connectionProblems = [
  'no_key', // no API key saved or in the environment
  'bad_url', // the base URL is not a usable http(s) URL
  'unreachable', // DNS, connection refused, no route
  'timeout', // connected (or trying), no answer in time
  'tls', // certificate or TLS handshake
  'bad_key', // 401: the key is wrong or revoked
  'forbidden', // 403: the key may not do this
  'not_found', // the model, entity or API path does not exist
  'not_json', // something answered, but not the service's JSON (a proxy, a login page, another server)
  'rate_limited', // 429 (rate or spend limit)
  'server_error', // 5xx, overloaded
  'unexpected', // anything else, with the service's words
] as const;
export const connectionProblemSchema = z.enum(connectionProblems);
export type ConnectionProblem = z.infer<typeof connectionProblemSchema>;

export const connectionTestSchema = z.object({
  service: connectionServiceSchema,
  ok: z.boolean(),
  /** What failed; null when the check passed. */
  problem: connectionProblemSchema.nullable(),
  /** One sentence: what was checked and found, or what failed and what to do. */
  message: z.string(),
  /** The base URL that was tried. */
  url: z.string(),
  elapsedMs: z.number().int().nonnegative(),
});
export type ConnectionTest = z.infer<typeof connectionTestSchema>;
