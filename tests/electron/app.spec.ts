import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';

/** The real desktop shell: hardened window, custom protocol, IPC through the preload. */
let app: ElectronApplication;
let dataDir: string;
const root = join(import.meta.dirname, '../..');

test.beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'folio-electron-'));
  app = await electron.launch({
    args: [root],
    cwd: root,
    env: { ...process.env, FOLIO_DATA_DIR: dataDir },
  });
});
test.afterEach(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('opens the renderer from the folio:// protocol with no Node in the page', async () => {
  const page = await app.firstWindow();
  expect(page.url()).toMatch(/^folio:\/\/app\//);
  // No Node in the page (nodeIntegration off, context isolated): only the contract bridge.
  expect(await page.evaluate(() => typeof (globalThis as unknown as { process?: unknown }).process)).toBe('undefined');
  // The page sees the contract, not Node or ipcRenderer.
  expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
  expect(await page.evaluate(() => Object.keys((window as unknown as { folio: { invoke: object } }).folio.invoke).includes('projects.list'))).toBe(true);
  expect(await page.evaluate(() => 'ipcRenderer' in (window as unknown as { folio: object }).folio)).toBe(false);
});

test('exposes exactly one file function: where a dropped file is on disk', async () => {
  const page = await app.firstWindow();
  const bridge = await page.evaluate(() => {
    const folio = (window as unknown as { folio: Record<string, unknown> & { pathForFile(f: File): string } }).folio;
    // A File made in the page is on no disk: its path is empty (a dropped file's is its place on disk).
    return { keys: Object.keys(folio).sort(), inMemory: folio.pathForFile(new File(['x'], 'x.png')) };
  });
  expect(bridge).toEqual({ keys: ['invoke', 'on', 'pathForFile', 'platform'], inMemory: '' });
});

test('calls the core through IPC and rejects invalid arguments', async () => {
  const page = await app.firstWindow();
  const result = await page.evaluate(() => (window as unknown as { folio: { invoke: Record<string, (r: unknown) => Promise<unknown>> } }).folio.invoke['projects.create']!({ name: '' }));
  expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  const list = await page.evaluate(() => (window as unknown as { folio: { invoke: Record<string, (r: unknown) => Promise<unknown>> } }).folio.invoke['projects.list']!({}));
  expect(list).toEqual({ ok: true, value: [] });
});

test('denies navigation away and new windows', async () => {
  const page = await app.firstWindow();
  await page.evaluate(() => {
    window.open('https://example.com');
    window.location.href = 'https://example.com';
  });
  await page.waitForTimeout(500);
  expect(app.windows()).toHaveLength(1);
  expect(page.url()).toMatch(/^folio:\/\/app\//);
});

test('runs sync in a utility process that answers the status call', async () => {
  const page = await app.firstWindow();
  // The status comes from the sync engine in its own process (sync.status is forwarded to it).
  const status = await page.evaluate(() => (window as unknown as { folio: { invoke: Record<string, (r: unknown) => Promise<unknown>> } }).folio.invoke['sync.status']!({}));
  expect(status).toMatchObject({ ok: true, value: { outbox: { pending: 0 } } });
  const metrics = await app.evaluate(({ app: electronApp }) => electronApp.getAppMetrics().map((m) => ({ type: m.type, name: m.name ?? m.serviceName ?? '' })));
  expect(metrics).toContainEqual({ type: 'Utility', name: 'Folio sync' });
});
