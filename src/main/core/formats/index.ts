export { ExportService, EXPORT_JOB_KIND } from './exportService';
export { AnnotationsImportService, ANNOTATIONS_IMPORT_JOB_KIND } from './importService';
export { jsonlLineSchema, jsonlJsonSchema, type JsonlLine } from './jsonlSchema';
