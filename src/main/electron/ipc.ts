import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { ipcChannel, ipcEventChannel, methodNames } from '../../shared/contract/names';
import { createDispatcher } from '../../shared/contract/rpc';
import type { Core } from '../core/createCore';
import { isTrustedFrameUrl } from './security';

/**
 * One handler per contract method. Each checks that the call comes from our own page's frame,
 * then the dispatcher validates the arguments against the contract before any service runs.
 */
export function registerIpc(core: Core, getWindow: () => BrowserWindow | null): () => void {
  const dispatch = createDispatcher(core.api);
  for (const method of methodNames) {
    ipcMain.handle(ipcChannel(method), (event: IpcMainInvokeEvent, request: unknown) => {
      if (!isTrustedFrameUrl(event.senderFrame?.url)) {
        return { ok: false, error: { code: 'forbidden', message: 'Calls are accepted only from Folio’s own window.', retryable: false } };
      }
      return dispatch(method, request);
    });
  }
  const unsubscribe = core.subscribe((event, payload) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.webContents.send(ipcEventChannel, { event, payload });
  });
  return () => {
    unsubscribe();
    for (const method of methodNames) ipcMain.removeHandler(ipcChannel(method));
  };
}
