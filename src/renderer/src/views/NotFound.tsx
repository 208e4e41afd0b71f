import { ErrorPanel } from '../components/ErrorPanel';
import { paths } from '../stores/route';

export function NotFound({ path }: { path: string }) {
  return (
    <div className="page">
      <ErrorPanel title="Nothing here" message={`Folio has no page at “${path}”.`}>
        <a className="btn" href={paths.projects()}>
          Go to projects
        </a>
      </ErrorPanel>
    </div>
  );
}
