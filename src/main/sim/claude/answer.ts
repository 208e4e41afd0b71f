import { mixSeed, Rng } from '../../core/synth/random';
import { synthAnswerLabel, type SynthDocument } from '../../core/synth';

/**
 * The simulated model's answer for one page: the document's ground truth with seeded noise, in
 * the pixels of the image received. The noise is fixed per (simulator seed, document), so a page
 * sent twice gets the same answer, and quality metrics computed against the truth mean something.
 */
export interface NoiseOptions {
  /** Standard deviation of each edge's shift, as a fraction of the box's size. */
  jitter: number;
  /** Chance a true box is missed. */
  missRate: number;
  /** Expected extra (false) boxes per true box. */
  extraRate: number;
  /** Chance a box gets another label. */
  labelSwapRate: number;
  /** Chance a transcription has a typo. */
  typoRate: number;
  /** Chance an answer has a typo. */
  answerTypoRate: number;
}

export const DEFAULT_NOISE: NoiseOptions = { jitter: 0.03, missRate: 0.04, extraRate: 0.02, labelSwapRate: 0.02, typoRate: 0.02, answerTypoRate: 0.04 };
export const NO_NOISE: NoiseOptions = { jitter: 0, missRate: 0, extraRate: 0, labelSwapRate: 0, typoRate: 0, answerTypoRate: 0 };

export interface AnswerBox {
  label: string;
  text: string;
  bbox: [number, number, number, number];
  confidence: number;
  /** Truth box id (null for an invented box); not part of the JSON sent. */
  truthId: string | null;
}

export interface NaturalAnswer {
  /** What the document is: the generator's own kind (the truth never doubts it). */
  documentType: SynthDocument['kind'];
  boxes: AnswerBox[];
  qa: { template: string; question: string; answerable: boolean; answer: string; evidence: number[]; confidence: number }[];
}

const hash = (s: string): number => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
};

const gauss = (r: Rng): number => Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());

function typo(r: Rng, s: string): string {
  if (s.length < 2) return s;
  const i = r.int(0, s.length - 1);
  const c = s[i]!;
  const swap: Record<string, string> = { '0': '8', '1': '7', '5': 'S', '8': '3', O: '0', l: '1', e: 'c', a: 'o', S: '5', I: 'l' };
  const replacement = swap[c] ?? (/[a-z]/.test(c) ? String.fromCharCode(((c.charCodeAt(0) - 97 + r.int(1, 25)) % 26) + 97) : c === ' ' ? '' : c + c);
  return s.slice(0, i) + replacement + s.slice(i + 1);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Which of the request's templates a truth question instantiates. */
export function matchTemplate(question: string, templates: string[]): string | null {
  for (const t of templates) {
    if (t === question) return t;
    if (t.includes('{')) {
      const re = new RegExp(`^${escapeRe(t).replace(/\\\{[^}]*\\\}/g, '(.+)')}$`);
      if (re.test(question)) return t;
    }
  }
  return null;
}

export function naturalAnswer(
  doc: SynthDocument,
  frame: { width: number; height: number },
  ask: { labels: string[] | null; templates: string[] | null },
  noise: NoiseOptions,
  seed: number,
  everyQuestion = false,
): NaturalAnswer {
  const r = new Rng(mixSeed(seed, hash(doc.id)));
  const sx = frame.width / doc.width;
  const sy = frame.height / doc.height;
  const labels = ask.labels;
  const allowed = (l: string) => labels === null || labels.includes(l);
  const boxes: AnswerBox[] = [];
  for (const b of doc.boxes) {
    // Draw every random number whatever happens, so one option does not shift the others' noise.
    const miss = r.chance(noise.missRate);
    const swap = r.chance(noise.labelSwapRate);
    const hasTypo = r.chance(noise.typoRate);
    const d = [gauss(r), gauss(r), gauss(r), gauss(r)];
    const confJitter = r.next();
    if (!allowed(b.label) || miss) continue;
    let label = b.label;
    if (swap && labels && labels.length > 1) label = r.pick(labels.filter((l) => l !== b.label));
    const x1 = (b.x + d[0]! * noise.jitter * b.width) * sx;
    const y1 = (b.y + d[1]! * noise.jitter * b.height) * sy;
    const x2 = (b.x + b.width + d[2]! * noise.jitter * b.width) * sx;
    const y2 = (b.y + b.height + d[3]! * noise.jitter * b.height) * sy;
    const text = hasTypo ? typo(r, b.text) : b.text;
    const clean = label === b.label && text === b.text;
    boxes.push({
      label,
      text,
      bbox: [Math.round(x1), Math.round(y1), Math.round(x2), Math.round(y2)],
      confidence: Math.round((clean ? 0.78 + 0.21 * confJitter : 0.35 + 0.35 * confJitter) * 100) / 100,
      truthId: b.id,
    });
  }
  const extras = Math.floor(doc.boxes.length * noise.extraRate + r.next());
  const pool = labels ?? [...new Set(doc.boxes.map((b) => b.label))];
  for (let i = 0; i < extras && pool.length && noise.extraRate > 0; i++) {
    const w = r.float(0.05, 0.2) * doc.width;
    const h = r.float(0.01, 0.025) * doc.height;
    const x = r.float(0, doc.width - w);
    const y = r.float(0, doc.height - h);
    boxes.push({
      label: r.pick(pool),
      text: doc.boxes.length ? r.pick(doc.boxes).text : '',
      bbox: [Math.round(x * sx), Math.round(y * sy), Math.round((x + w) * sx), Math.round((y + h) * sy)],
      confidence: Math.round(r.float(0.15, 0.5) * 100) / 100,
      truthId: null,
    });
  }
  // Reading order, as a model writes them.
  boxes.sort((a, b) => a.bbox[1] - b.bbox[1] || a.bbox[0] - b.bbox[0]);

  const qa: NaturalAnswer['qa'] = [];
  for (const q of doc.qa) {
    const typoHere = r.chance(noise.answerTypoRate);
    const template = ask.templates === null ? q.question : matchTemplate(q.question, ask.templates);
    if (!template) continue;
    if (q.answer === null) {
      qa.push({ template, question: q.question, answerable: false, answer: '', evidence: [], confidence: 0.6 });
      continue;
    }
    const evidence = q.evidenceBoxIds.map((id) => boxes.findIndex((b) => b.truthId === id)).filter((i) => i >= 0);
    qa.push({
      template,
      question: q.question,
      answerable: true,
      answer: typoHere ? typo(r, q.answer) : q.answer,
      evidence,
      confidence: typoHere || evidence.length < q.evidenceBoxIds.length ? 0.55 : 0.9,
    });
  }
  // Asked every question, a model answers each one the page answers with one labelled box, not
  // only the few the truth lists. Drawn after everything else, so the noise above stays the same.
  if (everyQuestion && ask.templates) {
    for (const template of ask.templates) {
      if (qa.some((q) => q.template === template)) continue;
      const label = synthAnswerLabel(template);
      const holders = label ? doc.boxes.filter((b) => b.label === label && b.text) : [];
      const typoHere = r.chance(noise.answerTypoRate);
      if (holders.length !== 1) continue;
      const truthBox = holders[0]!;
      const evidence = boxes.findIndex((b) => b.truthId === truthBox.id);
      qa.push({
        template,
        question: template,
        answerable: true,
        answer: typoHere ? typo(r, truthBox.text) : truthBox.text,
        evidence: evidence >= 0 ? [evidence] : [],
        confidence: typoHere || evidence < 0 ? 0.55 : 0.9,
      });
    }
  }
  return { documentType: doc.kind, boxes, qa };
}
