/**
 * Faults the simulator can inject, so tests exercise the client's retry and recovery paths over
 * real HTTP: error statuses (with Retry-After), 401s, connection resets part-way through a
 * request body, slow responses, and answers that never end or end early.
 */

export type SimRoute = 'graphql' | 'upload' | 'download' | 'filestream';

export type FaultAction =
  /** Answer with this status (and Retry-After, when given) instead of handling the request. */
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  /** Answer 401 as for a bad API key. */
  | { kind: 'unauthorized' }
  /** Read part of the request body (default: half), then destroy the connection. */
  | { kind: 'reset'; afterBytes?: number }
  /** Wait before handling the request normally. */
  | { kind: 'delay'; ms: number }
  /** Handle the request, then destroy the connection instead of answering (the client never learns the outcome). */
  | { kind: 'drop-response' }
  /**
   * Answer 200 with a body generated as it is sent (never held in memory): `bytes` of it (default:
   * without end, until the client hangs up). Content-Length: the true size when there is one,
   * `'none'` for a chunked body, or a number to lie with; a declared size above what is sent ends
   * with the connection destroyed (a body cut short).
   */
  | { kind: 'flood'; bytes?: number; contentLength?: number | 'none' };

export interface FaultRule {
  route?: SimRoute;
  /** GraphQL operationName, for route 'graphql'. */
  operation?: string;
  action: FaultAction;
  /** Let this many matching requests through before the rule starts to apply. */
  skip?: number;
  /** Apply to this many matching requests, then retire (default: forever). */
  times?: number;
  /** Apply to each matching request with this probability (seeded). */
  probability?: number;
}

interface ActiveRule extends FaultRule {
  seen: number;
  applied: number;
}

export class Faults {
  private rules: ActiveRule[] = [];
  private seed: number;
  /** Every fault applied, for assertions: route, operation and action kind. */
  readonly log: { route: SimRoute; operation: string | null; kind: FaultAction['kind'] }[] = [];
  /** Body bytes the flood fault has written to sockets (what the client may have read is at most this). */
  flooded = 0;

  constructor(seed = 1) {
    this.seed = seed >>> 0 || 1;
  }

  private random(): number {
    // mulberry32
    let t = (this.seed += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  add(rule: FaultRule): this {
    this.rules.push({ ...rule, seen: 0, applied: 0 });
    return this;
  }

  clear(): void {
    this.rules = [];
  }

  get pending(): number {
    return this.rules.filter((r) => r.times === undefined || r.applied < r.times).length;
  }

  /** The first rule that applies to this request, if any (and count it). */
  match(route: SimRoute, operation: string | null): FaultAction | null {
    for (const rule of this.rules) {
      if (rule.route && rule.route !== route) continue;
      if (rule.operation && rule.operation !== operation) continue;
      if (rule.times !== undefined && rule.applied >= rule.times) continue;
      rule.seen++;
      if (rule.skip !== undefined && rule.seen <= rule.skip) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.applied++;
      this.log.push({ route, operation, kind: rule.action.kind });
      return rule.action;
    }
    return null;
  }
}
