import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, type Locator, type Page } from '@playwright/test';
import { generatePage } from '../../src/main/core/synth';
import { SYNTH_LABELS } from '../../src/main/core/synth/labels';
import type { Box, Prediction } from '../../src/shared/domain/model';
import { createProject, openFolio, type FolioHost } from './fixtures';
import { callHost, importAndWait } from './rpc';

/** Arranging the annotation panels' end-to-end tests: a generated invoice, boxes, predictions. */

export interface Setup {
  projectId: string;
  documentId: string;
  pageId: string;
  boxes: { vendor: Box; total: Box; invoiceNumber: Box };
  predictions: { date: string; dueDate: string; question: string };
  texts: { total: string; dueDate: string; date: string };
}

export const QUESTIONS = ['What is the invoice total?', 'Who issued the invoice?', 'What is the PO number?'];

export async function createDocument(page: Page, host: FolioHost, name: string) {
  const projectId = await createProject(page, host, name);
  await callHost(host, 'projects.update', {
    projectId,
    labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: l.hotkey as '1' | null })),
    questions: [
      { text: QUESTIONS[0]!, required: true },
      { text: QUESTIONS[1]!, required: true },
      { text: QUESTIONS[2]!, required: false },
    ],
  });
  const { png, truth } = await generatePage(7070, 0, { kind: 'invoice', width: 1000, height: 1300 });
  const file = join(host.dataDir, 'invoice.png');
  await writeFile(file, png);
  const job = await importAndWait(host, projectId, [file]);
  expect(job.failed).toEqual([]);
  const { items } = await callHost(host, 'documents.list', { projectId });
  const doc = await callHost(host, 'documents.get', { projectId, documentId: items[0]!.id });
  return { projectId, documentId: doc.id, pageId: doc.pages[0]!.id, truth };
}

export function insertPredictions(host: FolioHost, rows: Omit<Prediction, 'status'>[], projectId: string, documentId: string) {
  // The host keeps the database open in WAL mode, so a second connection can write beside it.
  const db = new Database(join(host.dataDir, 'folio.db'));
  try {
    const insert = db.prepare(
      `INSERT INTO predictions (id, project_id, document_id, page_id, model, kind, label, x, y, w, h, transcription, question, answer, evidence, confidence, status, created_at)
       VALUES (@id, @projectId, @documentId, @pageId, @model, @kind, @label, @x, @y, @w, @h, @transcription, @question, @answer, @evidence, @confidence, 'pending', @createdAt)`,
    );
    rows.forEach((p, i) =>
      insert.run({ ...p, projectId, documentId, evidence: JSON.stringify(p.evidence), createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() }),
    );
  } finally {
    db.close();
  }
}

export async function setUp(page: Page, host: FolioHost): Promise<Setup> {
  const { projectId, documentId, pageId, truth } = await createDocument(page, host, 'Panels');
  const truthBox = (label: string) => {
    const b = truth.boxes.find((x) => x.label === label && x.text);
    if (!b) throw new Error(`the generated invoice has no ${label} box`);
    return b;
  };
  const box = (id: string, label: string, keepLabel: boolean, transcription: string): Box => {
    const t = truthBox(label);
    return { id, pageId, label: keepLabel ? label : null, x: t.x, y: t.y, w: t.width, h: t.height, transcription, locked: false, hidden: false, originPredictionId: null };
  };
  const vendor = box('box-vendor', 'vendor', true, truthBox('vendor').text);
  const total = box('box-total', 'total', true, '');
  const invoiceNumber = box('box-invoice-number', 'invoice_number', false, truthBox('invoice_number').text);
  await callHost(host, 'annotations.save', { projectId, documentId, baseRevision: 0, upsertBoxes: [vendor, total, invoiceNumber] });

  const date = truthBox('date');
  const due = truthBox('due_date');
  const base = { pageId, model: 'claude-test', question: null, answer: null, evidence: [] as string[] };
  insertPredictions(
    host,
    [
      { ...base, id: 'pred-date', kind: 'box', label: 'date', x: date.x, y: date.y, w: date.width, h: date.height, transcription: date.text, confidence: 0.95 },
      { ...base, id: 'pred-due', kind: 'box', label: 'due_date', x: due.x, y: due.y, w: due.width, h: due.height, transcription: due.text, confidence: 0.55 },
      {
        ...base,
        id: 'pred-qa',
        kind: 'qa',
        pageId: null,
        label: null,
        x: null,
        y: null,
        w: null,
        h: null,
        transcription: null,
        question: 'When was the invoice issued?',
        answer: date.text,
        evidence: ['pred-date'],
        confidence: 0.9,
      },
    ],
    projectId,
    documentId,
  );
  return {
    projectId,
    documentId,
    pageId,
    boxes: { vendor, total, invoiceNumber },
    predictions: { date: 'pred-date', dueDate: 'pred-due', question: 'pred-qa' },
    texts: { total: truthBox('total').text, dueDate: due.text, date: date.text },
  };
}

export async function openDocument(page: Page, host: FolioHost, s: { projectId: string; documentId: string }) {
  await openFolio(page, host, `#/projects/${s.projectId}/documents/${s.documentId}`);
  await expect(page.getByTestId('annotation-side-panel')).toBeVisible();
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
}

export const row = (page: Page, boxId: string) => page.locator(`[data-testid="region-row"][data-box-id="${boxId}"]`);
export const qaCard = (page: Page, question: string) => page.getByTestId('qa-card').filter({ has: page.getByText(question, { exact: true }) });
export const predictionRow = (page: Page, id: string) => page.locator(`[data-testid="prediction-row"][data-prediction-id="${id}"]`);

export async function waitSaved(page: Page) {
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
}

export async function saved(host: FolioHost, s: { projectId: string; documentId: string }) {
  return callHost(host, 'annotations.get', { projectId: s.projectId, documentId: s.documentId });
}

export async function chipBoxIds(card: Locator): Promise<string[]> {
  return card.getByTestId('evidence-chip').evaluateAll((els) => els.map((el) => el.getAttribute('data-box-id') ?? ''));
}


/** Image pixel → screen position, from the stage transform the canvas reports. */
export async function toScreen(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const canvas = page.getByTestId('page-canvas');
  const area = (await canvas.boundingBox())!;
  const scale = Number(await canvas.getAttribute('data-scale'));
  const [ox, oy] = ((await canvas.getAttribute('data-offset')) ?? '0,0').split(',').map(Number) as [number, number];
  return { x: area.x + ox + x * scale, y: area.y + oy + y * scale };
}
