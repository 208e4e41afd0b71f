/**
 * `npm run bench:effort`: how much work it takes an annotator to bring a pre-annotated invoice of
 * the demo project to its ground truth.
 *
 * The demo project is made as `npm run demo` makes it (the same generator seed, the Claude
 * simulator with the demo's noise seed, a pre-annotation run over every page). A scripted
 * annotator then works in Chromium at 1440 × 900 through the real renderer and the browser host:
 * it opens the invoice from the document list and takes it to its truth by the shortest path the
 * UI allows, knowing the truth the way an expert knows what the page says. Every click, key and
 * drag is one action; every character typed into a text field is a typed character (shortcut keys
 * are actions). The result is checked against the truth (every true box matched at IoU ≥ 0.5 with
 * its label and exact text, no other box, every true question answered exactly with its evidence),
 * so a shortcut that skipped work cannot count.
 *
 *   BENCH_EFFORT_DOCS=all   also run every other invoice of the demo (default: the first invoice);
 *   BENCH_EFFORT_DOCS=invoice-20261123-8.png,…   those invoices
 *
 * Prints a line per step and per document, then one JSON line:
 * {"actions": N, "typedChars": N, "wallMs": N, ...} for the first invoice of the demo list.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page as BrowserPage } from 'playwright-core';
import type { Core } from '../src/main/core/createCore';
import { synthAnswerLabel, type SynthBox, type SynthDocument } from '../src/main/core/synth';
import { startHost } from '../src/main/host/server';
import { DEMO_SIM_SEED, startClaudeSimulator } from '../src/main/sim/claude';
import type { AnnotationState, Box, Label, Prediction } from '../src/shared/domain/model';
import { machine, openBenchCore } from './lib';

const ROOT = join(import.meta.dirname, '..');
const chromiumPath = process.env.FOLIO_CHROMIUM ?? '/usr/bin/chromium';
const KEY = 'sk-ant-simulated-bench-key';
const IOU = 0.5;

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
const truthRect = (b: SynthBox): Rect => ({ x: b.x, y: b.y, w: b.width, h: b.height });
function iou(a: Rect, b: Rect): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.w * b.h - inter || 1);
}

/** Pairs each item with the truth box it overlaps most (IoU ≥ 0.5), each truth box at most once. */
function matchToTruth<T>(items: T[], rect: (t: T) => Rect, truth: SynthBox[]): Map<T, SynthBox> {
  const pairs: { item: T; t: SynthBox; score: number }[] = [];
  for (const item of items) for (const t of truth) {
    const score = iou(rect(item), truthRect(t));
    if (score >= IOU) pairs.push({ item, t, score });
  }
  pairs.sort((a, b) => b.score - a.score);
  const out = new Map<T, SynthBox>();
  const used = new Set<SynthBox>();
  for (const p of pairs) {
    if (out.has(p.item) || used.has(p.t)) continue;
    out.set(p.item, p.t);
    used.add(p.t);
  }
  return out;
}

/** The browser, driven and counted. */
class Annotator {
  actions = 0;
  typedChars = 0;
  readonly log: string[] = [];
  constructor(
    readonly page: BrowserPage,
    private readonly verbose: boolean,
  ) {}

  private note(what: string) {
    this.log.push(what);
    if (this.verbose) console.log(`    ${String(this.actions).padStart(3)} ${String(this.typedChars).padStart(3)}  ${what}`);
  }
  async key(combo: string, why: string) {
    this.actions++;
    await this.page.keyboard.press(combo);
    this.note(`${combo} — ${why}`);
  }
  async type(text: string, why: string) {
    this.typedChars += text.length;
    await this.page.keyboard.type(text);
    this.note(`type ${JSON.stringify(text)} — ${why}`);
  }
  async click(p: { x: number; y: number }, why: string) {
    this.actions++;
    await this.page.mouse.click(p.x, p.y);
    this.note(`click — ${why}`);
  }
  async drag(from: { x: number; y: number }, to: { x: number; y: number }, why: string) {
    this.actions++;
    await this.page.mouse.move(from.x, from.y);
    await this.page.mouse.down();
    await this.page.mouse.move(to.x, to.y, { steps: 5 });
    await this.page.mouse.up();
    this.note(`drag — ${why}`);
  }
  /**
   * Correct the text of a focused field (its text selected) from `from` to `to` the cheapest way:
   * retype it, or click where it goes wrong, Backspace over the wrong part, type the right one.
   */
  async correct(field: ReturnType<BrowserPage['locator']>, from: string, to: string) {
    let prefix = 0;
    while (prefix < Math.min(from.length, to.length) && from[prefix] === to[prefix]) prefix++;
    let suffix = 0;
    while (suffix < Math.min(from.length, to.length) - prefix && from[from.length - 1 - suffix] === to[to.length - 1 - suffix]) suffix++;
    const wrong = from.length - prefix - suffix;
    const right = to.slice(prefix, to.length - suffix);
    if (1 + wrong + right.length < to.length) {
      await this.click(await caretPoint(field, prefix + wrong), 'put the caret after the wrong characters');
      for (let i = 0; i < wrong; i++) await this.key('Backspace', 'delete a wrong character');
      if (right) await this.type(right, 'the right characters');
    } else {
      await this.type(to, 'the right text');
    }
  }
  /** Image pixel → screen point, from the stage transform the canvas reports. */
  async toScreen(x: number, y: number) {
    const canvas = this.page.getByTestId('page-canvas');
    const area = (await canvas.boundingBox())!;
    const scale = Number(await canvas.getAttribute('data-scale'));
    const [ox, oy] = ((await canvas.getAttribute('data-offset')) ?? '0,0').split(',').map(Number) as [number, number];
    return { x: area.x + ox + x * scale, y: area.y + oy + y * scale };
  }
  async settled() {
    await this.page.waitForFunction(() => {
      const el = document.querySelector<HTMLElement>('[data-testid="page-canvas"]');
      // Saved, and no drawn box still being read from the page.
      return el?.dataset.saveState === 'saved' && !document.querySelector('[data-testid="save-state"][data-state="pending"], [data-testid="region-reading"]');
    });
  }
}

/** Where to click in a text field to put the caret before character `index` (measured with its font). */
async function caretPoint(field: ReturnType<BrowserPage['locator']>, index: number): Promise<{ x: number; y: number }> {
  const box = (await field.boundingBox())!;
  const offset = await field.evaluate((el, at) => {
    const input = el as HTMLInputElement;
    const style = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft) + ctx.measureText(input.value.slice(0, at)).width - input.scrollLeft;
  }, index);
  return { x: box.x + offset, y: box.y + box.height / 2 };
}

/**
 * Keys that pick `label` after L in the label picker: its hotkey, or the shortest search that ranks
 * it first (names starting with the search, then names containing it, in label-set order), then Enter.
 */
function pickerKeys(labels: Label[], label: string): { text: string; keys: string[] } {
  const target = labels.find((l) => l.name === label)!;
  if (target.hotkey) return { text: '', keys: [target.hotkey] };
  for (let n = 1; n <= label.length; n++) {
    for (let i = 0; i + n <= label.length; i++) {
      const q = label.slice(i, i + n);
      const ranked = labels.filter((l) => l.name.includes(q)).sort((a, b) => Number(!a.name.startsWith(q)) - Number(!b.name.startsWith(q)));
      if (ranked[0]?.name === label) return { text: q, keys: ['Enter'] };
    }
  }
  return { text: label, keys: ['Enter'] };
}

interface Outcome {
  document: string;
  actions: number;
  typedChars: number;
  wallMs: number;
  truthBoxes: number;
  truthQuestions: number;
  ok: boolean;
  mismatches: string[];
  steps: string[];
}

async function annotate(page: BrowserPage, core: Core, projectId: string, doc: { id: string; name: string }, truth: SynthDocument, verbose: boolean): Promise<Outcome> {
  const a = new Annotator(page, verbose);
  const project = await core.api['projects.get']({ projectId });
  const labels = project.labels;
  const hotkey = (label: string) => labels.find((l) => l.name === label)?.hotkey ?? null;
  const state = (): Promise<AnnotationState> => core.api['annotations.get']({ projectId, documentId: doc.id });

  const started = Date.now();
  // Open it from the document list, as a person does.
  await page.goto(page.url().replace(/#.*$/, '') + `#/projects/${projectId}`);
  const card = page.locator(`[data-testid="document-card"][data-document-id="${doc.id}"], [data-testid="document-row"][data-document-id="${doc.id}"]`).first();
  await card.waitFor();
  const cardBox = (await card.boundingBox())!;
  await a.click({ x: cardBox.x + cardBox.width / 2, y: cardBox.y + cardBox.height / 2 }, `open ${doc.name}`);
  await page.getByTestId('page-canvas').and(page.locator('[data-image-state="loaded"]')).waitFor();
  await page.getByTestId('annotation-side-panel').waitFor();

  // 1. Everything the model is sure of, at once.
  let s = await state();
  let selected = false;
  if (s.predictions.some((p) => p.status === 'pending' && p.confidence >= 0.8)) {
    await a.key('Shift+A', 'accept every prediction at or above the threshold (selects the first one left)');
    await a.settled();
    s = await state();
    selected = true;
  }

  // 2. The rest, one key each: each decision selects the next undecided one.
  const boxMatch = (list: Prediction[]) => matchToTruth(list.filter((p) => p.kind === 'box'), (p) => ({ x: p.x!, y: p.y!, w: p.w!, h: p.h! }), truth.boxes.filter((t) => !coveredBy(s).has(t.id)));
  const coveredBy = (st: AnnotationState) => new Set([...matchToTruth(st.boxes, (b) => b, truth.boxes).values()].map((t) => t.id));
  let undecided = s.predictions.filter((p) => p.status === 'pending');
  if (undecided.length && !selected) await a.key('n', 'select the first undecided prediction');
  while (undecided.length) {
    const selectedId = await page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="prediction-row"].selected')?.dataset.predictionId ?? null);
    const p = undecided.find((x) => x.id === selectedId);
    if (!p) throw new Error(`no undecided prediction is selected (expected one of ${undecided.length})`);
    const matches = boxMatch(undecided);
    const rest = undecided.filter((x) => x.kind === 'box' && !matches.has(x));
    if (rest.length === undecided.length) {
      await a.key('Shift+X', `reject the ${rest.length} left: boxes the page does not have`);
      break;
    }
    if (p.kind === 'qa') {
      const truthQa = truth.qa.find((q) => q.question === p.question);
      const right = !truthQa || (truthQa.answer === null ? p.answer === null : p.answer === truthQa.answer);
      await a.key(right ? 'a' : 'c', right ? `accept the answer to "${p.question}"` : `accept "${p.question}" with its evidence's text, not "${p.answer}"`);
    } else {
      const t = matches.get(p);
      if (!t) {
        await a.key('x', `reject a box the page does not have ("${p.transcription}")`);
      } else {
        const labelWrong = p.label !== t.label;
        const textWrong = (p.transcription ?? '') !== t.text;
        // What the panel offers as the page's own text for the selected prediction (read on selection).
        const offer = page.getByTestId('prediction-page-text');
        const offered = textWrong ? await offer.and(page.locator('[data-state="read"], [data-state="failed"]')).waitFor().then(() => offer.getByTestId('prediction-page-text-value').textContent({ timeout: 100 }).catch(() => null)) : null;
        if (textWrong && !labelWrong && offered === t.text) {
          await a.key('o', `accept with the page's text "${offered}", not "${p.transcription}"`);
        } else {
          if (textWrong) {
            await a.key('Enter', 'correct the text before accepting');
            await a.correct(page.locator(`[data-testid="prediction-row"][data-prediction-id="${p.id}"] [data-testid="prediction-text"]`), p.transcription ?? '', t.text);
          }
          if (labelWrong) {
            if (textWrong) await a.key('Escape', 'keep the corrected text, back to the page');
            const pick = pickerKeys(labels, t.label);
            if (pick.text || !hotkey(t.label)) {
              await a.key('l', 'label picker');
              if (pick.text) await a.type(pick.text, `search ${t.label}`);
            }
            for (const k of pick.keys) await a.key(k, `accept it as ${t.label}`);
          } else {
            await a.key(textWrong ? 'Enter' : 'a', textWrong ? 'accept with the corrected text' : `accept ${p.label} "${p.transcription}"`);
          }
        }
      }
    }
    await a.settled();
    s = await state();
    undecided = s.predictions.filter((p) => p.status === 'pending');
  }

  // 3. Boxes the model missed: draw, label, transcribe.
  // Grouped by label: a new box gets the label given last, so each label is chosen once.
  s = await state();
  const missing = truth.boxes.filter((t) => !coveredBy(s).has(t.id)).sort((x, y) => x.label.localeCompare(y.label));
  if (missing.length) await a.key('r', 'draw rectangles');
  for (const t of missing) {
    await a.drag(await a.toScreen(t.x, t.y), await a.toScreen(t.x + t.width, t.y + t.height), `draw the missed ${t.label}`);
    if ((await page.getByTestId('active-label').textContent()) !== t.label) {
      const pick = pickerKeys(labels, t.label);
      if (pick.text || !hotkey(t.label)) {
        await a.key('l', 'label picker');
        if (pick.text) await a.type(pick.text, `search ${t.label}`);
      }
      for (const k of pick.keys) await a.key(k, `label it ${t.label}`);
    }
    await a.settled();
    const drawn = (await state()).boxes.find((b) => iou(b, truthRect(t)) >= IOU);
    if (t.text && drawn && drawn.transcription !== t.text) {
      await a.key('Enter', 'fix its transcription');
      await a.correct(page.locator(`[data-testid="region-row"][data-box-id="${drawn.id}"] [data-testid="region-transcription"]`), drawn.transcription, t.text);
      await a.key('Escape', 'done, back to the page');
    }
  }
  await a.settled();

  // 4. Questions: each true answer with its evidence, and what the project requires of an invoice
  //    (answered from the box that holds it, or marked unanswerable).
  s = await state();
  const boxFor = new Map([...matchToTruth(s.boxes, (b) => b, truth.boxes)].map(([b, t]) => [t.id, b]));
  const wanted: { pairId: string; question: string; answer: string | null; evidence: string[] }[] = [];
  for (const q of truth.qa) {
    const pair = s.qa.find((x) => x.question === q.question);
    if (!pair) throw new Error(`the document shows no question "${q.question}"`);
    wanted.push({ pairId: pair.id, question: q.question, answer: q.answer, evidence: q.evidenceBoxIds.map((id) => boxFor.get(id)!.id) });
  }
  const required = new Set(project.questions.filter((t) => t.required && (t.kinds.length === 0 || t.kinds.includes(truth.kind))).map((t) => t.id));
  for (const pair of s.qa) {
    if (!pair.templateId || !required.has(pair.templateId) || wanted.some((w) => w.pairId === pair.id)) continue;
    const label = synthAnswerLabel(pair.question);
    const holders = label ? truth.boxes.filter((t) => t.label === label) : [];
    wanted.push(holders.length === 1 ? { pairId: pair.id, question: pair.question, answer: holders[0]!.text, evidence: [boxFor.get(holders[0]!.id)!.id] } : { pairId: pair.id, question: pair.question, answer: null, evidence: [] });
  }
  if (verbose) console.log(`    questions to settle: ${wanted.map((w) => `"${w.question}" → ${w.answer === null ? 'unanswerable' : JSON.stringify(w.answer)}`).join('; ')}`);
  for (const w of wanted) {
    const pair = (await state()).qa.find((x) => x.id === w.pairId)!;
    if (w.answer === null) {
      if (pair.unanswerable) continue;
      await showQuestions(a, page);
      const box = page.locator(`[data-testid="qa-card"][data-qa-id="${w.pairId}"] [data-testid="qa-unanswerable"]`);
      await reveal(a, box, `to "${w.question}"`);
      await a.click(await centre(box), `"${w.question}": the page does not say`);
      continue;
    }
    const missingEvidence = w.evidence.filter((id) => !pair.evidenceBoxIds.includes(id));
    const extraEvidence = pair.evidenceBoxIds.filter((id) => !w.evidence.includes(id));
    if (pair.answer === w.answer && !missingEvidence.length && !extraEvidence.length) continue;
    if (missingEvidence.length || extraEvidence.length) {
      // With its answer focused, a click on a box links (or unlinks) it; an empty answer fills in.
      await showQuestions(a, page);
      const answer = page.locator(`[data-testid="qa-card"][data-qa-id="${w.pairId}"] [data-testid="qa-answer"]`);
      await reveal(a, answer, `to "${w.question}"`);
      await a.click(await centre(answer), `answer "${w.question}"`);
      for (const id of [...missingEvidence, ...extraEvidence]) {
        const b = s.boxes.find((x) => x.id === id)!;
        await a.click(await a.toScreen(b.x + b.w / 2, b.y + b.h / 2), `${missingEvidence.includes(id) ? 'link' : 'unlink'} the box "${b.transcription}"`);
      }
      await a.settled();
    }
    if ((await state()).qa.find((x) => x.id === w.pairId)!.answer !== w.answer) {
      if (await page.evaluate(() => document.activeElement?.tagName === 'TEXTAREA')) await a.key('Escape', 'leave the answer');
      await a.key('c', 'answer with the evidence text');
      await a.settled();
    }
  }

  // 5. Verify.
  await a.key('Control+Enter', 'verify');
  const confirm = page.getByTestId('verify-confirm');
  const done = page.getByTestId('annotation-status').and(page.locator('[data-status="verified"]'));
  const refused = page.getByTestId('verify-problems');
  await Promise.race([confirm.waitFor(), done.waitFor(), refused.waitFor()]);
  if (await refused.isVisible()) throw new Error(`verify refused: ${await refused.innerText()} ${JSON.stringify((await state()).qa.filter((q) => q.answer || q.evidenceBoxIds.length))}`);
  if (await confirm.isVisible()) await a.key('Enter', 'verify anyway');
  await done.waitFor();
  const wallMs = Date.now() - started;

  const mismatches = compare(await state(), truth);
  return { document: doc.name, actions: a.actions, typedChars: a.typedChars, wallMs, truthBoxes: truth.boxes.length, truthQuestions: truth.qa.length, ok: mismatches.length === 0, mismatches, steps: a.log };
}

async function centre(locator: ReturnType<BrowserPage['locator']>) {
  const b = (await locator.boundingBox())!;
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** Scroll a panel until `locator` shows, counted as one action (a turn of the wheel), when it is not in view. */
async function reveal(a: Annotator, locator: ReturnType<BrowserPage['locator']>, why: string) {
  const hidden = await locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    for (let p = el.parentElement; p; p = p.parentElement) {
      const c = p.getBoundingClientRect();
      if (p.scrollHeight > p.clientHeight && (r.top < c.top || r.bottom > c.bottom)) return true;
    }
    return r.bottom > window.innerHeight || r.top < 0;
  });
  if (!hidden) return;
  a.actions++;
  await locator.scrollIntoViewIfNeeded();
  a.log.push(`scroll — ${why}`);
}

/** The Questions tab, if another is showing (one click). */
async function showQuestions(a: Annotator, page: BrowserPage) {
  const tab = page.getByTestId('panel-tab-questions');
  if ((await tab.getAttribute('aria-selected')) !== 'true') await a.click(await centre(tab), 'the Questions tab');
}

/** What differs between the verified version and the truth (empty: it is the truth). */
function compare(s: AnnotationState, truth: SynthDocument): string[] {
  const out: string[] = [];
  if (s.status !== 'verified') out.push(`status ${s.status}`);
  const matched = matchToTruth(s.boxes, (b: Box) => b, truth.boxes);
  for (const t of truth.boxes) {
    const b = [...matched].find(([, m]) => m === t)?.[0];
    if (!b) out.push(`no box for ${t.label} "${t.text}"`);
    else if (b.label !== t.label || b.transcription !== t.text) out.push(`${t.label} "${t.text}" is ${b.label} "${b.transcription}"`);
  }
  for (const b of s.boxes) if (!matched.has(b)) out.push(`extra box ${b.label} "${b.transcription}"`);
  const truthOf = new Map([...matched].map(([b, t]) => [b.id, t.id]));
  for (const q of truth.qa) {
    const pair = s.qa.find((x) => x.question === q.question);
    if (!pair) out.push(`no question "${q.question}"`);
    else if (q.answer === null ? !pair.unanswerable : pair.answer !== q.answer) out.push(`"${q.question}" answered "${pair.answer}"${pair.unanswerable ? ' (unanswerable)' : ''}, truth "${q.answer}"`);
    else if (pair.evidenceBoxIds.map((id) => truthOf.get(id)).join() !== q.evidenceBoxIds.join()) out.push(`"${q.question}" has other evidence`);
  }
  return out;
}

async function main(): Promise<void> {
  const which = process.env.BENCH_EFFORT_DOCS ?? '';
  const all = which === 'all';
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-bench-effort-'));
  const sim = await startClaudeSimulator({ timeScale: 0.02, seed: DEMO_SIM_SEED, answerEveryQuestion: true });
  const core = await openBenchCore(dataDir, { preannotation: { resumeInterrupted: false }, evaluation: { schedule: false } });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  let host: Awaited<ReturnType<typeof startHost>> | null = null;
  try {
    console.log(`bench:effort on ${machine()}`);
    await core.api['settings.update']({ annotatorName: 'Bench annotator', anthropic: { baseUrl: sim.url } });
    await core.api['settings.setSecret']({ name: 'anthropicApiKey', value: KEY });
    const project = await core.api['projects.openDemo']({});
    await sim.truth.registerDirectory(join(dataDir, 'demo-source'));
    const run = await core.preannotation.start(project.id, { scope: 'all' });
    for (;;) {
      const status = core.preannotation.status(run.runId);
      if (status.state !== 'running') {
        console.log(`pre-annotation ${status.state}: ${status.pages.done}/${status.pages.total} pages, ${status.predictions.boxes} boxes (Claude simulator, noise seed ${DEMO_SIM_SEED})`);
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    host = await startHost({ core, rendererDir: join(ROOT, 'out/renderer'), port: 0 });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(host.url);

    const { items } = await core.api['documents.list']({ projectId: project.id, limit: 1000 });
    const truths = new Map<string, SynthDocument>();
    for (const d of items) truths.set(d.id, JSON.parse(await readFile(join(dataDir, 'demo-source', d.sourceName.replace(/\.\w+$/, '.json')), 'utf8')) as SynthDocument);
    // In the generator's order: the list's order depends on which import finished first.
    const index = (name: string) => Number(/-(\d+)\.\w+$/.exec(name)?.[1] ?? 0);
    const invoices = items.filter((d) => truths.get(d.id)!.kind === 'invoice').sort((x, y) => index(x.sourceName) - index(y.sourceName));
    if (!invoices.length) throw new Error('the demo project has no invoice');
    console.log(`demo invoices: ${invoices.map((d) => d.sourceName).join(', ')}`);
    const results: Outcome[] = [];
    const chosen = all ? invoices : which ? invoices.filter((d) => which.split(',').includes(d.sourceName)) : invoices.slice(0, 1);
    if (!chosen.length) throw new Error(`BENCH_EFFORT_DOCS: no demo invoice named ${which}`);
    for (const [i, d] of chosen.entries()) {
      console.log(`\n${d.sourceName}:`);
      const outcome = await annotate(page, core, project.id, { id: d.id, name: d.sourceName }, truths.get(d.id)!, i === 0);
      results.push(outcome);
      console.log(
        `  ${outcome.actions} actions, ${outcome.typedChars} typed characters, ${(outcome.wallMs / 1000).toFixed(1)} s — ${outcome.truthBoxes} boxes, ${outcome.truthQuestions} questions — ${outcome.ok ? 'matches the truth' : `DIFFERS: ${outcome.mismatches.join('; ')}`}`,
      );
    }
    const first = results[0]!;
    if (results.some((r) => !r.ok)) process.exitCode = 1;
    const summary = {
      bench: 'effort',
      document: first.document,
      actions: first.actions,
      typedChars: first.typedChars,
      wallMs: first.wallMs,
      matchesTruth: first.ok,
      goal: { actions: 25, typedChars: 10 },
      ...(all ? { invoices: results.map((r) => ({ document: r.document, actions: r.actions, typedChars: r.typedChars, ok: r.ok })) } : {}),
    };
    console.log(JSON.stringify(summary));
  } finally {
    await browser.close();
    await host?.close();
    await core.close();
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
