/**
 * Pre-annotation: page images to Claude, answers to predictions. See service.ts for the
 * API, scheduler.ts for how the pool paces itself, and the simulator in src/main/sim/claude.
 */
export { createPreannotationService, type PreannotationDeps, type PreannotationService, type StartOptions, type EstimateOptions } from './service';
export { loadModelCatalog, parseCatalog, resolveModel, bundledCatalogPath, type ModelCatalog, type ResolvedModel } from './catalog';
export * from '../../../shared/domain/preannotation';
export { LEGACY_FIXED, SEQUENTIAL } from './scheduler';
