import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { SYNTH_LABELS } from '../../src/main/core/synth';
import { disagreeOnInvoice } from '../helpers/review';
import { expect, launchHost, test, type FolioHost } from './fixtures';
import { callHost } from './rpc';
import { content, importInvoices, verify, type ReviewDoc } from './reviewSetup';

/**
 * Resolving gold does exactly what the lead is told: taking a source keeps the lead on the item
 * (J/K move, as the hint bar says), a source with nothing there is refused with a note instead of
 * silently dropping the item, and saving shows what gold will hold — and which items to settle
 * were never looked at — before anything is written.
 *
 * Alice and Bob verify two invoices on their own installations and send bundles; each test's lead
 * is a fresh installation that imports both. On invoice 1 Bob labels the vendor box "customer",
 * leaves out an address box, reads the due date differently and leaves out the PO-number
 * question; on invoice 2 he leaves out an address box.
 */

interface Team {
  dir: string;
  projectId: string;
  docs: [ReviewDoc, ReviewDoc];
  bundles: string[];
  /** The box Bob left out on invoice 1. */
  skippedBoxId: string;
}

let team: Team;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const dir = await mkdtemp(join(tmpdir(), 'folio-e2e-bundles-'));
  const alice = await launchHost();
  const bob = await launchHost();
  try {
    await callHost(alice, 'settings.update', { annotatorName: 'Alice' });
    await callHost(bob, 'settings.update', { annotatorName: 'Bob' });
    const labels = SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: l.hotkey as '1' | null }));
    const projectId = (await callHost(alice, 'projects.create', { name: 'Invoices', labels })).id;
    await callHost(alice, 'projects.update', { projectId, requiredAnnotators: 2 });
    const [doc1, doc2] = (await importInvoices(alice, projectId, 2)) as [ReviewDoc, ReviewDoc];
    const handout = join(dir, 'handout.folio.tar.gz');
    await callHost(alice, 'bundle.export', { projectId, path: handout });
    expect(await callHost(bob, 'bundle.import', { path: handout })).toMatchObject({ projectId, documentsCreated: 2 });

    let skippedBoxId = '';
    await verify(alice, projectId, doc1.id, content(doc1));
    await verify(bob, projectId, doc1.id, content(doc1, (c) => void (skippedBoxId = disagreeOnInvoice(doc1.truth, c))));
    const evidence2 = new Set(doc2.truth.qa.flatMap((q) => q.evidenceBoxIds));
    const skipped2 = doc2.truth.boxes.find((b) => b.label === 'address' && !evidence2.has(b.id))!;
    await verify(alice, projectId, doc2.id, content(doc2));
    await verify(bob, projectId, doc2.id, content(doc2, (c) => void (c.boxes = c.boxes.filter((b) => b.id !== skipped2.id))));

    const bundles = [join(dir, 'alice.folio.tar.gz'), join(dir, 'bob.folio.tar.gz')];
    await callHost(alice, 'bundle.export', { projectId, path: bundles[0]! });
    await callHost(bob, 'bundle.export', { projectId, path: bundles[1]! });
    team = { dir, projectId, docs: [doc1, doc2], bundles, skippedBoxId };
  } finally {
    await alice.dispose();
    await bob.dispose();
  }
});

test.afterAll(async () => {
  if (team) await rm(team.dir, { recursive: true, force: true });
});

/** The lead's installation with both annotators' bundles imported, on invoice 1's resolving view. */
async function openAsLead(page: Page, lead: FolioHost): Promise<void> {
  await callHost(lead, 'settings.update', { annotatorName: 'Lee' });
  for (const path of team.bundles) await callHost(lead, 'bundle.import', { path });
  await page.goto(`${lead.url}#/projects/${team.projectId}/review/${team.docs[0].id}`);
  await expect(page.getByTestId('review-document')).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('review-sources').getByTestId('review-source')).toHaveCount(2);
}

/** A source's number key and id, read from the legend (the order depends on who verified first). */
async function sourceNamed(page: Page, name: string): Promise<{ key: string; id: string; index: number }> {
  const legend = page.getByTestId('review-sources').getByTestId('review-source');
  const names = await legend.allInnerTexts();
  const index = names.findIndex((t) => t.includes(name));
  expect(index, `${name} in the sources legend: ${names.join(' / ')}`).toBeGreaterThanOrEqual(0);
  return { key: String(index + 1), id: (await legend.nth(index).getAttribute('data-source-id'))!, index };
}

const rowOf = (page: Page, itemId: string) => page.locator(`[data-testid="review-item-row"][data-item-id="${itemId}"]`);
const currentRow = (page: Page) => page.locator('[data-testid="review-item-row"][data-current="true"]');

/** The ids of the items to settle, in walking order. */
async function itemsToSettle(page: Page): Promise<string[]> {
  return page.locator('[data-testid="review-item-row"][data-agreed="false"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-item-id') ?? ''));
}

async function gold(lead: FolioHost, documentId: string) {
  return (await callHost(lead, 'review.document', { projectId: team.projectId, documentId })).gold;
}

test('taking a source keeps the lead on the item; J and K move, as the hint bar says', async ({ page, host: lead }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openAsLead(page, lead);
  const items = await itemsToSettle(page);
  expect(items.length).toBeGreaterThanOrEqual(3);
  const alice = await sourceNamed(page, 'Alice');
  const bob = await sourceNamed(page, 'Bob');
  const current = currentRow(page);
  await expect(current).toHaveAttribute('data-item-id', items[0]!);

  // Take Bob's version of the first item (the vendor box he labelled "customer"): the lead stays on it.
  await page.keyboard.press(bob.key);
  await expect(rowOf(page, items[0]!)).toHaveAttribute('data-choice', bob.id);
  await expect(current).toHaveAttribute('data-item-id', items[0]!);
  // Changed their mind: Alice's. Still on the same item; Ctrl+Z / Ctrl+Shift+Z step through both.
  await page.keyboard.press(alice.key);
  await expect(current).toHaveAttribute('data-item-id', items[0]!);
  await expect(current).toHaveAttribute('data-choice', alice.id);
  await page.keyboard.press('Control+z');
  await expect(current).toHaveAttribute('data-choice', bob.id);
  await page.keyboard.press('Control+Shift+Z');
  await expect(current).toHaveAttribute('data-choice', alice.id);

  // J moves to the very next item to settle — none is skipped — and K back.
  await page.keyboard.press('j');
  await expect(current).toHaveAttribute('data-item-id', items[1]!);
  await page.keyboard.press(alice.key);
  await expect(current).toHaveAttribute('data-item-id', items[1]!);
  await page.keyboard.press('k');
  await expect(current).toHaveAttribute('data-item-id', items[0]!);
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await expect(current).toHaveAttribute('data-item-id', items[2]!);

  // The mouse does the same: a click on a source's version takes it and stays.
  await current.getByTestId('review-option').nth(alice.index).click();
  await expect(rowOf(page, items[2]!)).toHaveAttribute('data-choice', alice.id);
  await expect(current).toHaveAttribute('data-item-id', items[2]!);
  // The hint bar and the buttons say so.
  const hints = page.locator('.review-view .statusbar');
  await expect(hints).toContainText('1–9 take (stays on the item)');
  await expect(hints).toContainText('J/K next/prev to settle');
  await expect(hints).toContainText('Ctrl+Enter check & save gold');
  await expect(current.getByTestId('review-option').nth(alice.index)).toHaveAttribute('title', /stays on this item.*J: next/);
});

test("a source that has no box or answer for the item is refused with a note, and the item's choice stays", async ({ page, host: lead }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openAsLead(page, lead);
  const alice = await sourceNamed(page, 'Alice');
  const bob = await sourceNamed(page, 'Bob');

  // The address box only Alice drew: it starts on her box.
  const row = page.locator(`[data-testid="review-item-row"][data-item-id$="/${team.skippedBoxId}"]`);
  await row.locator('.review-item-head').click();
  await expect(row).toHaveAttribute('data-current', 'true');
  await expect(row).toHaveAttribute('data-choice', alice.id);

  // Bob's key: refused, nothing changes, and the note says what to do instead.
  await page.keyboard.press(bob.key);
  await expect(row).toHaveAttribute('data-choice', alice.id);
  await expect(row.getByTestId('review-refusal')).toHaveText('Bob has no box for this item — press 0 to drop it or pick another source');
  await expect(row.getByTestId('review-option').nth(alice.index)).toHaveAttribute('aria-pressed', 'true');
  await expect(row.getByTestId('review-option').nth(bob.index)).toHaveAttribute('aria-pressed', 'false');
  // Undo has nothing of it to take back.
  await page.keyboard.press('Control+z');
  await expect(row).toHaveAttribute('data-choice', alice.id);

  // The same with the mouse on Bob's "no box here".
  await row.getByTestId('review-option').nth(bob.index).click();
  await expect(row.getByTestId('review-refusal')).toBeVisible();
  await expect(row).toHaveAttribute('data-choice', alice.id);

  // 0 drops it on purpose; the note goes.
  await page.keyboard.press('0');
  await expect(row).toHaveAttribute('data-choice', 'drop');
  await expect(row.getByTestId('review-refusal')).toHaveCount(0);
  await page.keyboard.press(alice.key);
  await expect(row).toHaveAttribute('data-choice', alice.id);

  // A question Bob never answered.
  const question = page.locator('[data-testid="review-item-row"][data-kind="qa"]', { hasText: 'What is the PO number?' });
  await question.locator('.review-item-head').click();
  await expect(question).toHaveAttribute('data-current', 'true');
  await expect(question).toHaveAttribute('data-choice', alice.id);
  await page.keyboard.press(bob.key);
  await expect(question.getByTestId('review-refusal')).toHaveText('Bob has no answer to this question — press 0 to drop it or pick another source');
  await expect(question).toHaveAttribute('data-choice', alice.id);
  // Moving on clears the note.
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  await expect(question).toHaveAttribute('data-current', 'true');
  await expect(question.getByTestId('review-refusal')).toHaveCount(0);
});

test('saving gold shows a summary first: kept, dropped, edited and never looked at; one confirmation writes it, Esc writes nothing', async ({ page, host: lead }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openAsLead(page, lead);
  const [doc1, doc2] = team.docs;
  const items = await itemsToSettle(page);
  const summary = page.getByTestId('gold-summary');
  const unlooked = summary.getByTestId('gold-summary-unlooked-item');

  // Ctrl+Enter on the first item, nothing else looked at: the summary, and nothing written yet.
  await page.keyboard.press('Control+Enter');
  await expect(summary).toBeVisible();
  expect(await gold(lead, doc1.id)).toBeNull();
  await expect(unlooked).toHaveCount(items.length - 1);
  // Everything is kept from the suggestions: all 31 regions and 4 answers, from Alice or Bob.
  const kept = summary.getByTestId('gold-summary-kept');
  const total = async (attr: string) => (await kept.evaluateAll((rows, a) => rows.map((r) => Number(r.getAttribute(a))), attr)).reduce((s, n) => s + n, 0);
  expect(await total('data-boxes')).toBe(doc1.truth.boxes.length);
  expect(await total('data-answers')).toBe(doc1.truth.qa.length);
  await expect(summary.getByTestId('gold-summary-dropped')).toHaveAttribute('data-count', '0');
  await expect(summary.getByTestId('gold-summary-edited')).toHaveAttribute('data-count', '0');

  // Esc goes back without writing.
  await page.keyboard.press('Escape');
  await expect(summary).toHaveCount(0);
  await expect(page.getByTestId('review-document')).toBeVisible();
  expect(await gold(lead, doc1.id)).toBeNull();

  // From the summary, straight to an item never looked at; drop it there on purpose.
  await page.keyboard.press('Control+Enter');
  await unlooked.first().click();
  await expect(summary).toHaveCount(0);
  await expect(currentRow(page)).toHaveAttribute('data-item-id', items[1]!);
  const droppedKind = await currentRow(page).getAttribute('data-kind');
  await page.keyboard.press('0');
  await expect(currentRow(page)).toHaveAttribute('data-choice', 'drop');
  // And edit the first one's transcription or answer.
  await page.keyboard.press('k');
  await page.keyboard.press('e');
  const editor = page.getByTestId('review-edit-transcription').or(page.getByTestId('review-edit-answer'));
  await editor.fill('Edited by the lead');
  await page.keyboard.press('Enter');

  await page.keyboard.press('Control+Enter');
  await expect(summary).toBeVisible();
  await expect(unlooked).toHaveCount(items.length - 2);
  await expect(summary.getByTestId('gold-summary-dropped')).toHaveAttribute('data-count', '1');
  await expect(summary.getByTestId('gold-summary-edited')).toHaveAttribute('data-count', '1');
  expect(await gold(lead, doc1.id)).toBeNull();
  // One Enter confirms: gold is written and the next document opens.
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('review-document-title')).toHaveText(doc2.sourceName);
  const written = (await gold(lead, doc1.id))!;
  expect(written.version).toBe(1);
  expect(written.boxes).toHaveLength(doc1.truth.boxes.length - (droppedKind === 'box' ? 1 : 0));
  expect(written.qa).toHaveLength(doc1.truth.qa.length - (droppedKind === 'qa' ? 1 : 0));
  expect([...written.boxes.map((b) => b.transcription), ...written.qa.map((q) => q.answer)]).toContain('Edited by the lead');

  // The save button asks the same way; its confirm button writes.
  await expect(page.getByTestId('review-document')).toHaveAttribute('data-state', 'open');
  await page.getByTestId('review-save').click();
  await expect(summary).toBeVisible();
  expect(await gold(lead, doc2.id)).toBeNull();
  await summary.getByTestId('gold-summary-confirm').click();
  await expect(page.getByTestId('review-queue')).toBeVisible();
  expect((await gold(lead, doc2.id))!.boxes).toHaveLength(doc2.truth.boxes.length);
});
