import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { eventNames, ipcChannel, ipcEventChannel, methodNames, type EventName, type MethodName } from '../shared/contract/names';

/**
 * The sandboxed preload: one function per contract method and a typed event subscription.
 * It never exposes ipcRenderer, and every channel name comes from the contract, not from the page.
 * Results arrive as `{ ok, value | error }` data; the renderer's client unwraps them.
 */
const invoke: Record<string, (request: unknown) => Promise<unknown>> = {};
for (const method of methodNames) {
  const channel = ipcChannel(method);
  invoke[method] = (request: unknown) => ipcRenderer.invoke(channel, request);
}

type Listener = (payload: unknown) => void;
const listeners = new Map<EventName, Set<Listener>>();
ipcRenderer.on(ipcEventChannel, (_event: IpcRendererEvent, message: { event: EventName; payload: unknown }) => {
  for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
});

const bridge = {
  platform: 'electron' as const,
  invoke: Object.freeze(invoke) as Readonly<Record<MethodName, (request: unknown) => Promise<unknown>>>,
  on(event: EventName, listener: Listener): () => void {
    if (!(eventNames as readonly string[]).includes(event)) throw new Error(`Unknown event ${String(event)}`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
  /** Where a file dropped on the window is on disk, so the import reads it in place ('' when it is not a file on disk). */
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
};

export type FolioBridge = typeof bridge;
contextBridge.exposeInMainWorld('folio', bridge);
