import { app, session, shell, type WebContents } from 'electron';

export const APP_SCHEME = 'folio';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export const electronCsp =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' folio: blob: data:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Only our own pages (served from folio://app) may call the contract. */
export function isTrustedFrameUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === 'app';
  } catch {
    return false;
  }
}

/** https links to allowlisted hosts go to the user's browser; nothing else leaves the app. */
export async function openExternalChecked(url: string, allowedHosts: string[]): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password || !allowedHosts.includes(parsed.hostname)) {
    throw new Error(`Refused to open ${url}: only https links to ${allowedHosts.join(', ')} are opened`);
  }
  await shell.openExternal(parsed.toString());
}

/**
 * Deny everything a document page does not need: navigation away, redirects, new windows,
 * <webview>, and every permission request (camera, notifications, …).
 */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedFrameUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedFrameUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function hardenSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}
