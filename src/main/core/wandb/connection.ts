import type { ConnectionProblem, ConnectionTest } from '../../../shared/domain/connection';
import { describeTlsCode, describeWait, describeTransportCode, isTlsCode, transportCode } from '../util/fetchErrors';
import { WandbClient } from './client';
import { probePolicy, WandbError } from './http';

/**
 * Settings → Weights & Biases → Test connection, with Folio's own client and the saved settings:
 * the Viewer query (is something there, is it W&B, is the key good, whose is it), then the entity
 * sync writes to (one of the key's own) and the project in it. Each failure says what failed.
 */
export interface WandbCredentials {
  apiKey: string | null;
  baseUrl: string;
  entity: string | null;
  project: string;
}

export interface WandbCheckOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

type Failure = { problem: ConnectionProblem; message: string };

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A failed request of the check as a problem a person can act on. */
function classify(err: unknown, baseUrl: string, timeoutMs: number): Failure {
  const host = hostOf(baseUrl);
  if (!(err instanceof WandbError)) return { problem: 'unexpected', message: `The check failed: ${(err as Error).message}` };
  const code = transportCode(err.cause);
  switch (err.kind) {
    case 'config':
      return { problem: 'bad_url', message: err.message };
    case 'unreachable':
      return { problem: 'unreachable', message: `Cannot reach ${host}: ${describeTransportCode(code)}. Check the base URL and your network.` };
    case 'auth':
      return { problem: 'bad_key', message: `${host} refused the API key (HTTP 401). Copy the key again from your W&B settings (wandb.ai/authorize) and save it above.` };
    case 'permission':
      return { problem: 'forbidden', message: `${host} says the key may not do this (${err.message}).` };
    case 'protocol':
      return {
        problem: 'not_json',
        message: `${host} answered, but not with W&B's GraphQL JSON: is ${baseUrl} the W&B API address (for wandb.ai it is https://api.wandb.ai), or is a proxy or login page in between?`,
      };
    case 'exhausted':
      if (code === 'TIMEOUT') return { problem: 'timeout', message: `${host} did not answer within ${describeWait(timeoutMs)}: the server or a proxy in between is not responding.` };
      return { problem: 'unreachable', message: `The connection to ${host} failed: ${describeTransportCode(code)}.` };
    case 'http':
      if (err.status === null && isTlsCode(code)) return { problem: 'tls', message: `TLS with ${host} failed: ${describeTlsCode(code)}. Check the base URL (https:// or http://) and the server's certificate.` };
      if (err.status === 404) return { problem: 'not_found', message: `There is no W&B API at ${baseUrl}/graphql (HTTP 404): check the base URL (for wandb.ai it is https://api.wandb.ai).` };
      if (err.status !== null && err.status >= 500) return { problem: 'server_error', message: `${host} (or a proxy in front of it) answered HTTP ${err.status}: the server has trouble right now; try again later.` };
      return { problem: 'unexpected', message: err.message };
    case 'graphql':
      return { problem: 'unexpected', message: err.message };
    case 'aborted':
      return { problem: 'timeout', message: `The check of ${host} was stopped.` };
  }
}

export async function checkWandbConnection(creds: WandbCredentials, opts: WandbCheckOptions = {}): Promise<ConnectionTest> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const result = (ok: boolean, problem: ConnectionProblem | null, message: string): ConnectionTest => ({
    service: 'wandb',
    ok,
    problem,
    message,
    url: creds.baseUrl,
    elapsedMs: Date.now() - started,
  });
  const fail = (f: Failure) => result(false, f.problem, f.message);
  if (!creds.apiKey) {
    return result(false, 'no_key', 'No W&B API key: enter one above (from wandb.ai/authorize), or set WANDB_API_KEY, or add the host to ~/.netrc.');
  }

  let client: WandbClient;
  try {
    client = new WandbClient({ baseUrl: creds.baseUrl, apiKey: creds.apiKey, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  } catch (err) {
    return fail(classify(err, creds.baseUrl, timeoutMs));
  }
  const probe = probePolicy(timeoutMs);
  let viewer: Awaited<ReturnType<WandbClient['viewer']>>;
  try {
    viewer = await client.viewer(probe);
  } catch (err) {
    return fail(classify(err, creds.baseUrl, timeoutMs));
  }
  const host = hostOf(creds.baseUrl);
  if (!viewer) return result(false, 'bad_key', `${host} did not recognise the API key (it answered, but with no user for it). Copy the key again and save it above.`);

  const who = viewer.username ?? viewer.email ?? viewer.id;
  // Sync writes runs and artifacts to the entity: the key's own, or a team it belongs to.
  const own = [viewer.entity, ...viewer.teams].filter((e): e is string => !!e);
  const entity = creds.entity ?? viewer.entity;
  if (!entity) return result(false, 'not_found', `Connected as ${who}, but W&B did not say which entity the key belongs to: enter the entity above.`);
  if (!own.includes(entity)) {
    return result(false, 'not_found', `Connected as ${who}, but the entity "${entity}" is not one this key can write to (${own.join(', ') || 'none'}). Fix the entity above.`);
  }

  let project: Awaited<ReturnType<WandbClient['project']>>;
  try {
    project = await client.project(entity, creds.project, probe);
  } catch (err) {
    if (err instanceof WandbError && err.kind === 'permission') {
      return result(false, 'forbidden', `Connected as ${who}, but the key may not read the project "${creds.project}" of "${entity}" (${err.message}).`);
    }
    return fail(classify(err, creds.baseUrl, timeoutMs));
  }
  const entityNote = creds.entity ? `entity ${entity}` : `entity ${entity}, the key's default`;
  const projectNote = project ? `project ${entity}/${creds.project} found` : `project ${entity}/${creds.project} does not exist yet; the first sync creates it`;
  return result(true, null, `Connected to ${creds.baseUrl} as ${who} (${entityNote}); ${projectNote}.`);
}
