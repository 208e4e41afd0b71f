import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManifestCache } from '../../src/main/core/sync/manifestCache';
import { tempDir } from '../helpers/core';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => (dir = tempDir('folio-manifest-cache-')));
afterEach(() => dir.cleanup());

const TARGET = 'https://api.wandb.ai ada/biz-doc-vqa/business-ocr-vqa-dataset';

it('keeps one manifest per target and gives it back only for that target', async () => {
  const cache = new ManifestCache(dir.path);
  expect(await cache.load(TARGET)).toBeNull();
  await cache.save(TARGET, 'art-1', '{"version": 1}\nline two');
  await cache.save(TARGET, 'art-2', '{"version": 1, "contents": {}}');
  expect(await cache.load(TARGET)).toEqual({ artifactId: 'art-2', body: '{"version": 1, "contents": {}}' });
  expect(await cache.load(`${TARGET}-other`)).toBeNull();
  expect(readdirSync(cache.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

it('treats a damaged file as absent (the next build downloads the manifest again)', async () => {
  const cache = new ManifestCache(dir.path);
  await cache.save(TARGET, 'art-1', 'body');
  const [file] = readdirSync(cache.dir);
  writeFileSync(join(cache.dir, file!), 'not a header');
  expect(await cache.load(TARGET)).toBeNull();
  writeFileSync(join(cache.dir, file!), '');
  expect(await cache.load(TARGET)).toBeNull();
});

it('keeps the manifest sent with a commit per batch until it is dropped', async () => {
  const cache = new ManifestCache(dir.path);
  await cache.savePending('20261206-abc', TARGET, 'art-9', 'manifest text');
  expect(await cache.loadPending('20261206-abc', TARGET)).toEqual({ artifactId: 'art-9', body: 'manifest text' });
  expect(await cache.loadPending('20261206-abc', 'another target')).toBeNull();
  await cache.dropPending('20261206-abc');
  expect(await cache.loadPending('20261206-abc', TARGET)).toBeNull();
});
