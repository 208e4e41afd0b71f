import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, print } from 'graphql';
import { ALL_DOCUMENTS } from '../../src/main/core/wandb/documents';
import { appUrlFor, artifactVersionUrl, parseUploadHeaders, runUrl } from '../../src/main/core/wandb/client';
import { backoffMs, defaultPolicies, parseRetryAfter } from '../../src/main/core/wandb/http';
import { artifactDigest, b64md5, parseManifest, pythonJson, randomClientId, randomRunId, serializeManifest, sortPaths } from '../../src/main/core/wandb/manifest';
import { checkDocument, schemaFile } from '../../src/main/sim/wandb/schema';
import { manifestDigest } from '../../src/main/sim/wandb/state';

const reference = join(import.meta.dirname, '..', '..', '..', 'shared', 'reference', 'wandb');

describe('GraphQL documents', () => {
  it('validates every document Folio can send against schema.graphql', () => {
    expect(ALL_DOCUMENTS.length).toBeGreaterThanOrEqual(13);
    for (const doc of ALL_DOCUMENTS) {
      const { errors } = checkDocument(doc.query);
      expect(errors.map((e) => `${doc.operationName}: ${e.message}`)).toEqual([]);
      // The operationName sent in the envelope is the one the document defines.
      const ops = parse(doc.query).definitions.filter((d) => d.kind === 'OperationDefinition');
      expect(ops.map((o) => ('name' in o ? o.name?.value : undefined))).toEqual([doc.operationName]);
    }
  });

  it('sends the wandb-core documents verbatim from operations.graphql', () => {
    const file = join(reference, 'operations.graphql');
    if (!existsSync(file)) return; // the reference folder sits beside the repository in CI and on developer machines
    const text = readFileSync(file, 'utf8');
    // operationName → the section of operations.graphql it is copied from (wandb-core's, or the Python SDK's generated ones).
    const verbatim: Record<string, string> = {
      Viewer: 'go:Viewer',
      ServerFeaturesQuery: 'go:ServerFeaturesQuery',
      UpsertBucket: 'go:UpsertBucket',
      CreateArtifact: 'go:CreateArtifact',
      CreateArtifactManifest: 'go:CreateArtifactManifest',
      CreateArtifactFiles: 'go:CreateArtifactFiles',
      CommitArtifact: 'go:CommitArtifact',
      ClientIDMapping: 'go:ClientIDMapping',
      ArtifactManifest: 'go:ArtifactManifest',
      ArtifactFileURLsByManifestEntries: 'go:ArtifactFileURLsByManifestEntries',
      ProjectArtifacts: 'py-generated:PROJECT_ARTIFACTS',
      CreateRunFiles: 'go:CreateRunFiles',
      UseArtifact: 'go:UseArtifact',
    };
    for (const [name, id] of Object.entries(verbatim)) {
      const doc = ALL_DOCUMENTS.find((d) => d.operationName === name)!;
      expect(doc, name).toBeDefined();
      const section = text.split(/^### /m).find((s) => s.startsWith(`${id}\n`));
      expect(section, name).toBeDefined();
      const body = section!.split('\n').filter((l) => !l.startsWith('#')).slice(1).join('\n').trim();
      expect(print(parse(doc.query)), name).toBe(print(parse(body)));
    }
  });

  it('keeps the simulator’s schema identical to the reference schema', () => {
    const file = join(reference, 'schema.graphql');
    if (!existsSync(file)) return;
    expect(readFileSync(schemaFile, 'utf8')).toBe(readFileSync(file, 'utf8'));
  });

  it('rejects a document that selects a field the schema does not have', () => {
    expect(checkDocument('query X { viewer { id notAField } }').errors[0]?.message).toMatch(/Cannot query field "notAField"/);
  });
});

describe('digests and manifests (docs/WANDB_PROTOCOL.md §3.1–3.3)', () => {
  it('matches the spec’s test vectors', () => {
    expect(b64md5('hello world\n')).toBe('b1kCrCNwJL3QwXbLkwY9xA==');
    const entries = { 'media/images/a.png': { digest: 'b1kCrCNwJL3QwXbLkwY9xA==' }, 'annotations.table.json': { digest: '1d+Wia9IP2X+0LZtuLcwHg==' } };
    expect(artifactDigest(entries)).toBe('f6bc98c3feb304622bc26924b6039cf6');
    expect(artifactDigest({})).toBe('64e7c61456b10382e2f3b571ac24b659');
    // The simulator computes it independently and agrees.
    expect(manifestDigest(Object.entries(entries))).toBe('f6bc98c3feb304622bc26924b6039cf6');
  });

  it('sorts paths by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 9F 98 80) by bytes, after it by UTF-16 units.
    const a = 'media/\uff5e.png';
    const b = 'media/\u{1f600}.png';
    expect([b, a].sort()).toEqual([b, a]);
    expect(sortPaths([b, a])).toEqual([a, b]);
    const d1 = artifactDigest({ [a]: { digest: 'x' }, [b]: { digest: 'y' } });
    expect(d1).toBe(manifestDigest([[b, { digest: 'y' }], [a, { digest: 'x' }]]));
  });

  it('writes the manifest in the Python shape (indent 4, sorted entries, ASCII-escaped) and reads it back', () => {
    const contents = new Map([
      ['b.png', { digest: 'b1kCrCNwJL3QwXbLkwY9xA==', birthArtifactID: 'QXJ0aWZhY3Q6MQ==', size: 12 }],
      ['a/é.json', { digest: '1d+Wia9IP2X+0LZtuLcwHg==', birthArtifactID: 'QXJ0aWZhY3Q6MQ==', size: 18 }],
    ]);
    const text = serializeManifest(contents).toString('utf8');
    expect(text).toBe(
      [
        '{',
        '    "version": 1,',
        '    "storagePolicy": "wandb-storage-policy-v1",',
        '    "storagePolicyConfig": {',
        '        "storageLayout": "V2"',
        '    },',
        '    "contents": {',
        '        "a/\\u00e9.json": {',
        '            "digest": "1d+Wia9IP2X+0LZtuLcwHg==",',
        '            "birthArtifactID": "QXJ0aWZhY3Q6MQ==",',
        '            "size": 18',
        '        },',
        '        "b.png": {',
        '            "digest": "b1kCrCNwJL3QwXbLkwY9xA==",',
        '            "birthArtifactID": "QXJ0aWZhY3Q6MQ==",',
        '            "size": 12',
        '        }',
        '    }',
        '}',
      ].join('\n'),
    );
    expect(parseManifest(text)).toEqual(contents);
    expect(() => parseManifest('{"version": 2, "contents": {}}')).toThrow(/version 2/);
    expect(() => parseManifest('not json')).toThrow(/not JSON/);
  });

  it('writes compact JSON like json.dump(sort_keys=True)', () => {
    expect(pythonJson({ b: [1, 2.5, 'x'], a: { d: null, c: true } }, { sortKeys: true })).toBe('{"a": {"c": true, "d": null}, "b": [1, 2.5, "x"]}');
    expect(() => pythonJson({ x: Number.NaN })).toThrow(/NaN/);
  });

  it('makes SDK-shaped ids', () => {
    expect(randomClientId()).toMatch(/^[a-z0-9]{128}$/);
    expect(randomRunId()).toMatch(/^[a-z0-9]{8}$/);
    expect(randomClientId()).not.toBe(randomClientId());
  });
});

describe('retry rules and URLs (docs/WANDB_PROTOCOL.md §1.1, §2.1, §7)', () => {
  it('retries what the SDK retries and nothing else', () => {
    const g = defaultPolicies.graphql;
    for (const s of [400, 401, 403, 404, 409, 410, 413, 422, 501]) expect(g.retryStatus(s), String(s)).toBe(false);
    for (const s of [408, 425, 429, 500, 502, 503, 504, 0, 600]) expect(g.retryStatus(s), String(s)).toBe(true);
    expect(defaultPolicies.upsertBucket.retryStatus(409)).toBe(true);
    expect(defaultPolicies.upsertBucket.retryStatus(422)).toBe(false);
    const t = defaultPolicies.transfer;
    expect([429, 0, 500, 503].map((s) => t.retryStatus(s))).toEqual([true, true, true, true]);
    expect([400, 403, 404, 408, 501].map((s) => t.retryStatus(s))).toEqual([false, false, false, false, false]);
  });

  it('backs off 2 s × 2^n with up to 25 % jitter, capped at 60 s, and reads Retry-After', () => {
    const g = defaultPolicies.graphql;
    expect(backoffMs(g, 0, () => 0)).toBe(2000);
    expect(backoffMs(g, 3, () => 0.999)).toBeCloseTo(16000 * 1.24975);
    expect(backoffMs(g, 10, () => 0)).toBe(60000);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.25')).toBe(250);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60000);
    expect(parseRetryAfter('1, 2')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it('derives the app URL, run URL and artifact URL like the SDK', () => {
    expect(appUrlFor('https://api.wandb.ai')).toBe('https://wandb.ai');
    expect(appUrlFor('https://api.acme.example/')).toBe('https://app.acme.example');
    expect(appUrlFor('http://localhost:8080')).toBe('http://localhost:8080');
    expect(runUrl('https://api.wandb.ai', 'acme', 'biz-doc-vqa', 'k3x9q2ab')).toBe('https://wandb.ai/acme/biz-doc-vqa/runs/k3x9q2ab');
    expect(artifactVersionUrl('https://api.wandb.ai', 'acme', 'biz-doc-vqa', 'dataset', 'business-ocr-vqa-dataset', 3)).toBe(
      'https://wandb.ai/acme/biz-doc-vqa/artifacts/dataset/business-ocr-vqa-dataset/v3',
    );
  });

  it('parses upload headers as Name:Value split at the first colon', () => {
    expect(parseUploadHeaders(['Content-MD5:abc==', 'x-amz-meta-md5: a:b'])).toEqual({ 'Content-MD5': 'abc==', 'x-amz-meta-md5': 'a:b' });
    expect(() => parseUploadHeaders(['nocolon'])).toThrow(/Name:Value/);
  });
});
