/**
 * Writes docs/formats/folio-jsonl.schema.json from the zod schema the importer uses
 * (src/main/core/formats/jsonlSchema.ts), and docs/formats/folio-bundle.schema.json from the
 * bundle manifest's (src/main/core/exchange/bundleFormat.ts). Run after changing either schema:
 *
 *   npx tsx scripts/write-format-schemas.ts
 *
 * tests/unit/formats-schema.test.ts fails while the committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleManifestJsonSchema } from '../src/main/core/exchange/bundleFormat';
import { jsonlJsonSchema } from '../src/main/core/formats/jsonlSchema';

const file = join(import.meta.dirname, '..', 'docs', 'formats', 'folio-jsonl.schema.json');
writeFileSync(file, `${JSON.stringify(jsonlJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file}`);

// The manifest of a bundle (src/main/core/exchange/bundleFormat.ts).
const bundleFile = join(import.meta.dirname, '..', 'docs', 'formats', 'folio-bundle.schema.json');
writeFileSync(bundleFile, `${JSON.stringify(bundleManifestJsonSchema(), null, 2)}\n`);
console.log(`wrote ${bundleFile}`);
