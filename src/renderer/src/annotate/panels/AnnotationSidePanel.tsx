import { useEffect, type ReactNode } from 'react';
import type { Page } from '../../../../shared/domain/model';
import { useAnnotationUi, type PanelTab } from '../uiStore';
import { useAnnotation } from '../useAnnotation';
import { IconLink } from '../../components/Icons';
import { isFocusRequestHandled } from './panelsStore';
import { setLinking } from './qaActions';
import { PredictionsSection } from './PredictionsSection';
import { QuestionsPanel } from './QuestionsPanel';
import { RegionsPanel } from './RegionsPanel';

interface AnnotationSidePanelProps {
  projectId: string;
  documentId: string;
  /** The page on screen. */
  page: Page;
  /** Every page of the document. */
  pages: Page[];
}

function TabButton({ tab, current, children }: { tab: PanelTab; current: PanelTab; children: ReactNode }) {
  return (
    <button
      type="button"
      role="tab"
      id={`panel-tab-${tab}`}
      aria-selected={tab === current}
      aria-controls={`panel-${tab}`}
      className={`panel-tab${tab === current ? ' active' : ''}`}
      onClick={() => useAnnotationUi.getState().set({ panelTab: tab })}
      data-testid={`panel-tab-${tab}`}
    >
      {children}
    </button>
  );
}

/** While "link evidence" is on, say so whichever tab is showing, with a way out. */
function LinkingBanner() {
  const linking = useAnnotationUi((s) => s.linkingEvidence);
  const question = useAnnotation((s) => (s.activeQaId ? s.qa.find((q) => q.id === s.activeQaId)?.question : undefined));
  if (!linking) return null;
  return (
    <div className="linking-banner" role="status" data-testid="linking-banner">
      <IconLink />
      <span className="grow min-w-0">
        Click boxes to link them to <strong className="truncate">{question ? `“${question}”` : 'the current question'}</strong>
      </span>
      <button type="button" className="btn btn-sm" onClick={() => setLinking(null)} data-testid="linking-done">
        Done
      </button>
    </div>
  );
}

/** The annotation view's right-hand panel: predictions, then the regions and questions tabs. */
export function AnnotationSidePanel({ projectId, documentId, page, pages }: AnnotationSidePanelProps) {
  const tab = useAnnotationUi((s) => s.panelTab);
  const focus = useAnnotationUi((s) => s.focus);
  const loaded = useAnnotation((s) => s.loaded && s.documentId === documentId);
  const boxCount = useAnnotation((s) => s.order.length);
  // Answers kept from questions no longer asked do not count.
  const qaCounts = useAnnotation((s) => {
    let answered = 0;
    let asked = 0;
    for (const q of s.qa) {
      if (s.questionInfo.kept.has(q.id)) continue;
      asked++;
      if (q.unanswerable || q.answer.trim() !== '') answered++;
    }
    return `${answered}/${asked}`;
  });

  // A focus request goes to the tab that holds its target; that tab acts on it once mounted.
  useEffect(() => {
    if (!focus || isFocusRequestHandled(focus.nonce)) return;
    if (focus.kind === 'prediction') return; // the predictions list sits above the tabs
    const want: PanelTab = focus.kind === 'qa' ? 'questions' : 'regions';
    const ui = useAnnotationUi.getState();
    if (ui.panelTab !== want) ui.set({ panelTab: want });
  }, [focus]);

  return (
    <aside className="annotation-side-panel" data-testid="annotation-side-panel" aria-label="Regions and questions">
      {loaded ? <LinkingBanner /> : null}
      {loaded ? <PredictionsSection projectId={projectId} pages={pages} /> : null}
      <div className="panel-tabs" role="tablist" aria-label="Panels">
        <TabButton tab="regions" current={tab}>
          Regions <span className="panel-tab-count">{boxCount.toLocaleString()}</span>
        </TabButton>
        <TabButton tab="questions" current={tab}>
          Questions <span className="panel-tab-count">{qaCounts}</span>
        </TabButton>
      </div>
      <div className="panel-tab-body" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`panel-tab-${tab}`}>
        {!loaded ? (
          <div className="panel-empty muted small">Loading the annotation…</div>
        ) : tab === 'regions' ? (
          <RegionsPanel page={page} pages={pages} />
        ) : (
          <QuestionsPanel projectId={projectId} documentId={documentId} pages={pages} />
        )}
      </div>
    </aside>
  );
}
