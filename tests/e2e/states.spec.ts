import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { generatePage, SYNTH_LABELS, SYNTH_QUESTIONS } from '../../src/main/core/synth';
import type { ClaudeSimulator } from '../../src/main/sim/claude';
import type { PreannotationRun } from '../../src/shared/domain/preannotation';
import { pagePng } from '../helpers/fixtures';
import { withClaude } from './claudeSim';
import { createProject, expect, openFolio, test, type FolioHost } from './fixtures';
import { callHost, importAndWait, importPages, saveAndVerify } from './rpc';
import { configureWandb, onlyManualSync, sim, SIM } from './wandbSim';

/**
 * Every state on screen says what is true: a page the model found nothing on is not
 * "Pre-annotated"; a running pre-annotation shows on its project's card; a sync that could not
 * reach W&B does not say it is reachable; counts of verified versions are not called documents;
 * an import that added nothing does not say it finished well.
 */

const KEY = 'sk-ant-e2e-simulated-key';

/** A project whose first `synthetic` pages the simulator knows (it predicts boxes) and whose `blank` pages it does not (it finds nothing). */
async function preannotationProject(host: FolioHost, claude: ClaudeSimulator, name: string, synthetic: number, blank: number): Promise<{ projectId: string; known: string[]; unknown: string[] }> {
  const dir = join(host.dataDir, 'incoming');
  await mkdir(dir, { recursive: true });
  const knownFiles: string[] = [];
  const blankFiles: string[] = [];
  for (let i = 0; i < synthetic; i++) {
    const { truth, png } = await generatePage(4242, i, { kind: 'invoice', width: 640, height: 880 });
    const file = join(dir, `${truth.id}.png`);
    await writeFile(file, png);
    claude.truth.register(truth);
    knownFiles.push(file);
  }
  for (let i = 0; i < blank; i++) {
    const file = join(dir, `blank-${i + 1}.png`);
    await writeFile(file, await pagePng(i + 1, 640, 880));
    blankFiles.push(file);
  }
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester', anthropic: { baseUrl: claude.url } });
  await callHost(host, 'settings.setSecret', { name: 'anthropicApiKey', value: KEY });
  const project = await callHost(host, 'projects.create', {
    name,
    labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color })),
    questions: SYNTH_QUESTIONS.map((text) => ({ text })),
  });
  expect((await importAndWait(host, project.id, [...knownFiles, ...blankFiles])).failed).toEqual([]);
  const { items } = await callHost(host, 'documents.list', { projectId: project.id });
  const idOf = (file: string) => items.find((d) => file.endsWith(d.sourceName))!.id;
  return { projectId: project.id, known: knownFiles.map(idOf), unknown: blankFiles.map(idOf) };
}

async function runToEnd(host: FolioHost, run: PreannotationRun): Promise<PreannotationRun> {
  for (;;) {
    const now = await callHost(host, 'preannotate.get', { runId: run.runId });
    if (now.state === 'completed' || now.state === 'cancelled' || now.state === 'stopped') return now;
    await new Promise((r) => setTimeout(r, 200));
  }
}

withClaude('a page the model found nothing on stays New with a note, and "new documents" does not send it again', async ({ page, host, claude }) => {
  const p = await preannotationProject(host, claude, 'Found nothing', 1, 1);
  const run = await runToEnd(host, await callHost(host, 'preannotate.start', { projectId: p.projectId, scope: 'new', concurrency: 2 }));
  expect(run.state).toBe('completed');
  expect(run.pages.done).toBe(2);

  await openFolio(page, host, `#/projects/${p.projectId}`);
  const found = page.locator(`[data-testid="document-card"][data-document-id="${p.known[0]}"]`);
  const empty = page.locator(`[data-testid="document-card"][data-document-id="${p.unknown[0]}"]`);
  await expect(found.getByTestId('status-chip')).toHaveText('Pre-annotated');
  await expect(empty.getByTestId('status-chip'), 'a page with no predictions does not claim to be pre-annotated').toHaveText('New');
  await expect(empty.getByTestId('document-note')).toHaveText(/found nothing/);
  await expect(found.getByTestId('document-note')).toHaveCount(0);
  await expect(page.getByTestId('filter-pre_annotated')).toContainText('1');
  await expect(page.getByTestId('filter-new')).toContainText('1');

  // A new run over "new documents" has nothing to send: the model already looked at that page.
  await page.getByTestId('preannotate-button').click();
  const dialog = page.getByTestId('preannotate-dialog');
  await dialog.getByTestId('preannotate-new-run').click();
  await expect(dialog.getByTestId('preannotate-scope')).toHaveValue('new');
  await expect(dialog.getByTestId('preannotate-estimate')).toContainText('for 0 pages');
  await expect(dialog.getByTestId('preannotate-start')).toBeDisabled();
  // Every document not yet verified still includes both pages.
  await dialog.getByTestId('preannotate-scope').selectOption('all');
  await expect(dialog.getByTestId('preannotate-estimate')).toContainText('for 2 pages');
});

withClaude('the project card shows a pre-annotation run while it runs, live, and when it is paused', async ({ page, host, claude }) => {
  const p = await preannotationProject(host, claude, 'Card progress', 6, 0);
  await openFolio(page, host, '#/projects');
  const card = page.locator(`[data-testid="project-card"][data-project-id="${p.projectId}"]`);
  await expect(card).toBeVisible();
  // The run starts after the list is on screen: only events can tell the card about it.
  const started = await callHost(host, 'preannotate.start', { projectId: p.projectId, scope: 'new', concurrency: 1 });
  const progress = card.getByTestId('project-preannotation');
  await expect(progress).toHaveAttribute('data-state', 'running');
  await expect(progress).toContainText(/Pre-annotating [0-5] \/ 6 pages/);
  await expect(progress).toContainText(/Pre-annotating [1-5] \/ 6 pages/);
  await callHost(host, 'preannotate.pause', { runId: started.runId });
  await expect(progress).toHaveAttribute('data-state', 'paused');
  await expect(progress).toContainText(/Paused at [1-6] \/ 6 pages/);
  // A reload reads the unfinished run back (no event needed).
  await page.reload();
  await expect(card.getByTestId('project-preannotation')).toHaveAttribute('data-state', 'paused');
  await callHost(host, 'preannotate.resume', { runId: started.runId });
  await expect(card.getByTestId('project-preannotation')).toHaveAttribute('data-state', 'running');
  await runToEnd(host, started);
  await expect(card.getByTestId('project-preannotation')).toHaveCount(0);
});

/** A TCP port nothing listens on: W&B "down". */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

sim('with W&B down, the Sync page never says it is reachable: not checked yet after a settings change, unreachable after Sync now', async ({ page, host, wandb }) => {
  await createProject(page, host, 'Offline sync');
  await onlyManualSync(host);
  await page.getByTestId('nav-sync').click();
  await expect(page.getByTestId('sync-page')).toBeVisible();
  const reachable = page.getByTestId('sync-online');
  await expect(reachable).toHaveText('not checked yet');

  // A W&B that answers: "Sync now" checks it.
  await configureWandb(host, wandb);
  await page.getByTestId('sync-now').click();
  await expect(reachable).toContainText(/^yes · checked/);

  // Now W&B is somewhere nothing answers. Nothing has checked that address yet: no "yes".
  await callHost(host, 'settings.update', { wandb: { baseUrl: `http://127.0.0.1:${await closedPort()}` } });
  await callHost(host, 'settings.setSecret', { name: 'wandbApiKey', value: SIM.apiKey });
  await expect(reachable, 'a new W&B address has not been checked').toHaveText('not checked yet');
  await expect(page.getByTestId('sync-banner')).not.toHaveAttribute('data-state', 'offline');

  // The first "Sync now" finds it unreachable, and the page keeps saying so.
  await page.getByTestId('sync-now').click();
  await expect(reachable, 'after a sync that could not reach W&B').toContainText(/^no · checked/);
  await expect(page.getByTestId('sync-banner')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('sync-message')).toContainText('cannot be reached');
  await page.waitForTimeout(1_000);
  await expect(reachable).toContainText(/^no · checked/);
  await page.reload();
  await expect(page.getByTestId('sync-online')).toContainText(/^no · checked/);
});

test('the sidebar counts verified versions as versions: one document verified twice is not "2 documents"', async ({ page, host }) => {
  const projectId = await createProject(page, host, 'Two versions');
  await callHost(host, 'projects.update', { projectId, labels: [{ name: 'total', color: '#e5484d', hotkey: '1' }] });
  const [doc] = await importPages(host, projectId, 1);
  for (const transcription of ['12.50', '21.50']) {
    await saveAndVerify(host, projectId, doc!.id, (pageId) => [{ id: 'a', pageId, label: 'total', x: 40, y: 60, w: 120, h: 30, transcription, locked: false, hidden: false, originPredictionId: null }]);
  }
  const indicator = page.getByTestId('sync-indicator');
  await expect(indicator).toHaveAttribute('data-pending', '2');
  const reason = page.getByTestId('sync-indicator-reason');
  await expect(reason).toContainText('2 verified versions of 1 document');
  await expect(reason).not.toContainText('2 verified documents');
  await expect(page.getByTestId('sync-indicator-pending')).toHaveAttribute('title', /versions/);
  await indicator.click();
  await expect(page.getByTestId('sync-message')).toContainText('2 verified versions of 1 document');
});

test('an import that added nothing says so: duplicates in a neutral tone, unreadable files as a warning', async ({ page, host }) => {
  const projectId = await createProject(page, host, 'Nothing new');
  const file = join(host.dataDir, 'page.png');
  await writeFile(file, await pagePng(1, 600, 800));
  expect((await importAndWait(host, projectId, [file])).imported).toBe(1);
  const broken = join(host.dataDir, 'broken.png');
  await writeFile(broken, Buffer.from('this is not a PNG at all'));

  const dialog = page.getByTestId('import-dialog');
  const summary = dialog.getByTestId('import-summary');
  const title = summary.getByRole('heading', { level: 3 });

  // The same file again: nothing imported, because it is already there.
  await page.getByTestId('import-button').click();
  await dialog.getByTestId('import-paths').fill(file);
  await dialog.getByTestId('import-start').click();
  await expect(summary).toBeVisible();
  await expect(title).toHaveText('Nothing imported: 1 file was already in the project');
  await expect(title).toHaveAttribute('data-tone', 'neutral');
  await dialog.getByTestId('import-more').click();

  // Only an unreadable file: nothing imported, and why (the reason per file is listed below the title).
  await dialog.getByTestId('import-paths').fill(broken);
  await dialog.getByTestId('import-start').click();
  await expect(title).toHaveText('No files imported: 1 could not be imported');
  await expect(title).toHaveAttribute('data-tone', 'warning');
  await expect(summary.getByTestId('import-failure')).toContainText('broken.png');
  await dialog.getByTestId('import-more').click();

  // Both at once: the title names both.
  await dialog.getByTestId('import-paths').fill(`${file}\n${broken}`);
  await dialog.getByTestId('import-start').click();
  await expect(title).toHaveText('No files imported: 1 was already in the project, 1 could not be imported');
  await expect(title).toHaveAttribute('data-tone', 'warning');
  await dialog.getByTestId('import-more').click();

  // Something imported, something failed: imported, with a warning.
  const second = join(host.dataDir, 'page-2.png');
  await writeFile(second, await pagePng(2, 600, 800));
  await dialog.getByTestId('import-paths').fill(`${second}\n${broken}`);
  await dialog.getByTestId('import-start').click();
  await expect(title).toHaveText('Imported 1 document; 1 file could not be imported');
  await expect(title).toHaveAttribute('data-tone', 'warning');
  await dialog.getByTestId('import-more').click();

  // Only new files: the one green title.
  const third = join(host.dataDir, 'page-3.png');
  await writeFile(third, await pagePng(3, 600, 800));
  await dialog.getByTestId('import-paths').fill(third);
  await dialog.getByTestId('import-start').click();
  await expect(title).toHaveText('Imported 1 document');
  await expect(title).toHaveAttribute('data-tone', 'success');
});
