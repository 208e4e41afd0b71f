import type { AppApi, AppEvents } from '../../../shared/contract';

/** Everything the UI needs from whatever hosts it (Electron or the browser host). */
export interface Platform {
  kind: 'electron' | 'web';
  api: AppApi;
  events: AppEvents;
  /** A media path from the contract (page image, thumbnail) as a URL this host serves. */
  mediaUrl(path: string): string;
}
