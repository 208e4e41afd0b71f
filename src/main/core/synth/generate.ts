import { type PagePlan } from './plan';
import { encodePlan } from './render';
import { buildPage, rebuildPage } from './truth';
import { type GeneratedPage, type PageOptions, type RenderOptions, type SynthDocument, type TruthOptions } from './types';

// Plans of documents made in this process, so renderPage need not rebuild them.
const plans = new WeakMap<SynthDocument, PagePlan>();

/** Layout + ground truth only (no pixels); cheap even for very large pages. */
export function generateTruth(seed: number, index: number, opts: TruthOptions = {}): SynthDocument {
  const { doc, plan } = buildPage(seed, index, opts);
  plans.set(doc, plan);
  return doc;
}

/**
 * Renders a document made by generateTruth (the same object, or an unmodified copy such as one
 * read back from JSON, which is rebuilt from its id and checked).
 */
export async function renderPage(doc: SynthDocument, opts: RenderOptions = {}): Promise<Buffer> {
  const plan = plans.get(doc) ?? rebuildPage(doc).plan;
  return encodePlan(plan, opts.format ?? 'png');
}

export async function generatePage(seed: number, index: number, opts: PageOptions = {}): Promise<GeneratedPage> {
  const { format, ...truthOpts } = opts;
  const truth = generateTruth(seed, index, truthOpts);
  return { truth, png: await renderPage(truth, format ? { format } : {}) };
}
