export { OcrService, normaliseText, SNAP_MARGIN, MAX_WORK_PIXELS, UPSCALE_BELOW_LINE_HEIGHT, type OcrServiceDeps } from './service';
export { findInk, otsu, type InkBox } from './ink';
export { OcrStore, type PageReading, type UnreadPage } from './store';
export { OcrJobs, OCR_JOB_KIND } from './jobs';
export { PageReader, PAGE_ENGINE } from './pageReader';
export { parseTsv } from './tsv';
