import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../../../shared/contract/errors';
import { preannotationEfforts } from '../../../shared/domain/preannotation';

/**
 * The model table (`resources/models.json`, or the user's copy in the data folder): default
 * model, vision tiers, prices per million tokens and the priors the estimate and the pool start
 * from. Loaded through a schema; a bad file is refused with the file and the field named.
 */

export const efforts = preannotationEfforts;
export type Effort = (typeof efforts)[number];

const price = z.number().finite().nonnegative();
const tierSchema = z.object({ maxEdge: z.number().int().min(28).max(8000), maxTokens: z.number().int().positive() }).strict();

const modelSchema = z
  .object({
    label: z.string().min(1),
    vision: z.string().min(1),
    cacheMinTokens: z.number().int().nonnegative(),
    efforts: z.array(z.enum(efforts)),
    pricesPerMTok: z
      .object({ input: price, output: price, cacheWrite5m: price, cacheWrite1h: price, cacheRead: price, batchInput: price, batchOutput: price })
      .strict(),
    expectedOutputTokensPerPage: z.number().int().positive(),
    typicalLatencyMs: z.number().positive(),
  })
  .strict();

const catalogSchema = z
  .object({
    $comment: z.string().optional(),
    version: z.literal(1),
    defaultModel: z.string().min(1),
    defaults: z.object({ effort: z.enum(efforts), maxTokens: z.number().int().min(256).max(128_000) }).strict(),
    visionTiers: z.record(z.string(), tierSchema),
    models: z.record(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'model ids are lower-case letters, digits, dots and dashes'), modelSchema),
  })
  .strict();

export type VisionTier = z.infer<typeof tierSchema>;
export type ModelEntry = z.infer<typeof modelSchema>;
export type ModelPrices = ModelEntry['pricesPerMTok'];

export interface ModelCatalog {
  file: string;
  defaultModel: string;
  defaults: { effort: Effort; maxTokens: number };
  tiers: Record<string, VisionTier>;
  models: Record<string, ModelEntry>;
}

export interface ResolvedModel extends ModelEntry {
  id: string;
  tier: VisionTier;
}

const fieldPath = (path: PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(top level)';

/** Parse a catalog's text; every error names the file and the field. */
export function parseCatalog(text: string, file: string): ModelCatalog {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AppError('invalid_request', `${file} is not valid JSON: ${(err as Error).message}`, { details: { file } });
  }
  const parsed = catalogSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldPath(issue.path);
    throw new AppError('invalid_request', `${file}: ${field}: ${issue.message}`, { details: { file, field } });
  }
  const c = parsed.data;
  for (const [id, m] of Object.entries(c.models)) {
    if (!c.visionTiers[m.vision]) {
      const field = `models.${id}.vision`;
      throw new AppError('invalid_request', `${file}: ${field}: "${m.vision}" is not one of the visionTiers (${Object.keys(c.visionTiers).join(', ')})`, {
        details: { file, field },
      });
    }
  }
  if (!c.models[c.defaultModel]) {
    throw new AppError('invalid_request', `${file}: defaultModel: "${c.defaultModel}" is not in models`, { details: { file, field: 'defaultModel' } });
  }
  return { file, defaultModel: c.defaultModel, defaults: c.defaults, tiers: c.visionTiers, models: c.models };
}

/** The file shipped with Folio: `resources/models.json`, found by walking up from this module. */
export function bundledCatalogPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'models.json');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(process.cwd(), 'resources', 'models.json');
}

/** The user's copy in the data folder wins over the bundled file. */
export function loadModelCatalog(opts: { dataDir?: string | undefined; file?: string | undefined } = {}): ModelCatalog {
  const userCopy = opts.dataDir ? join(opts.dataDir, 'models.json') : null;
  const file = opts.file ?? (userCopy && existsSync(userCopy) ? userCopy : bundledCatalogPath());
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('io_error', `Folio cannot read its model table ${file}: ${(err as Error).message}`, { details: { file } });
  }
  return parseCatalog(text, file);
}

export function resolveModel(catalog: ModelCatalog, id: string | undefined): ResolvedModel {
  const modelId = id ?? catalog.defaultModel;
  const entry = catalog.models[modelId];
  if (!entry) {
    throw new AppError('invalid_request', `model: "${modelId}" is not in ${catalog.file}; known models: ${Object.keys(catalog.models).join(', ')}. Add it there with its prices to use it.`, {
      details: { field: 'model', file: catalog.file },
    });
  }
  return { ...entry, id: modelId, tier: catalog.tiers[entry.vision]! };
}
