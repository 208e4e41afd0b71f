import { join } from 'node:path';
import { SYNTH_LABELS } from '../../src/main/core/synth';
import { createProject, expect, launchHost, type FolioHost } from './fixtures';
import { callHost } from './rpc';
import { content, importInvoices, verify, type ReviewDoc } from './reviewSetup';
import { configureWandb, onlyManualSync, sim } from './wandbSim';

/**
 * Review as a team lives it: the lead hands two invoices out as a bundle; Alice and Bob, each on
 * their own installation (own data folder, own annotator identity), verify them differently.
 * Alice syncs to W&B; Bob is offline and sends a bundle. The lead pulls from the W&B simulator,
 * imports Bob's bundle, sees the disagreements by type in the review queue, resolves both
 * documents with the keyboard, and the gold versions sync to the dataset.
 */

async function syncNow(host: FolioHost): Promise<void> {
  await callHost(host, 'sync.now', {});
  await expect.poll(async () => (await callHost(host, 'sync.jobs', {}))[0]?.state, { timeout: 60_000 }).toBe('completed');
}

sim('two annotators disagree on separate installations; their work reaches the lead through W&B and a bundle; the lead resolves by keyboard and gold syncs', async ({ page, host: lead, wandb }) => {
  sim.setTimeout(240_000);
  const alice = await launchHost();
  const bob = await launchHost();
  try {
    // --- The lead sets up the project (two annotators per document) and hands it out as a bundle.
    const projectId = await createProject(page, lead, 'Invoices');
    await callHost(lead, 'projects.update', {
      projectId,
      requiredAnnotators: 2,
      labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: l.hotkey as '1' | null })),
    });
    const docs = await importInvoices(lead, projectId, 2);
    const handout = join(lead.dataDir, 'handout.folio.tar.gz');
    await callHost(lead, 'bundle.export', { projectId, path: handout });

    // --- Alice and Bob, each on their own installation.
    for (const [annotator, name] of [
      [alice, 'Alice'],
      [bob, 'Bob'],
    ] as const) {
      await callHost(annotator, 'settings.update', { annotatorName: name });
      const imported = await callHost(annotator, 'bundle.import', { path: handout });
      expect(imported).toMatchObject({ projectId, projectCreated: true, documentsCreated: 2 });
    }
    const [doc1, doc2] = docs as [ReviewDoc, ReviewDoc];
    // Invoice 1: Bob labels the vendor box differently and answers the first question differently.
    const vendor = doc1.truth.boxes.find((b) => b.label === 'vendor')!;
    const firstQuestion = doc1.truth.qa[0]!;
    await verify(alice, projectId, doc1.id, content(doc1));
    await verify(
      bob,
      projectId,
      doc1.id,
      content(doc1, (c) => {
        c.boxes.find((b) => b.id === vendor.id)!.label = 'customer';
        c.qa[0]!.answer = 'Bob read it differently';
        c.qa[0]!.unanswerable = false;
      }),
    );
    // Invoice 2: Bob leaves out a box nobody's answer points at.
    const evidence = new Set(doc2.truth.qa.flatMap((q) => q.evidenceBoxIds));
    const skipped = doc2.truth.boxes.find((b) => !evidence.has(b.id) && b.label === 'address')!;
    await verify(alice, projectId, doc2.id, content(doc2));
    await verify(bob, projectId, doc2.id, content(doc2, (c) => void (c.boxes = c.boxes.filter((b) => b.id !== skipped.id))));

    // --- Alice syncs to W&B; Bob is offline and exports a bundle.
    await configureWandb(alice, wandb);
    await onlyManualSync(alice);
    await syncNow(alice);
    const bobsBundle = join(bob.dataDir, 'bob.folio.tar.gz');
    expect((await callHost(bob, 'bundle.export', { projectId, path: bobsBundle })).versions).toBe(2);

    // --- The lead brings both in from the review queue: Bob's bundle, then a pull from W&B.
    await configureWandb(lead, wandb);
    await onlyManualSync(lead);
    await page.goto(`${lead.url}#/projects/${projectId}/review`);
    await expect(page.getByTestId('review-queue-empty')).toBeVisible();
    await page.getByTestId('bundles-button').click();
    await page.getByTestId('bundle-import-path').fill(bobsBundle);
    await page.getByTestId('bundle-import').click();
    await expect(page.getByTestId('bundle-import-summary')).toContainText('2 versions imported, 0 already here into “Invoices”');
    // Importing again changes nothing.
    await page.getByTestId('bundle-import').click();
    await expect(page.getByTestId('bundle-import-summary')).toContainText('0 versions imported, 2 already here');
    await page.keyboard.press('Escape');
    await page.getByTestId('pull-button').click();
    await expect(page.getByTestId('pull')).toHaveAttribute('data-state', 'completed', { timeout: 60_000 });
    await expect(page.getByTestId('pull-status')).toContainText('2 versions imported');
    const pulled = (await callHost(lead, 'exchange.pulls', { projectId }))[0]!;
    expect(pulled).toMatchObject({ imported: 2, conflictCount: 0, errorCount: 0 });

    // --- The lead's queue lists both documents with their disagreements by type.
    const rows = page.getByTestId('review-item');
    await expect(rows).toHaveCount(2);
    const row1 = page.locator(`[data-testid="review-item"][data-document-id="${doc1.id}"]`);
    await expect(row1.getByTestId('review-item-types')).toContainText('1 label');
    await expect(row1.getByTestId('review-item-types')).toContainText('1 answer');
    const row2 = page.locator(`[data-testid="review-item"][data-document-id="${doc2.id}"]`);
    await expect(row2.getByTestId('review-item-types')).toContainText('1 missing box');
    await expect(page.getByTestId('agreement-annotators').getByTestId('agreement-annotator')).toHaveCount(2);

    // --- Resolve invoice 1 by keyboard: Alice's label for the vendor box, Bob's answer.
    await row1.getByTestId('review-item-link').click();
    const view = page.getByTestId('review-document');
    await expect(view).toHaveAttribute('data-state', 'open');
    await expect(page.getByTestId('review-sources').getByTestId('review-source')).toHaveCount(2);
    const current = page.locator('[data-testid="review-item-row"][data-current="true"]');
    await expect(current).toHaveAttribute('data-kind', 'box');
    await expect(current.getByTestId('review-disagreement')).toContainText('label');
    const suggested = (await current.getAttribute('data-choice')) ?? '';
    const sourceIds = await page.getByTestId('review-source').evaluateAll((els) => els.map((el) => el.getAttribute('data-source-id')));
    // Taking a source stays on the item.
    await page.keyboard.press('2');
    await expect(current).toHaveAttribute('data-kind', 'box');
    await expect(current).toHaveAttribute('data-choice', sourceIds[1]!);
    // Wrong source: Ctrl+Z takes it back; then Alice's.
    await page.keyboard.press('Control+z');
    await expect(current).toHaveAttribute('data-kind', 'box');
    await expect(current).toHaveAttribute('data-choice', suggested);
    await page.keyboard.press('1');
    // J: on to the next disagreement, the answer.
    await page.keyboard.press('j');
    await expect(current).toHaveAttribute('data-kind', 'qa');
    await page.keyboard.press('2');
    await expect(current).toHaveAttribute('data-choice', sourceIds[1]!);
    // Ctrl+Enter shows what gold will hold; Enter confirms.
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('gold-summary')).toBeVisible();
    await page.keyboard.press('Enter');

    // Saved: the next open document opens by itself.
    await expect(page.getByTestId('review-document-title')).toHaveText('invoice-2.png');
    await expect(current).toHaveAttribute('data-kind', 'box');
    await expect(current.getByTestId('review-disagreement')).toContainText('Bob');
    // Keep Alice's box: Bob missed it. Enter on her focused option takes it (and does not start editing).
    await current.getByTestId('review-option').first().focus();
    await page.keyboard.press('Enter');
    await expect(current.getByTestId('review-option').first()).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('review-box-editor')).toHaveCount(0);
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('gold-summary-all-looked')).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('review-queue')).toBeVisible();
    await expect(page.getByTestId('review-queue-empty')).toBeVisible();
    await page.getByTestId('review-filter-resolved').click();
    await expect(page.getByTestId('review-item')).toHaveCount(2);
    // A resolved document shows its gold's lineage: who resolved it, and where each item came from.
    await row1.getByTestId('review-item-link').click();
    const lineage = page.getByTestId('gold-lineage');
    await expect(lineage).toContainText(/Gold v1, resolved by .+ on /);
    await lineage.locator('summary').click();
    await expect(lineage).toContainText(/Compared.*(Alice v1, Bob v1|Bob v1, Alice v1)/);
    await expect(page.getByTestId('gold-lineage-answers')).toContainText('from Bob');
    await expect(page.getByTestId('gold-lineage-boxes')).toContainText('from Alice');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('review-queue')).toBeVisible();

    // --- Gold holds the lead's choices, with lineage.
    const gold1 = (await callHost(lead, 'review.document', { projectId, documentId: doc1.id })).gold!;
    expect(gold1.boxes.find((b) => b.id === vendor.id)!.label).toBe('vendor');
    expect(gold1.qa.find((q) => q.question === firstQuestion.question)!.answer).toBe('Bob read it differently');
    expect(gold1.lineage!.sources.map((s) => s.name).sort()).toEqual(['Alice', 'Bob']);
    const gold2 = (await callHost(lead, 'review.document', { projectId, documentId: doc2.id })).gold!;
    expect(gold2.boxes.some((b) => b.id === skipped.id)).toBe(true);

    // --- Gold syncs: two more annotation versions in the dataset, each once.
    const before = await wandb.summary();
    await syncNow(lead);
    const after = await wandb.summary();
    expect(after.annotationVersions).toBe(before.annotationVersions + 2);
    expect(after.duplicated).toBe(0);
    expect(after.problems).toEqual([]);
  } finally {
    await alice.dispose();
    await bob.dispose();
  }
});
