import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, join, normalize, relative } from 'node:path';
import { protocol } from 'electron';
import type { MediaStore } from '../core/media/mediaStore';
import { APP_ORIGIN, APP_SCHEME, electronCsp } from './security';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/**
 * Must run before `app.ready`: our scheme behaves like https (secure, standard, fetch-able, and
 * CORS-aware, so the renderer may read back page-image pixels from folio://media).
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
}

/**
 * folio://app/…   the built renderer (with the CSP header)
 * folio://media/… page images and thumbnails from the data folder
 * Nothing is served from file://, and paths never leave their root.
 */
export function serveAppScheme(rendererDir: string, media: MediaStore): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    let file: string | null = null;
    if (url.host === 'app') {
      const wanted = normalize(join(rendererDir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
      const rel = relative(rendererDir, wanted);
      file = rel.startsWith('..') || isAbsolute(rel) ? null : wanted;
    } else if (url.host === 'media') {
      file = media.resolveSafe(url.pathname.replace(/^\/+/, ''));
    }
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      const type = types[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const headers: Record<string, string> = { 'content-type': type, 'x-content-type-options': 'nosniff' };
      if (type.startsWith('text/html')) headers['content-security-policy'] = electronCsp;
      // Page images are another host than the renderer: only Folio's own pages may read their pixels
      // (the canvas keeps label text off the printed parts of a page).
      if (url.host === 'media') headers['access-control-allow-origin'] = APP_ORIGIN;
      return new Response(body, { status: 200, headers });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
