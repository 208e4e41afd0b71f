import { useEffect, useState } from 'react';
import { InlineError } from '../components/ErrorPanel';
import { errorMessage } from '../lib/errors';
import { useOcr } from './ocrStore';
import './ocr.css';

/** The project's page OCR setting; saved as soon as it is changed, apart from the form's Save. */
export function OcrSettingsSection({ projectId }: { projectId: string }) {
  const status = useOcr((s) => s.byProject[projectId] ?? null);
  const loadError = useOcr((s) => s.errors[projectId] ?? null);
  const load = useOcr((s) => s.load);
  const setOnImport = useOcr((s) => s.setOnImport);
  /** The value being saved, shown at once (the box does not wait for the core's answer). */
  const [saving, setSaving] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void load(projectId);
  }, [load, projectId]);

  const onChange = async (onImport: boolean) => {
    setSaving(onImport);
    setError(null);
    try {
      await setOnImport(projectId, onImport);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(null);
    }
  };

  return (
    <section className="card ocr-settings" data-testid="project-ocr-settings">
      <h2>Words on pages</h2>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={saving ?? status?.onImport ?? false}
          disabled={!status || saving !== null}
          onChange={(e) => void onChange(e.target.checked)}
          data-testid="project-ocr-on-import"
        />
        Read the words on imported pages (offline OCR)
      </label>
      <span className="muted small">Pages are read in the background on this computer, nothing is sent anywhere; search then finds documents by their text. Saved at once.</span>
      <InlineError message={error ?? loadError} testId="project-ocr-error" />
    </section>
  );
}
