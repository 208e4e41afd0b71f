import { type Command, InvalidArgumentError } from 'commander';
import type { Core } from '../../core/createCore';
import { num, table, wholeNumber } from '../output';
import { disagreementTypes, projectAgreement, type AgreementReport, type ComparisonStats, type ReviewSettings } from '../../core/review';
import { projectNamed } from '../projects';

/**
 * `folio agreement --project <name> [--json]`: how far the project's annotators agree (labels,
 * boxes, answers; each against the others and against gold) and which documents disagree, most
 * severe first. Reads every annotator's latest verified version; changes nothing.
 * With --json the last line printed is one JSON object (the whole report).
 */
export interface AgreementCommandDeps {
  openCore: () => Promise<Core>;
}

const fraction = (name: string, { open = false } = {}) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n > 1 || (open ? n <= 0 : n < 0)) throw new InvalidArgumentError(`${name}: expected a number ${open ? 'above 0' : 'from 0'} up to 1`);
  return n;
};
const TYPE_HEADS: Record<(typeof disagreementTypes)[number], string> = {
  missing_box: 'missing',
  extra_box: 'extra',
  label_mismatch: 'label',
  geometry_mismatch: 'geometry',
  transcription_mismatch: 'text',
  answer_mismatch: 'answer',
  evidence_mismatch: 'evidence',
};

function comparisonCells(s: ComparisonStats | null): string[] {
  if (!s) return ['—', '—', '—', '—', '—', '—', '—', '—'];
  return [String(s.documents), num(s.boxes.precision), num(s.boxes.recall), num(s.boxes.f1), num(s.boxes.meanIou), num(s.cohenKappa), num(s.answers.exactMatch), num(s.answers.anls)];
}

export function describeAgreement(r: AgreementReport, limit: number): string[] {
  const out: string[] = [];
  const d = r.documents;
  out.push(`Agreement in "${r.project.name}": ${r.annotators.length} annotator(s); ${d.verified} of ${d.total} document(s) verified, ${d.compared} by two or more, ${d.withGold} with gold.`);
  if (r.annotators.length) out.push(`Annotators: ${r.annotators.map((a) => `${a.name} (${a.documents})`).join(', ')}`);
  out.push('');
  const l = r.overall.labels;
  out.push(
    ...table(
      ['Box labels', 'units', "Cohen's κ", "Fleiss' κ", 'Krippendorff α', 'α where both drew a box'],
      [['overall', String(l.units), num(l.cohenKappa), num(l.fleissKappa), num(l.krippendorffAlpha), num(l.krippendorffAlphaBoxed)]],
    ),
  );
  const b = r.overall.boxes;
  out.push(`Boxes (IoU ≥ ${r.settings.matchIou}): ${b.matched} matched pair(s) among ${b.boxes} box(es) in ${b.comparisons} comparison(s); F1 ${num(b.f1)}, mean IoU ${num(b.meanIou)}`);
  const a = r.overall.answers;
  out.push(`Answers: ${a.questions} question comparison(s); exact match ${num(a.exactMatch)}, token F1 ${num(a.tokenF1)}, ANLS ${num(a.anls)}`);
  const labels = Object.entries(r.perLabel);
  if (labels.length) {
    out.push('');
    out.push(
      ...table(
        ['Label', 'units', 'κ', "Fleiss' κ", 'α', 'boxes', 'F1', 'mean IoU'],
        labels.map(([name, s]) => [name, String(s.units), num(s.cohenKappa), num(s.fleissKappa), num(s.krippendorffAlpha), String(s.boxes), num(s.f1), num(s.meanIou)]),
      ),
    );
  }
  if (r.perAnnotator.length) {
    out.push('');
    out.push('Each annotator against the others (they are the reference) and against gold:');
    const head = ['docs', 'P', 'R', 'F1', 'IoU', 'κ', 'EM', 'ANLS'];
    out.push(
      ...table(
        ['Annotator', ...head.map((h) => `${h}`), ...head.map((h) => `gold ${h}`)],
        r.perAnnotator.map((p) => [p.name, ...comparisonCells(p.vsOthers), ...comparisonCells(p.vsGold)]),
      ),
    );
  }
  out.push('');
  const dis = r.disagreements;
  out.push(
    `Disagreements: ${dis.total} in ${dis.documents} document(s) (high ${dis.bySeverity.high}, medium ${dis.bySeverity.medium}, low ${dis.bySeverity.low})` +
      (dis.lowConfidence ? `; ${dis.lowConfidence} more involve model predictions under ${r.settings.lowConfidence} confidence` : ''),
  );
  if (r.queue.length) {
    const shown = r.queue.slice(0, limit);
    out.push(
      ...table(
        ['Document', 'score', ...disagreementTypes.map((t) => TYPE_HEADS[t]), 'low conf.'],
        shown.map((q) => [q.sourceName + (q.hasGold ? ' (gold)' : ''), String(q.score), ...disagreementTypes.map((t) => String(q.counts.byType[t])), String(q.lowConfidence.length)]),
      ),
    );
    if (r.queue.length > shown.length) out.push(`… and ${r.queue.length - shown.length} more (--limit, or --json for all).`);
  }
  return out;
}

export function registerAgreementCommand(program: Command, deps: AgreementCommandDeps): Command {
  return program
    .command('agreement')
    .description("How far the project's annotators agree (labels, boxes, answers, against each other and gold) and which documents disagree")
    .requiredOption('-p, --project <name>', 'project name')
    .option('--model', "include the model's predictions as a source (differences under the low-confidence setting are listed apart)")
    .option('--iou <t>', 'IoU at which boxes match', fraction('--iou', { open: true }), 0.5)
    .option('--geometry-iou <t>', 'matched boxes below this IoU are a geometry mismatch', fraction('--geometry-iou', { open: true }), 0.85)
    .option('--transcription-distance <d>', 'transcriptions further apart than this normalised edit distance are a mismatch', fraction('--transcription-distance'), 0)
    .option('--answer-anls <t>', 'answers that are not an exact match and have ANLS below this are a mismatch', fraction('--answer-anls'), 0.5)
    .option('--low-confidence <c>', 'model predictions under this confidence are reported apart', fraction('--low-confidence'), 0.8)
    .option('--limit <n>', 'documents listed (human output)', wholeNumber, 20)
    .option('--json', 'print one JSON object as the last line')
    .action(
      async (opts: {
        project: string;
        model?: boolean;
        iou: number;
        geometryIou: number;
        transcriptionDistance: number;
        answerAnls: number;
        lowConfidence: number;
        limit: number;
        json?: boolean;
      }) => {
        const core = await deps.openCore();
        try {
          const project = projectNamed(core, opts.project);
          const settings: ReviewSettings = {
            matchIou: opts.iou,
            geometryIou: opts.geometryIou,
            transcriptionDistance: opts.transcriptionDistance,
            answerAnls: opts.answerAnls,
            lowConfidence: opts.lowConfidence,
          };
          const report = projectAgreement(core.db, { id: project.id, name: project.name }, { settings, model: opts.model === true });
          if (opts.json) console.log(JSON.stringify(report));
          else for (const line of describeAgreement(report, opts.limit)) console.log(line);
        } finally {
          await core.close();
        }
      },
    );
}
