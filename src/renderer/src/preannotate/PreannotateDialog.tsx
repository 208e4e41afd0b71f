import { useEffect, useRef, useState } from 'react';
import type { CostEstimateData, PreannotationRun } from '../../../shared/domain/preannotation';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { formatCount, formatEta, plural } from '../lib/format';
import { useApp } from '../stores/app';
import { currentRun, isUnfinished, usePreannotation, type StartRequest } from './preannotationStore';
import { paths } from '../stores/route';
import { toastError } from '../stores/toasts';
import { InlineError } from '../components/ErrorPanel';
import { Modal } from '../components/Modal';
import { ProgressBar } from '../components/ProgressBar';
import { Spinner } from '../components/Spinner';
import { Stat } from '../components/Stat';
import { LatencyHistogram } from './LatencyHistogram';
import { LocalOcrForm, LocalOcrRun, SourceChoice, type PreannotationSource } from './LocalOcrSource';
import { isOcrJobActive, useOcr } from '../ocr/ocrStore';
import '../ocr/ocr.css';
import { useModels, type Model } from './useModels';
import './preannotate.css';

export const formatUsd = (v: number): string => `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
const formatMs = (v: number | null): string => (v === null ? '—' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
const percent = (v: number): string => `${(v * 100).toFixed(v > 0 && v < 0.01 ? 1 : 0)} %`;

const stateLabels: Record<PreannotationRun['state'], string> = {
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

// ---- a new run: options, the estimate, confirmation ---------------------------------------------

interface Choices {
  model: string;
  effort: string;
  scope: 'new' | 'all';
  batch: boolean;
  concurrency: 'auto' | number;
}

function defaultChoices(models: Model[], saved: { model: string | null; effort: string | null } | null): Choices | null {
  const model = models.find((m) => m.id === saved?.model) ?? models.find((m) => m.isDefault) ?? models[0];
  if (!model) return null;
  const effort = saved?.effort && model.efforts.includes(saved.effort) ? saved.effort : model.efforts.includes('medium') ? 'medium' : (model.efforts[0] ?? '');
  return { model: model.id, effort, scope: 'new', batch: false, concurrency: 'auto' };
}

function requestOf(projectId: string, c: Choices): StartRequest {
  return {
    projectId,
    model: c.model,
    ...(c.effort ? { effort: c.effort as StartRequest['effort'] } : {}),
    scope: c.scope,
    batch: c.batch,
  };
}

function EstimateSummary({ estimate }: { estimate: CostEstimateData }) {
  const b = estimate.basis;
  return (
    <div className="preannotate-estimate" data-testid="preannotate-estimate">
      <div className="preannotate-estimate-total">
        <span className="stat-value" data-testid="preannotate-estimate-usd">
          {formatUsd(estimate.usd.total)}
        </span>
        <span className="muted">
          for {plural(estimate.pages, 'page')} · {formatUsd(estimate.perPageUsd)} per page{estimate.mode === 'batch' ? ' · batch price' : ''}
        </span>
      </div>
      <dl className="kv small">
        <dt>Input tokens</dt>
        <dd>
          {formatCount(estimate.tokens.input + estimate.tokens.cacheRead + estimate.tokens.cacheWrite5m)} ({formatCount(b.imageTokens)} image tokens per page
          {b.prefixCached ? `; the ${formatCount(b.prefixTokens)}-token instructions are cached after the first page` : ''})
        </dd>
        <dt>Output tokens</dt>
        <dd>
          {formatCount(estimate.tokens.output)} ({formatCount(b.outputTokensPerPage)} per page, {b.outputSource === 'history' ? "from this project's earlier runs" : 'a prior for this model'})
        </dd>
        <dt>Prompt size</dt>
        <dd>{b.textCounting === 'count_tokens' ? 'counted by the API (count_tokens)' : 'approximated locally'}</dd>
      </dl>
    </div>
  );
}

function NewRun({ projectId, onStarted, onUseLocal }: { projectId: string; onStarted(run: PreannotationRun): void; onUseLocal(): void }) {
  const settings = useApp((s) => s.settings);
  const { models, error: modelsError } = useModels();
  const start = usePreannotation((s) => s.start);
  const [chosen, setChosen] = useState<Choices | null>(null);
  const [estimate, setEstimate] = useState<{ for: string; value: CostEstimateData | null; error: string | null } | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const keyConfigured = settings?.anthropic.configured ?? false;

  // Until the user changes something: what settings saved, else the model table's default.
  const choices = chosen ?? (models ? defaultChoices(models, settings?.preannotation ?? null) : null);

  // The estimate follows the choices (debounced; the last answer wins). Keyed by the request's
  // JSON so a re-render with equal choices does not ask again.
  const key = choices ? JSON.stringify(requestOf(projectId, choices)) : '';
  const latest = useRef('');
  useEffect(() => {
    if (!key) return;
    latest.current = key;
    const t = setTimeout(() => {
      const client = api();
      client['preannotate.estimate'](JSON.parse(key) as StartRequest)
        .then((value) => latest.current === key && setEstimate({ for: key, value, error: null }))
        .catch((err: unknown) => latest.current === key && setEstimate({ for: key, value: null, error: errorMessage(err) }));
    }, 200);
    return () => clearTimeout(t);
  }, [key]);

  if (modelsError) return <InlineError message={`The model table could not be read: ${modelsError}`} testId="preannotate-models-error" />;
  if (!models || !choices) return <Spinner label="Loading models…" />;
  const model = models.find((m) => m.id === choices.model) ?? models[0]!;
  const current = estimate?.for === key ? estimate : null;
  const set = (patch: Partial<Choices>) => setChosen({ ...choices, ...patch });

  const onStart = async () => {
    setStarting(true);
    setStartError(null);
    try {
      const run = await start({ ...requestOf(projectId, choices), concurrency: choices.concurrency });
      onStarted(run);
    } catch (err) {
      setStartError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };

  return (
    <div className="preannotate-form" data-testid="preannotate-new">
      {!keyConfigured ? (
        <div className="notice tone-warning" data-testid="preannotate-no-key">
          No Anthropic API key yet. Add one in <a href={paths.settings()}>Settings → Claude</a> (or set <code>ANTHROPIC_API_KEY</code>) to start; the estimate works without one.
          <div className="row gap preannotate-local-offer">
            <button type="button" className="btn btn-primary" onClick={onUseLocal} data-testid="preannotate-use-local">
              Use Local OCR instead (offline, free)
            </button>
          </div>
        </div>
      ) : null}
      <div className="form-grid">
        <label className="field">
          <span className="field-label">Model</span>
          <select
            className="input"
            value={choices.model}
            onChange={(e) => {
              const next = models.find((m) => m.id === e.target.value)!;
              set({ model: next.id, effort: next.efforts.includes(choices.effort) ? choices.effort : (next.efforts[0] ?? '') });
            }}
            data-testid="preannotate-model"
          >
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
                {m.isDefault ? ' (default)' : ''} · ${m.pricesPerMTok.input}/${m.pricesPerMTok.output} per M tokens
              </option>
            ))}
          </select>
        </label>
        {model.efforts.length ? (
          <label className="field">
            <span className="field-label">Effort</span>
            <select className="input" value={choices.effort} onChange={(e) => set({ effort: e.target.value })} data-testid="preannotate-effort">
              {model.efforts.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="field">
          <span className="field-label">Documents</span>
          <select className="input" value={choices.scope} onChange={(e) => set({ scope: e.target.value as Choices['scope'] })} data-testid="preannotate-scope">
            <option value="new">New documents (not started, not yet sent to the model)</option>
            <option value="all">Every document not yet verified (again, if sent before)</option>
          </select>
        </label>
        <label className="field">
          <span className="field-label">Requests in flight</span>
          <select
            className="input"
            value={String(choices.concurrency)}
            onChange={(e) => set({ concurrency: e.target.value === 'auto' ? 'auto' : Number(e.target.value) })}
            disabled={choices.batch}
            data-testid="preannotate-concurrency"
          >
            <option value="auto">Automatic (follows your rate limits)</option>
            {[1, 2, 4, 8, 16].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={choices.batch} onChange={(e) => set({ batch: e.target.checked })} data-testid="preannotate-batch" />
        Batch API: half price; results arrive within hours (it continues after a restart)
      </label>

      {current?.value ? <EstimateSummary estimate={current.value} /> : current?.error ? <InlineError message={current.error} testId="preannotate-estimate-error" /> : <Spinner label="Estimating…" />}
      {startError ? <InlineError message={startError} testId="preannotate-start-error" /> : null}

      <div className="row gap">
        <button
          type="button"
          className="btn btn-primary"
          disabled={!keyConfigured || starting || !current?.value || current.value.pages === 0}
          onClick={() => void onStart()}
          data-testid="preannotate-start"
        >
          {starting ? <Spinner size={12} /> : null}
          {current?.value ? `Start · about ${formatUsd(current.value.usd.total)}` : 'Start'}
        </button>
        {current?.value?.pages === 0 ? <span className="muted small">No documents to pre-annotate with this choice.</span> : null}
      </div>
    </div>
  );
}

// ---- a run: progress, cost, latency, controls ----------------------------------------------------

export function RunProgress({ run }: { run: PreannotationRun }) {
  const finished = run.pages.done + run.pages.failed + run.pages.cancelled;
  return (
    <div className="preannotate-progress">
      <ProgressBar value={finished} max={run.pages.total} label="Pre-annotation progress" testId="preannotate-progress" />
      <div className="row between small">
        <span data-testid="preannotate-pages">
          {formatCount(run.pages.done)} / {formatCount(run.pages.total)} pages
          {run.pages.failed ? <span className="text-danger"> · {formatCount(run.pages.failed)} failed</span> : null}
        </span>
        <span className="muted" data-testid="preannotate-eta">
          {run.state === 'running' ? `${formatEta(run.etaMs)} left` : stateLabels[run.state]}
        </span>
      </div>
    </div>
  );
}

function RunDetails({ run }: { run: PreannotationRun }) {
  const control = usePreannotation((s) => s.control);
  const [busy, setBusy] = useState(false);
  const act = async (action: 'pause' | 'resume' | 'cancel') => {
    setBusy(true);
    try {
      await control(action, run.runId);
    } catch (err) {
      toastError(`The run could not ${action}`, err);
    } finally {
      setBusy(false);
    }
  };
  const r = run.requests;
  return (
    <div className="preannotate-run" data-testid="preannotate-run" data-state={run.state} data-run-id={run.runId}>
      <div className="row gap-sm">
        <strong data-testid="preannotate-state">{stateLabels[run.state]}</strong>
        <span className="muted small">
          {run.model}
          {run.effort ? ` · ${run.effort} effort` : ''} · {run.mode === 'batch' ? 'Batch API' : run.concurrency === 'auto' ? 'automatic concurrency' : `${run.concurrency} in flight`}
        </span>
        {run.simulated ? (
          <span className="badge badge-warning" title="The server said it is Folio's Claude simulator; answers come from synthetic ground truth." data-testid="preannotate-simulated">
            Simulated
          </span>
        ) : null}
      </div>
      {run.stopReason ? (
        <div className="notice tone-danger" data-testid="preannotate-stop-reason">
          {run.stopReason.message}
        </div>
      ) : null}
      <RunProgress run={run} />
      <div className="stat-grid">
        <Stat
          label={run.estimate ? `spent (estimate ${formatUsd(run.estimate.usd.total)})` : 'spent'}
          value={formatUsd(run.costUsd)}
          testId="preannotate-cost"
          hint="From each answer's token usage, cache reads and writes included"
        />
        {run.state === 'running' ? (
          <Stat label="pages / s (last 30 s)" value={run.throughput.recentPagesPerSec.toFixed(2)} testId="preannotate-rate" />
        ) : (
          <Stat label="pages / s (whole run)" value={run.throughput.pagesPerSec.toFixed(2)} testId="preannotate-rate" />
        )}
        <Stat label="boxes · answers" value={`${formatCount(run.predictions.boxes)} · ${formatCount(run.predictions.qa)}`} testId="preannotate-predictions" />
        <Stat
          label="in flight / limit"
          value={run.pool ? `${run.pool.inFlight} / ${run.pool.concurrency}` : '—'}
          testId="preannotate-concurrency-now"
          hint="Requests in flight now, and the concurrency the pool has found for your rate limits"
        />
      </div>
      <dl className="kv small">
        <dt>Latency</dt>
        <dd data-testid="preannotate-latency">
          p50 {formatMs(run.latency.p50)} · p95 {formatMs(run.latency.p95)} · p99 {formatMs(run.latency.p99)}
        </dd>
        <dt>Requests</dt>
        <dd>
          {formatCount(r.total)} sent · {formatCount(r.retries)} retried ({percent(r.retryRate)}) · {formatCount(r.rateLimited)} rate-limited · errors {percent(r.errorRate)}
        </dd>
        <dt>Tokens</dt>
        <dd>
          {formatCount(run.tokens.input)} in · {formatCount(run.tokens.output)} out · {formatCount(run.tokens.cacheRead)} cache reads · {formatCount(run.tokens.cacheWrite5m + run.tokens.cacheWrite1h)} cache writes
        </dd>
        {Object.values(run.dropped).some((n) => n > 0) ? (
          <>
            <dt>Dropped</dt>
            <dd title="What the model returned that Folio could not use">
              {[
                [run.dropped.unknownLabel, 'labels outside the project'],
                [run.dropped.degenerate, 'degenerate boxes'],
                [run.dropped.invalid, 'invalid items'],
                [run.dropped.unknownQuestion, 'unknown questions'],
                [run.dropped.danglingEvidence, 'evidence links to nothing'],
              ]
                .filter(([n]) => (n as number) > 0)
                .map(([n, what]) => `${formatCount(n as number)} ${what as string}`)
                .join(' · ')}
            </dd>
          </>
        ) : null}
        {run.statsFile ? (
          <>
            <dt>Figures</dt>
            <dd className="mono small">{run.statsFile}</dd>
          </>
        ) : null}
      </dl>
      <h3 className="small-heading">Latency of answers</h3>
      <LatencyHistogram histogram={run.histogram} />
      {run.failures.length ? (
        <details className="preannotate-failures" data-testid="preannotate-failures">
          <summary>{plural(run.pages.failed, 'page')} failed</summary>
          <ul>
            {run.failures.map((f) => (
              <li key={f.pageId}>
                <span className="mono">{f.documentId}</span>: {f.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <div className="row gap">
        {run.state === 'running' ? (
          <button type="button" className="btn" disabled={busy} onClick={() => void act('pause')} data-testid="preannotate-pause">
            Pause
          </button>
        ) : null}
        {run.state === 'paused' || run.state === 'stopped' ? (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void act('resume')} data-testid="preannotate-resume">
            Resume
          </button>
        ) : null}
        {isUnfinished(run) ? (
          <button type="button" className="btn btn-danger-ghost" disabled={busy} onClick={() => void act('cancel')} data-testid="preannotate-cancel">
            Cancel run
          </button>
        ) : null}
      </div>
    </div>
  );
}

/**
 * Pre-annotation from the document list: Claude (choose a model, see the estimate, confirm; then
 * watch the run with its cost and latency, pause, resume or cancel it) or Local OCR (boxes with
 * text from the words read on this computer, offline and free). Closing the dialog leaves a run
 * going; the list's header keeps showing its progress.
 */
export function PreannotateDialog({ projectId, onClose }: { projectId: string; onClose(): void }) {
  const load = usePreannotation((s) => s.load);
  const loaded = usePreannotation((s) => s.loaded[projectId] === true);
  const run = usePreannotation((s) => currentRun(s.runs, projectId));
  const keyConfigured = useApp((s) => s.settings?.anthropic.configured ?? false);
  const loadOcr = useOcr((s) => s.load);
  const ocrJob = useOcr((s) => s.byProject[projectId]?.job ?? null);
  const [fresh, setFresh] = useState(false);
  const [source, setSource] = useState<PreannotationSource>('claude');
  /** The Local OCR run started here; shown until "New run…". */
  const [localJobId, setLocalJobId] = useState<string | null>(null);
  useEffect(() => {
    void load(projectId);
    void loadOcr(projectId);
  }, [load, loadOcr, projectId]);

  // A Local OCR run started here, or one still going (from before the dialog was opened).
  const localRun = ocrJob?.prediction && (ocrJob.jobId === localJobId || (isOcrJobActive(ocrJob) && !fresh)) ? ocrJob : null;
  const showRun = run && !fresh && (isUnfinished(run) || run.state === 'completed' || run.state === 'cancelled');
  const newRunButton = (
    <div className="row gap preannotate-again">
      <button
        type="button"
        className="btn"
        onClick={() => {
          setFresh(true);
          setLocalJobId(null);
        }}
        data-testid="preannotate-new-run"
      >
        New run…
      </button>
    </div>
  );
  return (
    <Modal title="Pre-annotate" onClose={onClose} wide testId="preannotate-dialog">
      {!loaded ? (
        <Spinner label="Loading runs…" />
      ) : localRun ? (
        <>
          <LocalOcrRun job={localRun} />
          {!isOcrJobActive(localRun) ? newRunButton : null}
        </>
      ) : showRun ? (
        <>
          <RunDetails run={run} />
          {!isUnfinished(run) ? newRunButton : null}
        </>
      ) : (
        <div className="preannotate-form">
          <SourceChoice source={source} onChange={setSource} keyConfigured={keyConfigured} />
          {source === 'local' ? (
            <LocalOcrForm
              projectId={projectId}
              onStarted={(job) => {
                setLocalJobId(job.jobId);
                setFresh(false);
              }}
            />
          ) : (
            <NewRun projectId={projectId} onStarted={() => setFresh(false)} onUseLocal={() => setSource('local')} />
          )}
        </div>
      )}
    </Modal>
  );
}
