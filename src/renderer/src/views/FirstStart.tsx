import { useState } from 'react';
import { DemoProgress } from '../components/DemoProgress';
import { ProjectNameForm, useProjectCreation } from '../components/CreateProjectDialog';
import { InlineError } from '../components/ErrorPanel';
import { IconPlus, IconSparkles } from '../components/Icons';
import { SingleFieldForm } from '../components/SingleFieldForm';
import { errorMessage } from '../lib/errors';
import { useApp } from '../stores/app';
import { useDemo } from '../stores/demo';
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const demoRunning = useDemo((s) => s.running);
  const demoError = useDemo((s) => s.error);
  const openDemo = useDemo((s) => s.open);

  const saveName = async () => {
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

  const creation = useProjectCreation(finishOnboarding);

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
          <SingleFieldForm
            label="Your name"
            hint="Saved with every annotation you make, so reviewers know who did what."
            input={{ value: name, onChange: setName, placeholder: 'e.g. Ada Lovelace', maxLength: 80, testId: 'annotator-name-input' }}
            error={{ message: error, testId: 'first-start-error' }}
            submit={{ label: 'Continue', testId: 'annotator-name-continue', busy, onSubmit: () => void saveName() }}
            testId="name-form"
          />
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
          <ProjectNameForm creation={creation} label="Project name" errorTestId="first-start-error" cancel={{ label: 'Back', onClick: () => setStep('choose') }} />
        ) : null}
      </div>
    </div>
  );
}
