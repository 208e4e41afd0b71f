import { useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import type { Project } from '../../../shared/domain/model';
import { ErrorPanel, InlineError } from '../components/ErrorPanel';
import { LoadingPanel } from '../components/Spinner';
import { OcrSettingsSection } from '../ocr/OcrSettingsSection';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { useProjects } from '../stores/projects';
import { paths } from '../stores/route';
import { toastSuccess } from '../stores/toasts';
import './settings.css';
import { comparable, draftFrom, validate, type Draft, type Problems, type Reveal } from './projectSettings/draft';
import { LabelsSection } from './projectSettings/LabelsSection';
import { QuestionsSection } from './projectSettings/QuestionsSection';

interface GeneralSectionProps {
  draft: Draft;
  initial: Draft;
  problems: Problems;
  reveal: Reveal;
  setDraft: Dispatch<SetStateAction<Draft>>;
}

function GeneralSection({ draft, initial, problems, reveal, setDraft }: GeneralSectionProps) {
  const nameProblem = reveal(problems.name, draft.name !== initial.name);
  const annotatorsProblem = reveal(problems.requiredAnnotators, draft.requiredAnnotators !== initial.requiredAnnotators);
  return (
    <section className="card">
      <h2>General</h2>
      <label className="field">
        <span className="field-label">Project name</span>
        <input
          className={`input${nameProblem ? ' invalid' : ''}`}
          value={draft.name}
          onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
          maxLength={120}
          data-testid="project-name-field"
        />
        <InlineError message={nameProblem} testId="project-name-error" />
      </label>
      <label className="field">
        <span className="field-label">Annotators per document</span>
        <input
          className={`input input-narrow${annotatorsProblem ? ' invalid' : ''}`}
          type="number"
          min={1}
          max={20}
          value={draft.requiredAnnotators}
          onChange={(e) => setDraft((d) => ({ ...d, requiredAnnotators: e.target.value }))}
          data-testid="project-required-annotators"
        />
        <span className="muted small">How many people should verify each document before the lead reviews it; documents with fewer wait in the review queue.</span>
        <InlineError message={annotatorsProblem} testId="project-required-annotators-error" />
      </label>
    </section>
  );
}

interface SettingsFooterProps {
  /** How many problems block a Save, once Save has been pressed; 0 otherwise. */
  problemCount: number;
  serverError: string | null;
  dirty: boolean;
  saving: boolean;
  onRevert(): void;
}

function SettingsFooter({ problemCount, serverError, dirty, saving, onRevert }: SettingsFooterProps) {
  return (
    <div className="form-footer">
      <div className="grow">
        {problemCount > 0 ? (
          <InlineError message={problemCount === 1 ? 'Fix the highlighted field before saving.' : `Fix the ${problemCount} highlighted fields before saving.`} testId="project-settings-problems" />
        ) : null}
        <InlineError message={serverError} testId="project-settings-error" />
        {!serverError && problemCount === 0 ? <span className="muted small">{dirty ? 'Unsaved changes' : 'All changes saved'}</span> : null}
      </div>
      <button type="button" className="btn btn-ghost" disabled={!dirty || saving} onClick={onRevert} data-testid="project-settings-revert">
        Revert
      </button>
      <button type="submit" className="btn btn-primary" disabled={saving || !dirty} data-testid="project-settings-save">
        {saving ? 'Saving…' : 'Save'}
      </button>
    </div>
  );
}

function SettingsForm({ project, onSaved }: { project: Project; onSaved(project: Project): void }) {
  const [initial] = useState(() => draftFrom(project));
  const [draft, setDraft] = useState<Draft>(initial);
  const [showProblems, setShowProblems] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const problems = validate(draft, initial);
  const dirty = comparable(draft) !== comparable(initial);
  // Problems show as soon as a field is left wrong (hotkey clashes at once), all of them on Save.
  const reveal: Reveal = (msg, touched) => (showProblems || touched ? msg : undefined);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setShowProblems(true);
    setServerError(null);
    if (problems.count > 0) return;
    setSaving(true);
    try {
      const saved = await api()['projects.update']({
        projectId: project.id,
        name: draft.name.trim(),
        requiredAnnotators: Number(draft.requiredAnnotators),
        labels: draft.labels.map((l) => ({
          ...(l.id ? { id: l.id } : {}),
          name: l.name.trim(),
          color: l.color.toLowerCase(),
          hotkey: l.hotkey === '' ? null : l.hotkey,
        })),
        questions: draft.questions.map((q) => ({ ...(q.id ? { id: q.id } : {}), text: q.text.trim(), required: q.required, kinds: q.kinds })),
      });
      toastSuccess('Project settings saved');
      onSaved(saved);
    } catch (err) {
      setServerError(errorMessage(err));
      setSaving(false);
    }
  };

  return (
    <form className="settings-form" onSubmit={(e) => void save(e)} noValidate data-testid="project-settings-form">
      <GeneralSection draft={draft} initial={initial} problems={problems} reveal={reveal} setDraft={setDraft} />
      <LabelsSection labels={draft.labels} problems={problems.labels} reveal={reveal} setDraft={setDraft} />
      <QuestionsSection questions={draft.questions} problems={problems.questions} warnings={problems.questionWarnings} reveal={reveal} setDraft={setDraft} />
      <SettingsFooter
        problemCount={showProblems ? problems.count : 0}
        serverError={serverError}
        dirty={dirty}
        saving={saving}
        onRevert={() => {
          setDraft(initial);
          setShowProblems(false);
          setServerError(null);
        }}
      />
    </form>
  );
}

export function ProjectSettingsView({ projectId }: { projectId: string }) {
  const entry = useProjects((s) => s.byId[projectId]);
  const load = useProjects((s) => s.load);
  const put = useProjects((s) => s.put);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    void load(projectId);
  }, [projectId, load]);

  const project = entry?.project ?? null;
  return (
    <div className="page" data-testid="project-settings">
      <header className="page-header">
        <div>
          <div className="breadcrumb small">
            <a href={paths.project(projectId)}>{project?.name ?? 'Project'}</a> / Settings
          </div>
          <h1>Project settings</h1>
        </div>
      </header>
      <div className="page-body narrow">
        {entry?.error && !project ? (
          <ErrorPanel title="This project could not be opened" message={entry.error}>
            <button type="button" className="btn" onClick={() => void load(projectId)}>
              Try again
            </button>
          </ErrorPanel>
        ) : !project ? (
          <LoadingPanel />
        ) : (
          <>
            <SettingsForm
              key={`${project.id}:${version}`}
              project={project}
              onSaved={(saved) => {
                put(saved);
                setVersion((v) => v + 1);
              }}
            />
            <OcrSettingsSection projectId={projectId} />
          </>
        )}
      </div>
    </div>
  );
}
