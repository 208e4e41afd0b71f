import { AppError } from '../../../shared/contract/errors';
import { TOKEN_HEADER } from '../../../shared/contract/hostAuth';
import {
  IMPORT_UPLOADS_PATH,
  uploadCommitResponseSchema,
  uploadCreateResponseSchema,
  uploadErrorSchema,
  type NotSentFile,
  type UploadCommitRequest,
} from '../../../shared/contract/uploads';
import type { PickedFiles } from '../lib/pickedFiles';
import type { UploadProgress } from './types';

/**
 * The browser host's side of an import of dropped or chosen files: send them to the host one by
 * one (XMLHttpRequest, for its upload progress), then start the import of what arrived. Files over
 * the host's limit or that the browser cannot read are not sent but listed with the job's
 * failures; a cancel stops the transfer and removes what the host had received.
 */
export function createUploader(token: string) {
  const url = (path: string, query: Record<string, string> = {}) => (Object.keys(query).length ? `${path}?${new URLSearchParams(query)}` : path);

  /** The host's message for a refused request (JSON error, or its plain-text token refusal). */
  const refusal = (status: number, text: string): AppError => {
    try {
      const parsed = uploadErrorSchema.safeParse(JSON.parse(text));
      if (parsed.success) return new AppError('io_error', parsed.data.error.message);
    } catch {
      // not JSON: the host's plain-text answer
    }
    return new AppError(status === 401 || status === 403 ? 'forbidden' : 'io_error', text.trim() || `The upload was refused (HTTP ${status}).`);
  };

  const send = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(url(path), {
        method,
        credentials: 'omit',
        headers: { [TOKEN_HEADER]: token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new AppError('unavailable', 'Cannot reach Folio to upload the files. Is `npm run web` still running?', { retryable: true });
    }
    const text = await res.text();
    if (!res.ok) throw refusal(res.status, text);
    return text ? (JSON.parse(text) as unknown) : null;
  };

  const put = (uploadId: string, path: string, file: File, onBytes: (sent: number) => void, signal: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const onAbort = () => xhr.abort();
      xhr.open('PUT', url(`${IMPORT_UPLOADS_PATH}/${encodeURIComponent(uploadId)}/files`, { path }));
      xhr.setRequestHeader(TOKEN_HEADER, token);
      xhr.upload.onprogress = (e) => onBytes(e.loaded);
      xhr.onload = () => {
        signal.removeEventListener('abort', onAbort);
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else reject(refusal(xhr.status, xhr.responseText));
      };
      xhr.onerror = () => {
        signal.removeEventListener('abort', onAbort);
        reject(new AppError('unavailable', 'The connection to Folio broke while sending the files.', { retryable: true }));
      };
      xhr.onabort = () => reject(new AppError('cancelled', 'The upload was cancelled.'));
      signal.addEventListener('abort', onAbort, { once: true });
      xhr.send(file);
    });

  /** Whether the browser can still read a file (it may have been moved or deleted since it was chosen). */
  const readable = async (file: File): Promise<boolean> => {
    try {
      await file.slice(0, 1).arrayBuffer();
      return true;
    } catch {
      return false;
    }
  };

  return async function upload(projectId: string, picked: PickedFiles, onProgress: (p: UploadProgress) => void, signal: AbortSignal): Promise<{ jobId: string }> {
    const created = uploadCreateResponseSchema.parse(await send('POST', IMPORT_UPLOADS_PATH, { projectId }));
    const id = encodeURIComponent(created.uploadId);
    try {
      if (picked.files.length > created.maxFiles) {
        throw new AppError('too_large', `One import takes at most ${created.maxFiles.toLocaleString()} files; ${picked.files.length.toLocaleString()} were chosen. Import them in parts.`);
      }
      const notSent: NotSentFile[] = [];
      const sending = picked.files.filter(({ file, path }) => {
        if (file.size <= created.maxFileBytes) return true;
        notSent.push({ path, bytes: file.size, problem: 'too_large' });
        return false;
      });
      const progress: UploadProgress = { totalFiles: sending.length, sentFiles: 0, totalBytes: sending.reduce((n, f) => n + f.file.size, 0), sentBytes: 0, currentPath: null };
      onProgress({ ...progress });
      for (const { file, path } of sending) {
        signal.throwIfAborted();
        progress.currentPath = path;
        onProgress({ ...progress });
        if (await readable(file)) {
          const before = progress.sentBytes;
          await put(created.uploadId, path, file, (sent) => onProgress({ ...progress, sentBytes: before + sent }), signal).catch((err: unknown) => {
            throw signal.aborted ? new AppError('cancelled', 'The upload was cancelled.') : err;
          });
          progress.sentBytes = before + file.size;
        } else {
          notSent.push({ path, bytes: file.size, problem: 'unreadable' });
          progress.totalBytes -= file.size;
        }
        progress.sentFiles++;
        onProgress({ ...progress });
      }
      signal.throwIfAborted();
      const request: UploadCommitRequest = { skipped: picked.skipped, notSent };
      return uploadCommitResponseSchema.parse(await send('POST', `${IMPORT_UPLOADS_PATH}/${id}/import`, request));
    } catch (err) {
      // Nothing is imported: what reached the host goes.
      await send('DELETE', `${IMPORT_UPLOADS_PATH}/${id}`).catch(() => undefined);
      if (signal.aborted) throw new AppError('cancelled', 'The upload was cancelled.');
      throw err;
    }
  };
}
