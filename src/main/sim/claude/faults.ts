import type { Rng } from '../../core/synth/random';
import { SimHttpError } from './validate';

export type FaultKind =
  | 'overloaded'
  | 'server_error'
  | 'rate_limit'
  | 'spend_limit'
  | 'unauthorized'
  | 'forbidden'
  | 'image_too_large'
  | 'bad_request'
  | 'reset'
  | 'stall_headers'
  | 'stall_body'
  | 'malformed'
  | 'truncated'
  | 'refusal'
  | 'off_schema_labels'
  | 'degenerate_boxes'
  /** Grounded answers (the request lists words): ids of other words, ids not listed, overlapping groups. */
  | 'grounded_wrong_ids'
  | 'grounded_unknown_ids'
  | 'grounded_overlapping_groups'
  | 'batch_expired'
  /** Not the API at all: a proxy, gateway or login page in front of it answers with HTML (status `status`, default 200). */
  | 'proxy_html';

export interface FaultRule {
  kind: FaultKind;
  /** How many matching requests get it (default 1; Infinity for all). */
  times?: number;
  /** Only requests about this synthetic document id (e.g. "invoice-7-3"). */
  documentId?: string;
  /** Chance a matching request gets it (default 1). */
  probability?: number;
  /** messages (default), count_tokens, or batch (applied while a batch is processed). */
  endpoint?: 'messages' | 'count_tokens' | 'batch';
  /** For proxy_html: the status the page comes with (default 200). */
  status?: number;
  /** For rate_limit: seconds of retry-after (simulated). */
  retryAfterSeconds?: number;
  /** For stalls: simulated ms before giving up (default: until the client hangs up). */
  stallMs?: number;
}

export interface SimFaultRates {
  /** Fraction of requests answered 529 overloaded_error. */
  overloaded?: number;
  /** Fraction of requests answered 500 api_error. */
  serverError?: number;
  /** Windows in which every request gets 429 + retry-after (simulated ms). */
  bursts429?: { everyMs: number; durationMs: number } | null;
}

/**
 * Fault injection: rules (consumed as they match) and rates (429 bursts, 529s and 500s). Draws
 * from the simulator's one seeded generator, so a seed replays the same faults.
 */
export class FaultInjector {
  private rules: (FaultRule & { left: number })[] = [];

  constructor(
    private readonly rng: Rng,
    private rates: SimFaultRates,
    /** Wall ms when the simulator started (burst windows count from here). */
    private readonly origin: number,
    private readonly scale: number,
  ) {}

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  setRates(rates: SimFaultRates): void {
    this.rates = rates;
  }

  clear(): void {
    this.rules = [];
    this.rates = {};
  }

  /** A rule or a rate that applies to this request, if any (rules are consumed). */
  pick(endpoint: 'messages' | 'count_tokens' | 'batch', documentId: string | null): FaultRule | null {
    for (const r of this.rules) {
      if ((r.endpoint ?? 'messages') !== endpoint || r.left <= 0) continue;
      if (r.documentId && r.documentId !== documentId) continue;
      if (r.probability !== undefined && !this.rng.chance(r.probability)) continue;
      r.left--;
      return r;
    }
    const u = this.rng.next();
    const rates = this.rates;
    if (endpoint === 'messages' || endpoint === 'batch') {
      if (u < (rates.overloaded ?? 0)) return { kind: 'overloaded' };
      if (u < (rates.overloaded ?? 0) + (rates.serverError ?? 0)) return { kind: 'server_error' };
    }
    return null;
  }

  /** Inside a 429 burst: the wall ms it has left; else null. */
  inBurst(): number | null {
    const b = this.rates.bursts429;
    if (!b) return null;
    const t = (Date.now() - this.origin) / this.scale;
    const phase = t % b.everyMs;
    // The first window starts one period in, so a run gets going before the first burst.
    if (t >= b.everyMs && phase < b.durationMs) return b.durationMs - phase;
    return null;
  }
}

/** The API error a fault answers with; null for faults that are not an error response. */
export function faultError(f: FaultRule): SimHttpError | null {
  switch (f.kind) {
    case 'overloaded':
      return new SimHttpError(529, 'overloaded_error', 'Overloaded');
    case 'server_error':
      return new SimHttpError(500, 'api_error', 'Internal server error');
    case 'rate_limit':
      return new SimHttpError(429, 'rate_limit_error', 'This request would exceed your organization’s rate limit. Please retry after the time in the retry-after header.', undefined, {
        'retry-after': String(f.retryAfterSeconds ?? 1),
      });
    case 'spend_limit':
      return new SimHttpError(
        429,
        'rate_limit_error',
        'You have reached your API usage limits: your organization has crossed its monthly API usage threshold. You will regain access at the start of next month.',
        { error_code: 'enforced_spend_limit_reached' },
      );
    case 'unauthorized':
      return new SimHttpError(401, 'authentication_error', 'invalid x-api-key');
    case 'forbidden':
      return new SimHttpError(403, 'permission_error', 'Your API key does not have permission to use the specified resource.');
    case 'image_too_large':
      return new SimHttpError(400, 'invalid_request_error', 'messages.0.content.0: the image is larger than this model accepts', {
        error_code: 'image_dimensions_too_large',
        max_side_length_pixels: 1568,
        paths: ['messages.0.content.0'],
      });
    case 'bad_request':
      return new SimHttpError(400, 'invalid_request_error', 'messages.0.content.1.text: the simulator was told to refuse this request');
    default:
      return null;
  }
}
