import { createHash } from 'node:crypto';
import type { BoxScores, EvaluationDataset, EvaluationDocument, EvaluationMetrics, EvaluationWandb } from '../../../shared/domain/evaluation';
import { runUrl, WandbClient } from '../wandb/client';
import { WandbError, type Policies } from '../wandb/http';
import { reachWandb } from '../wandb/reach';
import { pythonJson, randomRunId } from '../wandb/manifest';

/**
 * One evaluation as a W&B run, the way the official SDK logs it (docs/WANDB_PROTOCOL.md §2, §3.6, §6.3):
 * upsertBucket with job type `evaluation` and the model's name and version as tags (cut to the
 * 64 characters W&B allows: runTag); useArtifact declaring the dataset version as the run's
 * input; the per-document W&B table uploaded as a run file (createRunFiles + PUT, then reported in the file stream's `uploaded`); one history row and
 * the summary with the metrics, the table referenced from both as a `table-file`; then
 * `complete` with exit code 0.
 *
 * Never throws: the evaluation is done whatever W&B says. No key or no network → `skipped`; a
 * refusal (bad key, no access, a server error) → `failed`; the message says what to do.
 */

export const EVALUATION_JOB_TYPE = 'evaluation';
export const TABLE_KEY = 'per_document';

export interface LogInput {
  credentials: { apiKey: string | null; baseUrl: string; entity: string | null; project: string };
  client?: { policies?: Partial<Policies>; fetch?: typeof fetch; signal?: AbortSignal };
  /** How long the first "is W&B there?" request may take (default 10 s). */
  probeTimeoutMs?: number;
  folioVersion: string;
  jobId: string;
  projectName: string;
  model: string;
  modelVersion: string;
  against: string;
  dataset: EvaluationDataset | null;
  metrics: EvaluationMetrics;
  perLabel: Record<string, BoxScores>;
  documents: EvaluationDocument[];
  /** Seconds the evaluation took (the run's _runtime). */
  runtimeSeconds: number;
  now: () => Date;
}

const TABLE_COLUMNS = [
  'document_id',
  'source_name',
  'reference',
  'reference_version',
  'reference_boxes',
  'predicted_boxes',
  'matched_boxes',
  'box_precision',
  'box_recall',
  'box_f1',
  'mean_iou',
  'label_accuracy',
  'questions',
  'exact_match',
  'token_f1',
  'anls',
] as const;

/** The longest run tag W&B accepts, in characters (code points); it refuses the whole run otherwise. */
export const MAX_RUN_TAG_LENGTH = 64;

/**
 * A value as a W&B run tag: whitespace collapsed, and cut to 64 characters when longer — the
 * first 55 characters, a `~` and 8 hex digits of the full value's SHA-256, so two long names that
 * share a beginning stay two tags. The full values stay in the run's config (`model`,
 * `model_version`). Null for a value that is empty once trimmed.
 */
export function runTag(value: string): string | null {
  const text = value.replace(/\s+/g, ' ').trim();
  if (!text) return null;
  const chars = [...text];
  if (chars.length <= MAX_RUN_TAG_LENGTH) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${chars.slice(0, MAX_RUN_TAG_LENGTH - 9).join('').trimEnd()}~${hash}`;
}

/** The evaluation run's tags: the model's name and version, each a valid W&B tag, without repeats. */
export function runTags(values: readonly string[]): string[] {
  return [...new Set(values.map(runTag).filter((t): t is string => t !== null))];
}

const union = (t: string) => ({ wb_type: 'union', params: { allowed_types: [{ wb_type: 'none' }, { wb_type: t }] } });

/** The per-document rows as a W&B table file (docs/WANDB_PROTOCOL.md §6.2): written like `json.dump(table.to_json(), sort_keys=True)`. */
export function perDocumentTable(rows: readonly EvaluationDocument[]): { json: Record<string, unknown>; bytes: Buffer } {
  const data = rows.map((r) => [
    r.documentId,
    r.sourceName,
    r.reference,
    r.referenceVersion,
    r.boxes.reference,
    r.boxes.predicted,
    r.boxes.matched,
    r.boxes.precision,
    r.boxes.recall,
    r.boxes.f1,
    r.boxes.meanIou,
    r.boxes.labelAccuracy,
    r.answers.questions,
    r.answers.exactMatch,
    r.answers.tokenF1,
    r.answers.anls,
  ]);
  const types: Record<string, unknown> = {};
  for (const c of TABLE_COLUMNS) types[c] = union(c === 'document_id' || c === 'source_name' || c === 'reference' ? 'string' : 'number');
  const json = {
    _type: 'table',
    column_types: { wb_type: 'typedDict', params: { type_map: types } },
    columns: [...TABLE_COLUMNS],
    data,
    log_mode: 'IMMUTABLE',
    ncols: TABLE_COLUMNS.length,
    nrows: data.length,
  };
  return { json, bytes: Buffer.from(pythonJson(json, { sortKeys: true }), 'utf8') };
}

/** Flat summary keys; W&B groups keys by their `/` prefix in the UI. */
export function summaryMetrics(m: EvaluationMetrics, perLabel: Record<string, BoxScores>): Record<string, number | null> {
  const out: Record<string, number | null> = {
    documents: m.documents,
    questions: m.answers.questions,
    exact_match: m.answers.exactMatch,
    token_f1: m.answers.tokenF1,
    anls: m.answers.anls,
    mean_iou: m.boxes.meanIou,
    box_precision: m.boxes.precision,
    box_recall: m.boxes.recall,
    box_f1: m.boxes.f1,
    label_accuracy: m.boxes.labelAccuracy,
    reference_boxes: m.boxes.reference,
    predicted_boxes: m.boxes.predicted,
    matched_boxes: m.boxes.matched,
    transcription_exact_match: m.transcriptions.exactMatch,
    transcription_anls: m.transcriptions.anls,
  };
  for (const [label, s] of Object.entries(perLabel)) {
    out[`per_label/${label}/precision`] = s.precision;
    out[`per_label/${label}/recall`] = s.recall;
    out[`per_label/${label}/f1`] = s.f1;
    out[`per_label/${label}/mean_iou`] = s.meanIou;
    out[`per_label/${label}/reference_boxes`] = s.reference;
  }
  return out;
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

export async function logEvaluationRun(input: LogInput): Promise<EvaluationWandb> {
  const creds = input.credentials;
  const base: EvaluationWandb = { status: 'skipped', message: null, runId: null, runUrl: null, entity: null, project: creds.project, datasetUsed: false, tableFile: null };
  if (!creds.apiKey) {
    return {
      ...base,
      message:
        'W&B logging skipped: no W&B API key. Add one in Settings → Weights & Biases (or set WANDB_API_KEY, or run `wandb login`), then run the evaluation again to log it; the metrics are kept in Folio.',
    };
  }
  const host = hostOf(creds.baseUrl);
  const warnings: string[] = [];
  let client: WandbClient | null = null;
  let run: { entity: string; project: string; name: string } | null = null;
  try {
    client = new WandbClient({ baseUrl: creds.baseUrl, apiKey: creds.apiKey, ...(input.client?.policies ? { policies: input.client.policies } : {}), ...(input.client?.fetch ? { fetch: input.client.fetch } : {}), ...(input.client?.signal ? { signal: input.client.signal } : {}) });
    // One quick probe first: an unreachable W&B skips the logging at once (reach.ts).
    const { entity } = await reachWandb(client, creds.entity, input.probeTimeoutMs);

    const ds = input.dataset;
    const upserted = await client.upsertRun({
      name: randomRunId(),
      project: creds.project,
      entity,
      jobType: EVALUATION_JOB_TYPE,
      displayName: `eval ${input.model} ${input.modelVersion}`,
      tags: runTags([input.model, input.modelVersion]),
      config: {
        folio_version: input.folioVersion,
        folio_project: input.projectName,
        folio_job_id: input.jobId,
        model: input.model,
        model_version: input.modelVersion,
        against: input.against,
        match_iou: 0.5,
        dataset: ds ? `${ds.entity}/${ds.project}/${ds.collection}:${ds.version}` : null,
      },
    });
    run = { entity: upserted.entity, project: upserted.project, name: upserted.name };
    base.runId = run.name;
    base.runUrl = runUrl(creds.baseUrl, run.entity, run.project, run.name);
    base.entity = run.entity;
    base.project = run.project;

    // The dataset version this evaluation read, as the run's input — if it lives on this server.
    if (ds) {
      if (ds.baseUrl.replace(/\/+$/, '') !== client.baseUrl) {
        warnings.push(`the dataset version ${ds.version} was synced to ${hostOf(ds.baseUrl)}, not ${host}: not declared as the run's input`);
      } else {
        try {
          await client.useArtifact({ artifactID: ds.artifactId, entityName: run.entity, projectName: run.project, runName: run.name });
          base.datasetUsed = true;
        } catch (err) {
          if (!(err instanceof WandbError) || err.kind === 'auth' || err.kind === 'config' || err.kind === 'unreachable' || err.kind === 'aborted') throw err;
          warnings.push(`the dataset version ${ds.version} could not be declared as the run's input (${err.message})`);
        }
      }
    }

    // The per-document table as a run file, named as the SDK names a logged table.
    const table = perDocumentTable(input.documents);
    const sha256 = createHash('sha256').update(table.bytes).digest('hex');
    const path = `media/table/${TABLE_KEY}_0_${sha256.slice(0, 20)}.table.json`;
    const files = await client.createRunFiles(run.entity, run.project, run.name, [path]);
    const target = files.files[0]!;
    const uploaded: string[] = [];
    if (target.uploadUrl) {
      await client.upload(target.uploadUrl, files.uploadHeaders, table.bytes, path);
      uploaded.push(path);
      base.tableFile = path;
    } else {
      warnings.push('W&B gave no upload URL for the per-document table');
    }

    const summary = summaryMetrics(input.metrics, input.perLabel);
    const tableRef = base.tableFile ? { [TABLE_KEY]: { _type: 'table-file', path, sha256, size: table.bytes.length, ncols: table.json.ncols, nrows: table.json.nrows, log_mode: 'IMMUTABLE' } } : {};
    const row = { _step: 0, _runtime: input.runtimeSeconds, _timestamp: input.now().getTime() / 1000, ...summary, ...tableRef };
    await client.fileStream(run.entity, run.project, run.name, {
      files: {
        'wandb-history.jsonl': { offset: 0, content: [JSON.stringify(row)] },
        'wandb-summary.json': { offset: 0, content: [JSON.stringify({ ...row, _wandb: { runtime: Math.round(input.runtimeSeconds) } })] },
      },
      uploaded,
    });
    await client.fileStream(run.entity, run.project, run.name, { complete: true, exitcode: 0 });
    return { ...base, status: 'logged', message: warnings.length ? `Logged to W&B; ${warnings.join('; ')}.` : null };
  } catch (err) {
    const e = err instanceof WandbError ? err : null;
    // A run that exists but could not be completed is marked failed, if W&B still listens.
    if (client && run && e?.kind !== 'auth' && e?.kind !== 'config' && e?.kind !== 'unreachable' && e?.kind !== 'aborted') {
      await client.fileStream(run.entity, run.project, run.name, { complete: true, exitcode: 1 }).catch(() => undefined);
    }
    const kept = 'The metrics are kept in Folio; run the evaluation again to log it.';
    if (e?.kind === 'aborted') return { ...base, status: 'skipped', message: `W&B logging stopped: Folio was closing. ${kept}` };
    if (e?.kind === 'unreachable') {
      return { ...base, status: 'skipped', message: `W&B logging skipped: ${host} cannot be reached (offline?). ${kept}` };
    }
    if (e?.kind === 'auth') {
      return {
        ...base,
        status: 'failed',
        message: `W&B logging failed: W&B at ${host} rejected the API key (HTTP 401). Enter a valid key in Settings → Weights & Biases (or set WANDB_API_KEY, or run \`wandb login\`). ${kept}`,
      };
    }
    if (e?.kind === 'config') return { ...base, status: 'failed', message: `W&B logging failed: ${e.message} ${kept}` };
    if (e?.kind === 'permission') {
      return { ...base, status: 'failed', message: `W&B logging failed: the key has no access to ${creds.entity ?? '(default entity)'}/${creds.project} on ${host} (${e.message}). ${kept}` };
    }
    return { ...base, status: 'failed', message: `W&B logging failed: ${err instanceof Error ? err.message : String(err)}. ${kept}` };
  }
}
