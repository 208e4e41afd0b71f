import { AppError } from '../../../../shared/contract/errors';
import type { DocType, Label, Project, ProjectSummary, QuestionTemplate } from '../../../../shared/domain/model';
import { placeholderProblem } from '../../../../shared/domain/templateQuestions';
import { newId } from '../../util/ids';
import type { Db } from '../open';
import { cachedStatement } from '../statementCache';
import { recordAudit } from './audit';

export interface LabelInput {
  id?: string | undefined;
  name: string;
  color: string;
  hotkey?: Label['hotkey'] | undefined;
}
export interface QuestionInput {
  id?: string | undefined;
  text: string;
  required?: boolean | undefined;
  /** Omitted: every document (and, for an existing template, what it had is replaced by that). */
  kinds?: DocType[] | undefined;
}

/** Template rows as stored: `kinds` is a JSON array of document types. */
export const templateColumns = 'id, text, required, kinds';
export interface TemplateRow {
  id: string;
  text: string;
  required: number;
  kinds: string;
}
export const toTemplate = (r: TemplateRow): QuestionTemplate => ({ id: r.id, text: r.text, required: r.required === 1, kinds: JSON.parse(r.kinds) as DocType[] });

interface ProjectRow {
  id: string;
  name: string;
  is_demo: number;
  required_annotators: number;
  created_at: string;
  updated_at: string;
  document_count: number;
  page_count: number;
  verified_count: number;
}

const summarySql = `
  SELECT p.id, p.name, p.is_demo, p.required_annotators, p.created_at, p.updated_at,
    (SELECT COUNT(*) FROM project_documents pd WHERE pd.project_id = p.id) AS document_count,
    (SELECT COALESCE(SUM(d.page_count), 0) FROM project_documents pd JOIN documents d ON d.id = pd.document_id WHERE pd.project_id = p.id) AS page_count,
    (SELECT COUNT(*) FROM project_documents pd WHERE pd.project_id = p.id AND pd.status = 'verified') AS verified_count
  FROM projects p`;

const toSummary = (r: ProjectRow): ProjectSummary => ({
  id: r.id,
  name: r.name,
  isDemo: r.is_demo === 1,
  requiredAnnotators: r.required_annotators,
  documentCount: r.document_count,
  pageCount: r.page_count,
  verifiedCount: r.verified_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A project as another machine sent it (a bundle): its own id and question ids, so later work lines up. */
export interface ReceivedProject {
  id: string;
  name: string;
  requiredAnnotators: number;
  labels: { name: string; color: string; hotkey: Label['hotkey'] }[];
  questions: { id: string; text: string; required: boolean; kinds?: DocType[] | undefined }[];
}

const insertLabelSql = 'INSERT INTO labels (id, project_id, name, color, hotkey, position) VALUES (?, ?, ?, ?, ?, ?)';
const insertQuestionSql = 'INSERT INTO question_templates (id, project_id, text, required, kinds, position) VALUES (?, ?, ?, ?, ?, ?)';

/** A project's last change is now; adding a document to it counts as one. */
export function touchProject(db: Db, projectId: string, now: string): void {
  cachedStatement(db, 'UPDATE projects SET updated_at = ? WHERE id = ?').run(now, projectId);
}

/** Label and question checks the schema cannot express: names and hotkeys unique within the set. */
function checkLabels(labels: LabelInput[]): void {
  const names = new Map<string, number>();
  const hotkeys = new Map<string, number>();
  labels.forEach((label, i) => {
    const key = label.name.trim().toLowerCase();
    const seen = names.get(key);
    if (seen !== undefined) {
      throw new AppError('conflict', `labels[${i}].name: "${label.name}" is already used by label ${seen + 1}`, { details: { field: `labels[${i}].name` } });
    }
    names.set(key, i);
    if (label.hotkey) {
      const other = hotkeys.get(label.hotkey);
      if (other !== undefined) {
        throw new AppError('conflict', `labels[${i}].hotkey: key ${label.hotkey} is already used by "${labels[other]!.name}"`, { details: { field: `labels[${i}].hotkey` } });
      }
      hotkeys.set(label.hotkey, i);
    }
  });
}

export class ProjectsRepo {
  constructor(private readonly db: Db) {}

  list(): ProjectSummary[] {
    return (this.db.prepare(`${summarySql} ORDER BY p.updated_at DESC, p.name`).all() as ProjectRow[]).map(toSummary);
  }

  get(projectId: string): Project {
    const row = this.db.prepare(`${summarySql} WHERE p.id = ?`).get(projectId) as ProjectRow | undefined;
    if (!row) throw new AppError('not_found', `No project with id ${projectId}`);
    const labels = this.db
      .prepare('SELECT id, name, color, hotkey FROM labels WHERE project_id = ? ORDER BY position')
      .all(projectId) as Label[];
    const questions = (this.db.prepare(`SELECT ${templateColumns} FROM question_templates WHERE project_id = ? ORDER BY position`).all(projectId) as TemplateRow[]).map(toTemplate);
    return { ...toSummary(row), labels, questions };
  }

  findByName(name: string): ProjectSummary | null {
    const row = this.db.prepare(`${summarySql} WHERE p.name = ? COLLATE NOCASE`).get(name.trim()) as ProjectRow | undefined;
    return row ? toSummary(row) : null;
  }

  findDemo(): ProjectSummary | null {
    const row = this.db.prepare(`${summarySql} WHERE p.is_demo = 1 ORDER BY p.created_at LIMIT 1`).get() as ProjectRow | undefined;
    return row ? toSummary(row) : null;
  }

  create(input: { name: string; labels?: LabelInput[] | undefined; questions?: QuestionInput[] | undefined; isDemo?: boolean }, now: string): Project {
    const name = input.name.trim();
    if (this.findByName(name)) throw new AppError('conflict', `name: a project called "${name}" already exists`, { details: { field: 'name' } });
    const id = newId();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO projects (id, name, is_demo, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, name, input.isDemo ? 1 : 0, now, now);
      if (input.labels) this.replaceLabels(id, input.labels);
      if (input.questions) this.replaceQuestions(id, input.questions);
      this.checkPlaceholders(new Map(), id);
      this.audit(now, 'project.create', id, { name });
    }).immediate();
    return this.get(id);
  }

  /** Create the project a bundle brought, as sent (import checked its manifest); its labels get ids of this machine. */
  createReceived(p: ReceivedProject, now: string): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO projects (id, name, is_demo, created_at, updated_at, required_annotators) VALUES (?, ?, 0, ?, ?, ?)').run(p.id, p.name.trim(), now, now, p.requiredAnnotators);
      const label = this.db.prepare(insertLabelSql);
      p.labels.forEach((l, i) => label.run(newId(), p.id, l.name.trim(), l.color.toLowerCase(), l.hotkey, i));
      const question = this.db.prepare(insertQuestionSql);
      p.questions.forEach((q, i) => question.run(q.id, p.id, q.text.trim(), q.required ? 1 : 0, JSON.stringify([...new Set(q.kinds ?? [])]), i));
      this.audit(now, 'project.create', p.id, { name: p.name, from: 'bundle' });
    }).immediate();
  }

  update(
    input: { projectId: string; name?: string | undefined; labels?: LabelInput[] | undefined; questions?: QuestionInput[] | undefined; requiredAnnotators?: number | undefined },
    now: string,
  ): Project {
    this.get(input.projectId); // not_found before anything changes
    const n = input.requiredAnnotators;
    if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 20)) {
      throw new AppError('invalid_request', `requiredAnnotators: expected a whole number from 1 (at least one annotator per document) to 20, got ${n}`, {
        details: { field: 'requiredAnnotators' },
      });
    }
    this.db.transaction(() => {
      if (input.name !== undefined) {
        const other = this.findByName(input.name);
        if (other && other.id !== input.projectId) {
          throw new AppError('conflict', `name: a project called "${input.name.trim()}" already exists`, { details: { field: 'name' } });
        }
        this.db.prepare('UPDATE projects SET name = ? WHERE id = ?').run(input.name.trim(), input.projectId);
      }
      const before = input.labels || input.questions ? this.placeholderState(input.projectId) : null;
      if (input.labels) this.replaceLabels(input.projectId, input.labels);
      if (input.questions) this.replaceQuestions(input.projectId, input.questions);
      if (before) this.checkPlaceholders(before, input.projectId);
      if (input.requiredAnnotators !== undefined) this.db.prepare('UPDATE projects SET required_annotators = ? WHERE id = ?').run(input.requiredAnnotators, input.projectId);
      touchProject(this.db, input.projectId, now);
      this.audit(now, 'project.update', input.projectId, { name: input.name, labels: input.labels?.length, questions: input.questions?.length, requiredAnnotators: input.requiredAnnotators });
    }).immediate();
    return this.get(input.projectId);
  }

  touch(projectId: string, now: string): void {
    touchProject(this.db, projectId, now);
  }

  /** Labels keep their ids when the caller sends them back, so boxes referring to them stay linked. */
  private replaceLabels(projectId: string, labels: LabelInput[]): void {
    checkLabels(labels);
    const existing = new Set((this.db.prepare('SELECT id FROM labels WHERE project_id = ?').all(projectId) as { id: string }[]).map((r) => r.id));
    const kept = new Set<string>();
    // Clear unique columns first so reordering names and hotkeys never collides mid-update.
    this.db.prepare("UPDATE labels SET hotkey = NULL, name = '~' || id WHERE project_id = ?").run(projectId);
    const update = this.db.prepare('UPDATE labels SET name = ?, color = ?, hotkey = ?, position = ? WHERE id = ? AND project_id = ?');
    const insert = this.db.prepare(insertLabelSql);
    labels.forEach((label, position) => {
      const hotkey = label.hotkey ?? null;
      if (label.id && existing.has(label.id)) {
        update.run(label.name.trim(), label.color.toLowerCase(), hotkey, position, label.id, projectId);
        kept.add(label.id);
      } else {
        insert.run(newId(), projectId, label.name.trim(), label.color.toLowerCase(), hotkey, position);
      }
    });
    const remove = this.db.prepare('DELETE FROM labels WHERE id = ?');
    for (const id of existing) if (!kept.has(id)) remove.run(id);
  }

  private replaceQuestions(projectId: string, questions: QuestionInput[]): void {
    const existing = new Set(
      (this.db.prepare('SELECT id FROM question_templates WHERE project_id = ?').all(projectId) as { id: string }[]).map((r) => r.id),
    );
    const kept = new Set<string>();
    const update = this.db.prepare('UPDATE question_templates SET text = ?, required = ?, kinds = ?, position = ? WHERE id = ? AND project_id = ?');
    const insert = this.db.prepare(insertQuestionSql);
    questions.forEach((q, position) => {
      const required = q.required === false ? 0 : 1;
      const kinds = JSON.stringify([...new Set(q.kinds ?? [])]);
      if (q.id && existing.has(q.id)) {
        update.run(q.text.trim(), required, kinds, position, q.id, projectId);
        kept.add(q.id);
      } else {
        insert.run(newId(), projectId, q.text.trim(), required, kinds, position);
      }
    });
    const remove = this.db.prepare('DELETE FROM question_templates WHERE id = ?');
    for (const id of existing) if (!kept.has(id)) remove.run(id);
  }

  /** Each template's text and whether its placeholder (if any) names a label of the project now. */
  private placeholderState(projectId: string): Map<string, { text: string; problem: string | null }> {
    const labels = (this.db.prepare('SELECT name FROM labels WHERE project_id = ? ORDER BY position').all(projectId) as { name: string }[]).map((l) => l.name);
    const rows = this.db.prepare('SELECT id, text FROM question_templates WHERE project_id = ? ORDER BY position').all(projectId) as { id: string; text: string }[];
    return new Map(rows.map((t) => [t.id, { text: t.text, problem: placeholderProblem(t.text, labels) }]));
  }

  /**
   * A placeholder must name a label of the project, so a question is never shown with a literal
   * "{…}": a template written or edited now must, and so must one that did before this change
   * (renaming or removing its label is refused). A template that named no label before and is
   * left as it is stays (it is never asked; the settings view flags it).
   */
  private checkPlaceholders(before: Map<string, { text: string; problem: string | null }>, projectId: string): void {
    [...this.placeholderState(projectId)].forEach(([id, t], i) => {
      if (!t.problem) return;
      const was = before.get(id);
      if (was && was.text === t.text && was.problem) return;
      const field = `questions[${i}].text`;
      throw new AppError(
        'invalid_request',
        was && was.text === t.text
          ? `labels: question ${i + 1} ("${t.text}") names a label this change removes or renames: ${t.problem}`
          : `${field}: ${t.problem} (question "${t.text}")`,
        { details: { field } },
      );
    });
  }

  private audit(at: string, action: string, projectId: string, details: unknown): void {
    recordAudit(this.db, { at, actor: null, action, entityType: 'project', entityId: projectId, details });
  }
}
