import type { AppApi, AppEvents } from '../../../shared/contract';
import { getPlatform } from '../platform';

/** The contract client for whatever hosts the renderer (Electron preload or the browser host). */
export function api(): AppApi {
  return getPlatform().api;
}

export function events(): AppEvents {
  return getPlatform().events;
}

/** A media path from the contract (thumbnail, pyramid level) as a URL the host serves. */
export function mediaUrl(path: string): string {
  return getPlatform().mediaUrl(path);
}
