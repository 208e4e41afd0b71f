import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Locator } from '@playwright/test';
import { PDFDocument } from 'pdf-lib';
import { generatePage } from '../../src/main/core/synth';

export interface ImportFolder {
  dir: string;
  images: string[];
  pdf: string;
  duplicate: string;
  broken: string;
  notes: string;
}

/**
 * The folder of the import test: 5 generated pages (4 PNG, 1 JPEG), a 3-page PDF of
 * generated pages, a byte copy of one image under another name, a truncated PNG, and a text file
 * that is not a document. Expected: 6 documents, 8 pages, 1 duplicate, 1 failure (broken.png), 1 skipped.
 */
export async function makeImportFolder(seed = 4242): Promise<ImportFolder> {
  const root = await mkdtemp(join(tmpdir(), 'folio-e2e-files-'));
  const dir = join(root, 'incoming scans');
  await mkdir(dir, { recursive: true });

  const images: string[] = [];
  for (let i = 0; i < 5; i++) {
    const jpeg = i === 4;
    const { png } = await generatePage(seed, i, { width: 1000, height: 1300, ...(jpeg ? { format: 'jpeg' as const } : {}) });
    const file = join(dir, `scan-${i + 1}.${jpeg ? 'jpg' : 'png'}`);
    await writeFile(file, png);
    images.push(file);
  }

  const pdfDoc = await PDFDocument.create();
  for (let i = 0; i < 3; i++) {
    const { png } = await generatePage(seed + 1, i, { width: 850, height: 1100 });
    const image = await pdfDoc.embedPng(png);
    const page = pdfDoc.addPage([612, 792]);
    page.drawImage(image, { x: 0, y: 0, width: 612, height: 792 });
  }
  const pdf = join(dir, 'statement.pdf');
  await writeFile(pdf, await pdfDoc.save());

  const duplicate = join(dir, 'scan-1 (copy).png');
  await copyFile(images[0] as string, duplicate);

  const broken = join(dir, 'broken.png');
  const whole = await readFile(images[1] as string);
  await writeFile(broken, whole.subarray(0, Math.floor(whole.length / 3)));

  const notes = join(dir, 'notes.txt');
  await writeFile(notes, 'not a document\n');

  return { dir, images, pdf, duplicate, broken, notes };
}

/**
 * The import dialog's summary after importing the folder of `makeImportFolder`, however it got
 * there (typed path, folder chooser): 6 documents, 8 pages, 1 duplicate, 1 skipped, and the broken
 * file, named `brokenPath`, as the one failure. Returns that failure's row.
 */
export async function expectImportFolderSummary(summary: Locator, brokenPath: string): Promise<Locator> {
  await expect(summary).toBeVisible({ timeout: 180_000 });
  await expect(summary).toHaveAttribute('data-state', 'completed');
  await expect(summary.getByTestId('summary-imported')).toHaveText('6');
  await expect(summary.getByTestId('summary-pages')).toHaveText('8');
  await expect(summary.getByTestId('summary-duplicates')).toHaveText('1');
  await expect(summary.getByTestId('summary-skipped')).toHaveText('1');
  await expect(summary.getByTestId('summary-failed')).toHaveText('1');
  const failure = summary.getByTestId('import-failure');
  await expect(failure).toHaveCount(1);
  await expect(failure).toHaveAttribute('data-path', brokenPath);
  await expect(failure).toContainText('broken.png');
  return failure;
}
