/**
 * Which files inside a folder Folio imports: the same rule for a folder on this machine (the
 * importer's scan) and a folder dropped into a browser window (the renderer leaves the rest out
 * before uploading). A file chosen by name is always tried; its bytes decide its type.
 */

/** Extensions looked at when walking a folder; other files there are skipped, not failed. */
export const documentExtensions: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp', '.pdf']);

/** Hidden files and folders (".DS_Store", ".git") inside a folder are skipped. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

/** Whether a file found inside a folder is one Folio imports, by its name. */
export function isDocumentName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && documentExtensions.has(name.slice(dot).toLowerCase());
}
