import { useState } from 'react';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { useProjects } from '../stores/projects';
import { navigate, paths } from '../stores/route';
import { Modal } from './Modal';
import { SingleFieldForm } from './SingleFieldForm';

/** The name of a project to create, and creating it; `onCreated` runs before the new project opens. */
export function useProjectCreation(onCreated: () => void) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const project = await api()['projects.create']({ name });
      useProjects.getState().put(project);
      onCreated();
      navigate(paths.project(project.id));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return { name, setName, busy, error, create };
}

/** The project-name form; its state lives in the caller's `useProjectCreation`, so it outlasts the form. */
export function ProjectNameForm({
  creation,
  label,
  hint,
  errorTestId,
  cancel,
}: {
  creation: ReturnType<typeof useProjectCreation>;
  label: string;
  hint?: string;
  errorTestId: string;
  cancel: { label: string; onClick(): void };
}) {
  return (
    <SingleFieldForm
      label={label}
      hint={hint}
      input={{ value: creation.name, onChange: creation.setName, placeholder: 'e.g. Supplier invoices 2025', maxLength: 120, testId: 'project-name-input' }}
      error={{ message: creation.error, testId: errorTestId }}
      submit={{ label: 'Create project', testId: 'create-project-submit', busy: creation.busy, onSubmit: () => void creation.create() }}
      cancel={cancel}
    />
  );
}

export function CreateProjectDialog({ onClose }: { onClose(): void }) {
  const creation = useProjectCreation(onClose);
  return (
    <Modal title="New project" onClose={onClose} testId="create-project-dialog">
      <ProjectNameForm
        creation={creation}
        label="Name"
        hint="Labels and questions can be set up in the project settings afterwards."
        errorTestId="create-project-error"
        cancel={{ label: 'Cancel', onClick: onClose }}
      />
    </Modal>
  );
}
