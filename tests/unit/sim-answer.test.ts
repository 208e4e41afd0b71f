import { describe, expect, it } from 'vitest';
import { generateTruth, SYNTH_QUESTIONS, synthAnswerLabel } from '../../src/main/core/synth';
import { DEFAULT_NOISE, naturalAnswer, NO_NOISE } from '../../src/main/sim/claude';

/** What the simulated model answers of the questions it is asked. */
describe('Claude simulator answers', () => {
  const truth = generateTruth(20_261_123, 1, { kind: 'invoice' });
  const frame = { width: truth.width, height: truth.height };
  const ask = { labels: null, templates: SYNTH_QUESTIONS };

  it('by default answers only the questions the truth lists', () => {
    const answer = naturalAnswer(truth, frame, ask, NO_NOISE, 7);
    expect(answer.qa.map((q) => q.question).sort()).toEqual(truth.qa.map((q) => q.question).sort());
  });

  it('asked every question, also answers each one a single labelled box answers, with that box as evidence', () => {
    const answer = naturalAnswer(truth, frame, ask, NO_NOISE, 7, true);
    const extra = answer.qa.filter((q) => !truth.qa.some((t) => t.question === q.question));
    expect(extra.length).toBeGreaterThan(0);
    for (const q of extra) {
      const label = synthAnswerLabel(q.template)!;
      const holders = truth.boxes.filter((b) => b.label === label && b.text);
      expect(holders).toHaveLength(1);
      expect(q).toMatchObject({ answerable: true, answer: holders[0]!.text, confidence: 0.9 });
      expect(answer.boxes[q.evidence[0]!]!.truthId).toBe(holders[0]!.id);
    }
    // Never a question whose answer is not one box, nor a line-item placeholder.
    expect(extra.some((q) => q.template.includes('{'))).toBe(false);
    expect(extra.map((q) => q.template)).not.toContain("What is the vendor's address?");
  });

  it('leaves the noise of everything else as it was', () => {
    const before = naturalAnswer(truth, frame, ask, DEFAULT_NOISE, 2026);
    const after = naturalAnswer(truth, frame, ask, DEFAULT_NOISE, 2026, true);
    expect(after.boxes).toEqual(before.boxes);
    expect(after.qa.slice(0, before.qa.length)).toEqual(before.qa);
  });
});
