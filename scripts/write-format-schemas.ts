/**
 * Writes docs/formats/folio-jsonl.schema.json from the zod schema the importer uses
 * (src/main/core/formats/jsonlSchema.ts). Run after changing that schema:
 *
 *   npx tsx scripts/write-format-schemas.ts
 *
 * tests/unit/formats-schema.test.ts fails while the committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonlJsonSchema } from '../src/main/core/formats/jsonlSchema';

const file = join(import.meta.dirname, '..', 'docs', 'formats', 'folio-jsonl.schema.json');
writeFileSync(file, `${JSON.stringify(jsonlJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file}`);
