import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { checkAnthropicConnection } from '../../src/main/core/preannotate/connection';
import { bundledCatalogPath } from '../../src/main/core/preannotate/catalog';
import { WandbClient } from '../../src/main/core/wandb/client';
import { checkWandbConnection } from '../../src/main/core/wandb/connection';
import { startClaudeSimulator, type ClaudeSimulator } from '../../src/main/sim/claude';
import { DEFAULT_SIM_USERS, startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { deadPort } from '../helpers/ports';

const SIM_USER = DEFAULT_SIM_USERS[0]!;

describe('Settings → Test connection', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let dead: number;
  const test = (service: 'anthropic' | 'wandb') => core.api['settings.testConnection']({ service });

  beforeEach(async () => {
    dir = tempDir();
    core = await openTestCore(dir.path);
    dead = await deadPort();
  });
  afterEach(async () => {
    await core.close();
    dir.cleanup();
  });

  describe('W&B, with Folio’s client against the W&B simulator', () => {
    let sim: WandbSim;
    beforeAll(async () => {
      sim = await startWandbSim();
    });
    afterAll(async () => {
      await sim.close();
    });
    afterEach(() => sim.faults.clear());

    const configure = async (baseUrl: string, opts: { key?: string | null; entity?: string | null } = {}) => {
      core.settings.update({ wandb: { baseUrl, entity: opts.entity === undefined ? SIM_USER.entity : opts.entity, project: 'biz-doc-vqa' } });
      core.settings.setSecret('wandbApiKey', opts.key === undefined ? SIM_USER.apiKey : opts.key);
    };

    it('says what it checked when everything works, and whether the project exists yet', async () => {
      await configure(sim.url);
      const viewers = sim.stats.operations.Viewer ?? 0;
      const first = await test('wandb');
      expect(first).toMatchObject({ service: 'wandb', ok: true, problem: null, url: sim.url });
      expect(first.message).toBe(`Connected to ${sim.url} as folio-dev (entity folio-team); project folio-team/biz-doc-vqa does not exist yet; the first sync creates it.`);
      // Once a run made the project, the check finds it; with no entity saved, the key's default is used and said so.
      await new WandbClient({ baseUrl: sim.url, apiKey: SIM_USER.apiKey }).upsertRun({ name: 'r1', project: 'biz-doc-vqa', entity: 'folio-team' });
      await configure(sim.url, { entity: null });
      expect((await test('wandb')).message).toBe(`Connected to ${sim.url} as folio-dev (entity folio-team, the key's default); project folio-team/biz-doc-vqa found.`);
      expect(sim.stats.operations.Viewer).toBe(viewers + 2);
    });

    it('no key', async () => {
      await configure(sim.url, { key: null });
      const before = sim.stats.requests.graphql;
      expect(await test('wandb')).toMatchObject({ ok: false, problem: 'no_key', message: expect.stringContaining('No W&B API key') });
      expect(sim.stats.requests.graphql).toBe(before);
    });

    it('a bad key (401)', async () => {
      await configure(sim.url, { key: 'local-' + 'b'.repeat(40) });
      const r = await test('wandb');
      expect(r).toMatchObject({ ok: false, problem: 'bad_key' });
      expect(r.message).toBe(`127.0.0.1:${sim.port} refused the API key (HTTP 401). Copy the key again from your W&B settings (wandb.ai/authorize) and save it above.`);
    });

    it('no permission (403)', async () => {
      await configure(sim.url);
      sim.faults.add({ route: 'graphql', operation: 'Viewer', action: { kind: 'status', status: 403, body: JSON.stringify({ errors: [{ message: 'permission denied' }] }) } });
      expect(await test('wandb')).toMatchObject({ ok: false, problem: 'forbidden', message: expect.stringContaining('permission denied (HTTP 403)') });
    });

    it('a wrong entity names the ones the key can use', async () => {
      await configure(sim.url, { entity: 'someone-else' });
      expect(await test('wandb')).toMatchObject({
        ok: false,
        problem: 'not_found',
        message: 'Connected as folio-dev, but the entity "someone-else" is not one this key can write to (folio-team, acme). Fix the entity above.',
      });
    });

    it('a project the key may not read (403 on the project)', async () => {
      await configure(sim.url);
      sim.faults.add({ route: 'graphql', operation: 'FolioProject', action: { kind: 'status', status: 403, body: JSON.stringify({ errors: [{ message: 'permission denied' }] }) } });
      expect(await test('wandb')).toMatchObject({ ok: false, problem: 'forbidden', message: expect.stringContaining('may not read the project "biz-doc-vqa" of "folio-team"') });
    });

    it('host unreachable: connection refused, and a name that does not resolve, each with the host', async () => {
      await configure(`http://127.0.0.1:${dead}`);
      expect(await test('wandb')).toMatchObject({
        ok: false,
        problem: 'unreachable',
        message: `Cannot reach 127.0.0.1:${dead}: the connection was refused (nothing listens on that port) (ECONNREFUSED). Check the base URL and your network.`,
      });
      await configure('http://wandb.folio-test.invalid');
      const dns = await test('wandb');
      expect(dns).toMatchObject({ ok: false, problem: 'unreachable' });
      expect(dns.message).toMatch(/^Cannot reach wandb\.folio-test\.invalid: the host name (does not resolve \(DNS\) \(ENOTFOUND\)|could not be looked up \(DNS did not answer\) \(EAI_AGAIN\))/);
    });

    it('a host that does not answer in time', async () => {
      sim.faults.add({ route: 'graphql', operation: 'Viewer', action: { kind: 'delay', ms: 2_000 } });
      const r = await checkWandbConnection({ apiKey: SIM_USER.apiKey, baseUrl: sim.url, entity: null, project: 'p' }, { timeoutMs: 300 });
      expect(r).toMatchObject({ ok: false, problem: 'timeout', message: `127.0.0.1:${sim.port} did not answer within 300 ms: the server or a proxy in between is not responding.` });
    });

    it('TLS: https:// to a server that speaks plain HTTP', async () => {
      await configure(sim.url.replace('http://', 'https://'));
      expect(await test('wandb')).toMatchObject({
        ok: false,
        problem: 'tls',
        message: `TLS with 127.0.0.1:${sim.port} failed: the server does not speak TLS on that port (is it an http:// address?) (ERR_SSL_WRONG_VERSION_NUMBER). Check the base URL (https:// or http://) and the server's certificate.`,
      });
    });

    it('a URL fetch can never use (bad port, not http)', async () => {
      await configure('http://127.0.0.1:6000');
      expect(await test('wandb')).toMatchObject({ ok: false, problem: 'bad_url', message: expect.stringContaining('port 6000 is one that fetch refuses to connect to') });
      await configure('ftp://wandb.example');
      expect(await test('wandb')).toMatchObject({ ok: false, problem: 'bad_url', message: expect.stringContaining('only http:// and https:// URLs can be used') });
    });

    it('a proxy answering a web page instead of W&B JSON, and one failing with 502', async () => {
      await configure(sim.url);
      sim.faults.add({ route: 'graphql', action: { kind: 'status', status: 200, body: '<html><body>Sign in to the proxy</body></html>' }, times: 1 });
      expect(await test('wandb')).toMatchObject({ ok: false, problem: 'not_json', message: expect.stringContaining("answered, but not with W&B's GraphQL JSON") });
      sim.faults.add({ route: 'graphql', action: { kind: 'status', status: 502, body: '<html>Bad gateway</html>' }, times: 1 });
      expect(await test('wandb')).toMatchObject({ ok: false, problem: 'server_error', message: `127.0.0.1:${sim.port} (or a proxy in front of it) answered HTTP 502: the server has trouble right now; try again later.` });
    });

    it('a base URL with no W&B API under it (404)', async () => {
      await configure(`${sim.url}/not-wandb`);
      expect(await test('wandb')).toMatchObject({ ok: false, problem: 'not_found', message: expect.stringContaining(`There is no W&B API at ${sim.url}/not-wandb/graphql (HTTP 404)`) });
    });
  });

  describe('Claude, with the Anthropic SDK against the Claude simulator', () => {
    let sim: ClaudeSimulator;
    beforeAll(async () => {
      sim = await startClaudeSimulator({ forbiddenKeys: ['sk-ant-forbidden'] });
    });
    afterAll(async () => {
      await sim.close();
    });
    afterEach(() => sim.clearFaults());

    const configure = (baseUrl: string | null, key: string | null = 'sk-ant-folio-test') => {
      core.settings.update({ anthropic: { baseUrl } });
      core.settings.setSecret('anthropicApiKey', key);
    };

    it('says the key is valid and the default model available', async () => {
      configure(sim.url);
      const r = await test('anthropic');
      expect(r).toMatchObject({ service: 'anthropic', ok: true, problem: null, url: sim.url });
      expect(r.message).toBe(`Claude answered at ${sim.url}: key valid, model Claude Sonnet 5.5 (claude-sonnet-5-5) available.`);
      expect(sim.requests().at(-1)).toMatchObject({ endpoint: 'count_tokens', status: 200, model: 'claude-sonnet-5-5' });
      // The model chosen under pre-annotation defaults is the one checked.
      core.settings.update({ preannotation: { model: 'claude-haiku-4-5' } });
      expect((await test('anthropic')).message).toContain('model Claude Haiku 4.5 (claude-haiku-4-5) available');
    });

    it('no key', async () => {
      configure(sim.url, null);
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'no_key', message: expect.stringContaining('No Anthropic API key') });
    });

    it('a bad key (401) and a key without permission (403)', async () => {
      configure(sim.url, 'not-a-claude-key');
      expect(await test('anthropic')).toMatchObject({
        ok: false,
        problem: 'bad_key',
        message: 'Claude refused the API key (401 authentication_error: invalid x-api-key). Copy the key again from the Claude Console and save it above.',
      });
      configure(sim.url, 'sk-ant-forbidden');
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'forbidden', message: expect.stringContaining('403 permission_error') });
    });

    it('a model the API does not offer (404 on the model), and a base URL with no API under it (404 on the path)', async () => {
      // A model table in the data folder (as a user may keep one) naming a model the API does not have.
      const catalog = JSON.parse(readFileSync(bundledCatalogPath(), 'utf8')) as { defaultModel: string; models: Record<string, { label: string }> };
      catalog.models['claude-retired-3'] = { ...catalog.models[catalog.defaultModel]!, label: 'Claude Retired 3' };
      writeFileSync(join(dir.path, 'models.json'), JSON.stringify(catalog));
      await core.close();
      core = await openTestCore(dir.path);
      configure(sim.url);
      core.settings.update({ preannotation: { model: 'claude-retired-3' } });
      expect(await test('anthropic')).toMatchObject({
        ok: false,
        problem: 'not_found',
        message: 'The key works, but the model Claude Retired 3 (claude-retired-3) is not available (404 not_found_error: model: claude-retired-3). Choose another default model above.',
      });
      core.settings.update({ preannotation: { model: null } });
      configure(`${sim.url}/v1`);
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'not_found', message: expect.stringContaining(`There is no Claude API at ${sim.url}/v1 (404 not_found_error`) });
    });

    it('host unreachable (refused, DNS), TLS, and a URL fetch cannot use', async () => {
      configure(`http://127.0.0.1:${dead}`);
      expect(await test('anthropic')).toMatchObject({
        ok: false,
        problem: 'unreachable',
        message: `Cannot reach 127.0.0.1:${dead}: the connection was refused (nothing listens on that port) (ECONNREFUSED). Check the base URL and your network.`,
      });
      configure('http://claude.folio-test.invalid');
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'unreachable', message: expect.stringMatching(/^Cannot reach claude\.folio-test\.invalid: the host name/) });
      configure(sim.url.replace('http://', 'https://'));
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'tls', message: expect.stringContaining('does not speak TLS on that port (is it an http:// address?) (ERR_SSL_WRONG_VERSION_NUMBER)') });
      configure('http://127.0.0.1:6000');
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'bad_url', message: expect.stringContaining('port 6000 is one that fetch refuses to connect to') });
      configure('ftp://claude.example');
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'bad_url', message: expect.stringContaining('only http:// and https:// URLs can be used') });
    });

    it('a proxy answering a web page (200 and 502) instead of the API', async () => {
      configure(sim.url);
      sim.inject({ kind: 'proxy_html', endpoint: 'count_tokens' });
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'not_json', message: expect.stringContaining("answered, but not with the Claude API's JSON") });
      sim.inject({ kind: 'proxy_html', endpoint: 'count_tokens', status: 502 });
      expect(await test('anthropic')).toMatchObject({
        ok: false,
        problem: 'not_json',
        message: expect.stringContaining(`127.0.0.1:${sim.port} answered HTTP 502 with text/html that is not the Claude API's JSON`),
      });
    });

    it('overloaded (529), a spend limit (429) and a stalled answer', async () => {
      configure(sim.url);
      sim.inject({ kind: 'overloaded', endpoint: 'count_tokens' });
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'server_error', message: expect.stringContaining('529 overloaded_error') });
      sim.inject({ kind: 'spend_limit', endpoint: 'count_tokens' });
      expect(await test('anthropic')).toMatchObject({ ok: false, problem: 'rate_limited', message: expect.stringContaining("the organisation's spend limit is reached") });
      sim.inject({ kind: 'stall_headers', endpoint: 'count_tokens', stallMs: 5_000 });
      const stalled = await checkAnthropicConnection(
        { apiKey: 'sk-ant-x', baseUrl: sim.url, model: { id: 'claude-sonnet-5-5', label: 'Claude Sonnet 5.5' } },
        (cfg) => new Anthropic({ ...cfg, maxRetries: 0 }),
        400,
      );
      expect(stalled).toMatchObject({ ok: false, problem: 'timeout', message: `127.0.0.1:${sim.port} did not answer within 400 ms: the API or a proxy in between is not responding.` });
    });
  });
});
