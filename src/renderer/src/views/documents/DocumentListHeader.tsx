import type { Project } from '../../../../shared/domain/model';
import { IconSettings, IconSparkles, IconUpload } from '../../components/Icons';
import { formatCount, plural } from '../../lib/format';
import { OcrIndicator } from '../../ocr/OcrIndicator';
import { useFileImport } from '../../stores/fileImport';
import { paths } from '../../stores/route';
import { ActiveImports, ActivePreannotation } from './ActiveJobs';

interface DocumentListHeaderProps {
  projectId: string;
  /** Null while the project loads. */
  project: Project | null;
  onPreannotate(): void;
  onFormats(dialog: 'export' | 'import'): void;
}

/** The project's name and counts, its running jobs, and what can be done with the whole project. */
export function DocumentListHeader({ projectId, project, onPreannotate, onFormats }: DocumentListHeaderProps) {
  const openImport = useFileImport((s) => s.openDialog);
  return (
    <header className="page-header">
      <div className="min-w-0">
        <div className="row gap-sm">
          <h1 className="truncate" data-testid="project-title">
            {project?.name ?? ' '}
          </h1>
          {project?.isDemo ? <span className="badge">Demo</span> : null}
        </div>
        {project ? (
          <div className="muted small" data-testid="project-stats">
            <span data-testid="project-document-count">{plural(project.documentCount, 'document')}</span>
            {' · '}
            <span data-testid="project-page-count">{plural(project.pageCount, 'page')}</span>
            {' · '}
            <span data-testid="project-verified-count">{formatCount(project.verifiedCount)} verified</span>
          </div>
        ) : null}
      </div>
      <div className="row gap">
        <ActiveImports projectId={projectId} onOpen={(jobId) => openImport(projectId, jobId)} />
        <ActivePreannotation projectId={projectId} onOpen={onPreannotate} />
        <OcrIndicator projectId={projectId} />
        <a className="btn btn-ghost" href={paths.projectSettings(projectId)} data-testid="project-settings-link">
          <IconSettings /> Settings
        </a>
        <button
          type="button"
          className="btn"
          onClick={onPreannotate}
          disabled={!project || project.documentCount === 0}
          title="Let Claude, or Local OCR offline, draw boxes (and Claude answer the questions) first, so you correct instead of starting from nothing"
          data-testid="preannotate-button"
        >
          <IconSparkles /> Pre-annotate
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => onFormats('export')}
          disabled={!project || project.verifiedCount === 0}
          title={
            project && project.verifiedCount === 0
              ? 'Nothing to export yet: export writes verified versions, and no document here is verified'
              : 'One verified version of each document (gold where a lead resolved it) as COCO, Label Studio, Pascal VOC, YOLO or Folio JSONL'
          }
          data-testid="export-button"
        >
          Export
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => onFormats('import')}
          disabled={!project || project.documentCount === 0}
          title="Annotations or predictions from Label Studio, COCO or Folio JSONL, matched to this project's documents"
          data-testid="import-annotations-button"
        >
          Import annotations
        </button>
        <button type="button" className="btn btn-primary" onClick={() => openImport(projectId)} data-testid="import-button">
          <IconUpload /> Import
        </button>
      </div>
    </header>
  );
}
