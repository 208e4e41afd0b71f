import WebSocket from 'ws';
import type { MethodName, RequestOf, ResponseOf } from '../../src/shared/contract';
import type { FolioHost } from './fixtures';

/**
 * Calls to the running host over its WebSocket, the way the renderer makes them: for arranging a
 * test (projects, imports) and for reading back exactly what was saved.
 */
export async function callHost<M extends MethodName>(host: FolioHost, method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
  const wsUrl = `${host.origin.replace(/^http/, 'ws')}/rpc?token=${encodeURIComponent(host.token)}`;
  const ws = new WebSocket(wsUrl, { headers: { origin: host.origin } });
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
