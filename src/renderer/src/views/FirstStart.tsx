import { useState } from 'react';
import { DemoProgress } from '../components/DemoProgress';
import { InlineError } from '../components/ErrorPanel';
import { IconPlus, IconSparkles } from '../components/Icons';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { useApp } from '../stores/app';
import { useDemo } from '../stores/demo';
import { useProjects } from '../stores/projects';
import { navigate, paths } from '../stores/route';
import './welcome.css';

/** First start: who is annotating, then the demo project or a first project of one's own. */
export function FirstStart() {
  const settings = useApp((s) => s.settings);
  const info = useApp((s) => s.info);
  const updateSettings = useApp((s) => s.updateSettings);
  const finishOnboarding = useApp((s) => s.finishOnboarding);
  const needsName = info?.firstStart ?? true;
  const [step, setStep] = useState<'name' | 'choose' | 'create'>(needsName ? 'name' : 'choose');
  const [name, setName] = useState(settings?.annotator.name ?? '');
  const [projectName, setProjectName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const demoRunning = useDemo((s) => s.running);
  const demoError = useDemo((s) => s.error);
  const openDemo = useDemo((s) => s.open);

  const saveName = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError('Please enter your name. It is stored with every annotation you make.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await updateSettings({ annotatorName: name.trim() });
      setStep('choose');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const startDemo = async () => {
    const project = await openDemo();
    if (project) {
      finishOnboarding();
      navigate(paths.project(project.id));
    }
  };

  const createProject = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const project = await api()['projects.create']({ name: projectName });
      useProjects.getState().put(project);
      finishOnboarding();
      navigate(paths.project(project.id));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="welcome" data-testid="first-start">
      <div className="welcome-card">
        <div className="welcome-brand">
          <span className="brand-mark brand-mark-lg" aria-hidden="true">
            F
          </span>
          <div>
            <h1>Welcome to Folio</h1>
            <p className="muted">Annotate invoices, receipts and forms — offline, on your machine.</p>
          </div>
        </div>

        {step === 'name' ? (
          <form onSubmit={(e) => void saveName(e)} className="stack" data-testid="name-form">
            <label className="field">
              <span className="field-label">Your name</span>
              <input
                className="input"
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="e.g. Ada Lovelace"
                maxLength={80}
                autoFocus
                data-testid="annotator-name-input"
              />
              <span className="field-hint">Saved with every annotation you make, so reviewers know who did what.</span>
            </label>
            <InlineError message={error} testId="first-start-error" />
            <div className="row end">
              <button type="submit" className="btn btn-primary" disabled={busy} data-testid="annotator-name-continue">
                Continue
              </button>
            </div>
          </form>
        ) : null}

        {step === 'choose' ? (
          <div className="stack">
            <p>
              {settings?.annotator.name ? <>Hi {settings.annotator.name}. </> : null}
              How would you like to start?
            </p>
            {demoRunning ? (
              <DemoProgress />
            ) : (
              <div className="choice-grid">
                <button type="button" className="choice" onClick={() => void startDemo()} data-testid="open-demo">
                  <IconSparkles size={22} />
                  <span className="choice-title">Open the demo project</span>
                  <span className="choice-text">Generated invoices, receipts and forms to try Folio with.</span>
                </button>
                <button type="button" className="choice" onClick={() => setStep('create')} data-testid="start-create-project">
                  <IconPlus size={22} />
                  <span className="choice-title">Create a project</span>
                  <span className="choice-text">Start empty and import your own documents.</span>
                </button>
              </div>
            )}
            <InlineError message={demoError} testId="demo-error" />
            {!demoRunning ? (
              <div className="row end">
                <button type="button" className="btn btn-ghost" onClick={finishOnboarding} data-testid="skip-onboarding">
                  Go to projects
                </button>
              </div>
            ) : null}
          </div>
        ) : null}

        {step === 'create' ? (
          <form onSubmit={(e) => void createProject(e)} className="stack">
            <label className="field">
              <span className="field-label">Project name</span>
              <input
                className="input"
                value={projectName}
                onChange={(e) => setProjectName(e.target.value)}
                placeholder="e.g. Supplier invoices 2025"
                maxLength={120}
                autoFocus
                data-testid="project-name-input"
              />
            </label>
            <InlineError message={error} testId="first-start-error" />
            <div className="row end gap">
              <button type="button" className="btn btn-ghost" onClick={() => setStep('choose')}>
                Back
              </button>
              <button type="submit" className="btn btn-primary" disabled={busy} data-testid="create-project-submit">
                Create project
              </button>
            </div>
          </form>
        ) : null}
      </div>
    </div>
  );
}
