import { useState } from 'react';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { useProjects } from '../stores/projects';
import { navigate, paths } from '../stores/route';
import { InlineError } from './ErrorPanel';
import { Modal } from './Modal';

export function CreateProjectDialog({ onClose }: { onClose(): void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const project = await api()['projects.create']({ name });
      useProjects.getState().put(project);
      onClose();
      navigate(paths.project(project.id));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Modal title="New project" onClose={onClose} testId="create-project-dialog">
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label className="field">
          <span className="field-label">Name</span>
          <input
            className="input"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Supplier invoices 2025"
            maxLength={120}
            autoFocus
            data-testid="project-name-input"
          />
          <span className="field-hint">Labels and questions can be set up in the project settings afterwards.</span>
        </label>
        <InlineError message={error} testId="create-project-error" />
        <div className="row end gap">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="create-project-submit">
            Create project
          </button>
        </div>
      </form>
    </Modal>
  );
}
