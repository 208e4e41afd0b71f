import type Anthropic from '@anthropic-ai/sdk';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import type { ConnectionProblem, ConnectionTest } from '../../../shared/domain/connection';
import { describeTlsCode, describeWait, describeTransportCode, isTlsCode, permanentUrlProblem, transportCode, unreachableCodes } from '../util/fetchErrors';

/**
 * Settings → Anthropic → Test connection: one count_tokens request (free, and it names a model)
 * with the official SDK, the saved key and base URL, and the model pre-annotation would use.
 * Success means the key works and that model is available; each failure says what failed.
 */
export interface AnthropicCheckInput {
  apiKey: string | null;
  baseUrl: string;
  model: { id: string; label: string };
}

type Failure = { problem: ConnectionProblem; message: string };

const spendLimitCodes = new Set(['enforced_spend_limit_reached', 'contract_spend_limit_reached']);

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** "401 authentication_error: invalid x-api-key" */
const apiWords = (err: APIError): string => `${err.status} ${err.type ?? 'error'}${err.errorCode ? ` (${err.errorCode})` : ''}: ${err.apiMessage ?? err.message}`;

function classify(err: unknown, input: AnthropicCheckInput, timeoutMs: number): Failure {
  const host = hostOf(input.baseUrl);
  if (err instanceof APIConnectionTimeoutError) {
    return { problem: 'timeout', message: `${host} did not answer within ${describeWait(timeoutMs)}: the API or a proxy in between is not responding.` };
  }
  if (err instanceof APIConnectionError) {
    const permanent = permanentUrlProblem(input.baseUrl, err, 'Claude API');
    if (permanent) return { problem: 'bad_url', message: `The Anthropic base URL ${input.baseUrl} cannot be used: ${permanent}. Fix it above (or ANTHROPIC_BASE_URL).` };
    const code = transportCode(err.cause);
    if (isTlsCode(code)) return { problem: 'tls', message: `TLS with ${host} failed: ${describeTlsCode(code)}. Check the base URL (https:// or http://) and the server's certificate.` };
    if (unreachableCodes.has(code)) return { problem: 'unreachable', message: `Cannot reach ${host}: ${describeTransportCode(code)}. Check the base URL and your network.` };
    return { problem: 'unreachable', message: `The connection to ${host} failed: ${describeTransportCode(code === 'UNKNOWN' ? err.message : code)}.` };
  }
  if (!(err instanceof APIError) || err.status === undefined) return { problem: 'unexpected', message: `The check failed: ${(err as Error).message}` };
  // An error the API itself sends is JSON with a type; a page from something in between is not.
  const contentType = err.headers?.get('content-type') ?? '';
  if (!err.type && !contentType.includes('json')) {
    return {
      problem: 'not_json',
      message: `${host} answered HTTP ${err.status} with ${contentType.split(';')[0] || 'a body'} that is not the Claude API's JSON: a proxy or gateway in between failed or wants a sign-in. Check the base URL (the API is https://api.anthropic.com).`,
    };
  }
  const words = apiWords(err);
  if (err.status === 401) return { problem: 'bad_key', message: `Claude refused the API key (${words}). Copy the key again from the Claude Console and save it above.` };
  if (err.status === 403) return { problem: 'forbidden', message: `The key may not use this API (${words}). Use a key of a workspace with access.` };
  if (err.status === 404) {
    return /\bmodel\b/i.test(err.apiMessage ?? '')
      ? { problem: 'not_found', message: `The key works, but the model ${input.model.label} (${input.model.id}) is not available (${words}). Choose another default model above.` }
      : { problem: 'not_found', message: `There is no Claude API at ${input.baseUrl} (${words} for /v1/messages/count_tokens). Check the base URL: it is the address without /v1.` };
  }
  if (err.status === 429) {
    return err.errorCode && spendLimitCodes.has(err.errorCode)
      ? { problem: 'rate_limited', message: `The key works, but the organisation's spend limit is reached (${words}). Raise it in the Claude Console or wait until it resets.` }
      : { problem: 'rate_limited', message: `The key works, but it is rate-limited right now (${words}). Try again in a minute.` };
  }
  if (err.status >= 500) return { problem: 'server_error', message: `The Claude API has trouble right now (${words}). Try again later.` };
  return { problem: 'unexpected', message: `Claude refused the check (${words}).` };
}

export async function checkAnthropicConnection(input: AnthropicCheckInput, clientFor: (cfg: { apiKey: string; baseURL: string }) => Anthropic, timeoutMs = 15_000): Promise<ConnectionTest> {
  const started = Date.now();
  const result = (ok: boolean, problem: ConnectionProblem | null, message: string): ConnectionTest => ({
    service: 'anthropic',
    ok,
    problem,
    message,
    url: input.baseUrl,
    elapsedMs: Date.now() - started,
  });
  if (!input.apiKey) return result(false, 'no_key', 'No Anthropic API key: enter one above (from the Claude Console), or set ANTHROPIC_API_KEY.');
  const permanent = permanentUrlProblem(input.baseUrl, null, 'Claude API');
  if (permanent) return result(false, 'bad_url', `The Anthropic base URL ${input.baseUrl} cannot be used: ${permanent}. Fix it above (or ANTHROPIC_BASE_URL).`);
  try {
    const answer: unknown = await clientFor({ apiKey: input.apiKey, baseURL: input.baseUrl }).messages.countTokens(
      { model: input.model.id, messages: [{ role: 'user', content: 'Folio connection check' }] },
      { timeout: timeoutMs, maxRetries: 0 },
    );
    if (typeof answer !== 'object' || answer === null || typeof (answer as { input_tokens?: unknown }).input_tokens !== 'number') {
      return result(
        false,
        'not_json',
        `${hostOf(input.baseUrl)} answered, but not with the Claude API's JSON: is ${input.baseUrl} the API address (https://api.anthropic.com), or is a proxy or sign-in page in between?`,
      );
    }
    return result(true, null, `Claude answered at ${input.baseUrl}: key valid, model ${input.model.label} (${input.model.id}) available.`);
  } catch (err) {
    const f = classify(err, input, timeoutMs);
    return result(false, f.problem, f.message);
  }
}
