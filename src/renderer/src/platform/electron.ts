import { createApiClient, type AppEvents, type EventName, type MethodName, type RpcResult } from '../../../shared/contract';
import type { Platform } from './types';

interface FolioBridge {
  platform: 'electron';
  invoke: Readonly<Record<MethodName, (request: unknown) => Promise<unknown>>>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  /** Where a dropped file is on disk (Electron's webUtils.getPathForFile); '' for a file not on disk. */
  pathForFile(file: File): string;
}

export function electronBridge(): FolioBridge | undefined {
  return (window as unknown as { folio?: FolioBridge }).folio;
}

export function createElectronPlatform(bridge: FolioBridge): Platform {
  const api = createApiClient((method, request) => bridge.invoke[method](request) as Promise<RpcResult<unknown>>);
  const events: AppEvents = { on: (event, listener) => bridge.on(event, listener as (payload: unknown) => void) };
  // Served by the shell's privileged `folio` protocol from the data folder's media root.
  return {
    kind: 'electron',
    api,
    events,
    mediaUrl: (path) => `folio://media/${path.split('/').map(encodeURIComponent).join('/')}`,
    fileImport: { kind: 'paths', pathOf: (file) => bridge.pathForFile(file) },
  };
}
