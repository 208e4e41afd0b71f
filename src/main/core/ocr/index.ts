export { OcrService, normaliseText, SNAP_MARGIN, MAX_WORK_PIXELS, UPSCALE_BELOW_LINE_HEIGHT, type OcrServiceDeps } from './service';
export { findInk, otsu, type InkBox } from './ink';
