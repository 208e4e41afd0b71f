import { createElectronPlatform, electronBridge } from './electron';
import type { Platform } from './types';
import { createWebPlatform } from './web';

export type { Platform } from './types';

let platform: Platform | null = null;

/** Electron when the preload put `window.folio` there, the browser host otherwise. */
export function getPlatform(): Platform {
  if (!platform) {
    const bridge = electronBridge();
    platform = bridge ? createElectronPlatform(bridge) : createWebPlatform();
  }
  return platform;
}
