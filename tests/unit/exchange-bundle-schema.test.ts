import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleManifestJsonSchema } from '../../src/main/core/exchange/bundleFormat';

describe('Folio bundle manifest schema', () => {
  it('the committed docs/formats/folio-bundle.schema.json is the one the importer’s schema generates', () => {
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'formats', 'folio-bundle.schema.json'), 'utf8')) as unknown;
    // If this fails, run: npx tsx scripts/write-format-schemas.ts
    expect(committed).toEqual(bundleManifestJsonSchema());
  });
});
