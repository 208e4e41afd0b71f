import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { rpcProtocols } from '../../src/shared/contract/hostAuth';
import type { MethodName, RequestOf, ResponseOf } from '../../src/shared/contract';
import type { Box } from '../../src/shared/domain/model';
import { pagePng } from '../helpers/fixtures';
import type { FolioHost } from './fixtures';

/**
 * Calls to the running host over its WebSocket, the way the renderer makes them: for arranging a
 * test (projects, imports) and for reading back exactly what was saved.
 */
export async function callHost<M extends MethodName>(host: FolioHost, method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
  const ws = new WebSocket(`${host.origin.replace(/^http/, 'ws')}/rpc`, rpcProtocols(host.token), { headers: { origin: host.origin } });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return await new Promise<ResponseOf<M>>((resolve, reject) => {
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number; result?: { ok: boolean; value?: unknown; error?: { message: string } } };
        if (message.id !== 1 || !message.result) return;
        if (message.result.ok) resolve(message.result.value as ResponseOf<M>);
        else reject(new Error(`${method}: ${message.result.error?.message}`));
      });
      ws.send(JSON.stringify({ id: 1, method, request }));
    });
  } finally {
    ws.close();
  }
}

/** Wait for an import started through the API to finish. */
export async function importAndWait(host: FolioHost, projectId: string, paths: string[]): Promise<ResponseOf<'import.get'>> {
  const { jobId } = await callHost(host, 'import.start', { projectId, paths });
  for (;;) {
    const job = await callHost(host, 'import.get', { jobId });
    if (job.state !== 'running' && job.state !== 'queued') return job;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `count` generated page images (page-1.png …) written to the host's data folder and imported; the project's documents after. */
export async function importPages(host: FolioHost, projectId: string, count: number): Promise<ResponseOf<'documents.list'>['items']> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(host.dataDir, `page-${i + 1}.png`);
    await writeFile(file, await pagePng(i + 1, 600, 800));
    files.push(file);
  }
  const job = await importAndWait(host, projectId, files);
  if (job.failed.length) throw new Error(`import failed: ${JSON.stringify(job.failed)}`);
  return (await callHost(host, 'documents.list', { projectId })).items;
}

/** Save boxes on the document's first page and verify it, as the canvas and Ctrl+Enter would. */
export async function saveAndVerify(host: FolioHost, projectId: string, documentId: string, boxes: (pageId: string) => Box[]): Promise<void> {
  const doc = await callHost(host, 'documents.get', { projectId, documentId });
  const state = await callHost(host, 'annotations.get', { projectId, documentId });
  await callHost(host, 'annotations.save', { projectId, documentId, baseRevision: state.revision, upsertBoxes: boxes(doc.pages[0]!.id) });
  const result = await callHost(host, 'annotations.verify', { projectId, documentId });
  if (result.result !== 'verified') throw new Error(`verify refused: ${JSON.stringify(result)}`);
}
