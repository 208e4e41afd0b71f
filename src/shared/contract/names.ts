/**
 * The names of every contract method and event, with no other imports, so the sandboxed preload
 * can expose exactly these and nothing a renderer chooses. `methods.ts` checks both lists match
 * the schema tables at compile time.
 */
export const methodNames = [
  'app.info',
  'projects.list',
  'projects.get',
  'projects.create',
  'projects.update',
  'projects.openDemo',
  'documents.list',
  'documents.get',
  'annotations.get',
  'annotations.save',
  'annotations.verify',
  'import.start',
  'import.get',
  'import.cancel',
  'dialog.pickImportPaths',
  'settings.get',
  'settings.update',
  'settings.setSecret',
  'shell.openExternal',
  'sync.status',
  'sync.jobs',
  'sync.now',
  'sync.dead.list',
  'sync.dead.retry',
  'sync.dead.discard',
  'sync.config.get',
  'sync.config.update',
  'preannotate.models',
  'preannotate.estimate',
  'preannotate.start',
  'preannotate.get',
  'preannotate.list',
  'preannotate.pause',
  'preannotate.resume',
  'preannotate.cancel',
  'export.start',
  'export.get',
  'export.cancel',
  'annotationsImport.start',
  'annotationsImport.get',
  'annotationsImport.cancel',
  'exchange.pull',
  'exchange.pulls',
  'bundle.export',
  'bundle.import',
] as const;
export type MethodName = (typeof methodNames)[number];

export const eventNames = [
  'import.progress',
  'import.finished',
  'projects.changed',
  'documents.changed',
  'sync.changed',
  'preannotate.progress',
  'preannotate.finished',
  'export.progress',
  'export.finished',
  'annotationsImport.progress',
  'annotationsImport.finished',
  'exchange.progress',
  'exchange.finished',
] as const;
export type EventName = (typeof eventNames)[number];

/** Electron IPC channel for a method; fixed by the contract, never taken from the renderer. */
export const ipcChannel = (method: MethodName): string => `folio:${method}`;
export const ipcEventChannel = 'folio:event';
