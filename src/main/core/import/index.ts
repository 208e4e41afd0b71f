export { ImportService } from './importer';
export { ImportUploads, type UploadLimits } from './uploads';
export type { WorkerEntry } from './pdf';
