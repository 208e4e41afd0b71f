import { describe, expect, it } from 'vitest';
import { anls, anlsScore, exactMatch, levenshtein, maxOverGroundTruths, normalizeAnswer, normalizedEditDistance, tokenF1 } from '../../src/main/core/review/metrics';

/**
 * Answer metrics. The SQuAD cases are what the official evaluate-v1.1.py
 * (https://rajpurkar.github.io/SQuAD-explorer/, normalize_answer / f1_score / exact_match_score)
 * returns for them under Python 3 — run and copied here, including its Unicode-aware \b and
 * str.split() whitespace.
 */
describe('SQuAD v1.1 normalisation, exact match and token F1', () => {
  const cases: [prediction: string, truth: string, normPrediction: string, normTruth: string, em: boolean, f1: number][] = [
    ['The Denver Broncos!', 'denver broncos', 'denver broncos', 'denver broncos', true, 1],
    ['Denver Broncos', 'the Denver Broncos', 'denver broncos', 'denver broncos', true, 1],
    ['Broncos', 'Denver Broncos', 'broncos', 'denver broncos', false, 2 / 3],
    ['a cat and a hat', 'the the cat hat hat', 'cat and hat', 'cat hat hat', false, 2 / 3],
    // Python 3's \b is Unicode-aware: "the" inside "théatre" is not a word.
    ['théatre', 'atre', 'théatre', 'atre', false, 0],
    // Punctuation goes before articles, so "the-end" becomes the word "theend".
    ['Thea the-end', 'thea end', 'thea theend', 'thea end', false, 0.5],
    ['$1,234.00', '1234.00', '123400', '123400', true, 1],
    // No common token is 0 in v1.1, even when both sides are empty.
    ['', '', '', '', true, 0],
    ['an', 'the', '', '', true, 0],
    // Only ASCII punctuation is stripped.
    ['Saint-Étienne — l’équipe', 'saint étienne l’équipe', 'saintétienne — l’équipe', 'saint étienne l’équipe', false, 1 / 3],
    ['x\u00a0y\u2003z', 'x y z', 'x y z', 'x y z', true, 1],
    // U+FEFF is not whitespace to Python (it is to JS's \s).
    ['x\ufeffy', 'x y', 'x\ufeffy', 'x y', false, 0],
    ['Über an Ärger', 'über ärger', 'über ärger', 'über ärger', true, 1],
    // \x1c is whitespace to Python, and the lone "a" is an article.
    ['tab\tsep\x1cA', 'tab sep a', 'tab sep', 'tab sep', true, 1],
    // Tokens are a multiset.
    ['10 10 10', '10', '10 10 10', '10', false, 0.5],
    ['one two three four', 'two four five', 'one two three four', 'two four five', false, 0.5714285714285715],
  ];

  it.each(cases)('%j vs %j', (prediction, truth, normPrediction, normTruth, em, f1) => {
    expect(normalizeAnswer(prediction)).toBe(normPrediction);
    expect(normalizeAnswer(truth)).toBe(normTruth);
    expect(exactMatch(prediction, truth)).toBe(em);
    expect(tokenF1(prediction, truth)).toBeCloseTo(f1, 12);
  });

  it('takes the best ground truth (metric_max_over_ground_truths)', () => {
    expect(maxOverGroundTruths(tokenF1, 'Broncos', ['Carolina Panthers', 'Denver Broncos', 'the Broncos'])).toBe(1);
    expect(maxOverGroundTruths((p, g) => Number(exactMatch(p, g)), 'Panthers', ['Denver Broncos'])).toBe(0);
  });
});

describe('Levenshtein distance and normalised edit distance', () => {
  it('reproduces the textbook examples', () => {
    // https://en.wikipedia.org/wiki/Levenshtein_distance#Example: kitten → sitting = 3, and
    // the Wagner–Fischer table's "Sunday" → "Saturday" = 3.
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('sitting', 'kitten')).toBe(3);
    expect(levenshtein('Sunday', 'Saturday')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
    expect(normalizedEditDistance('kitten', 'sitting')).toBeCloseTo(3 / 7, 12);
    expect(normalizedEditDistance('', '')).toBe(0);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(levenshtein('a😀b', 'a😁b')).toBe(1);
    expect(normalizedEditDistance('😀', '')).toBe(1);
  });
});

describe('ANLS (ST-VQA / DocVQA)', () => {
  // Definition: Biten et al., "Scene Text Visual Question Answering", ICCV 2019, eq. 1, and the
  // DocVQA task (Mathew et al., WACV 2021; https://rrc.cvc.uab.es/?ch=17&com=tasks): per question
  // s = max_j (1 − NL(a_ij, o_i)) if NL < τ else 0, τ = 0.5; ANLS = mean over questions;
  // answers are not case sensitive, are space sensitive.
  it('scores the DocVQA-style examples by the definition', () => {
    // The three questions of the ANLS metric card's example (huggingface/evaluate metrics/anls):
    // "Denver Broncos" vs ["Denver Broncos", "Denver R. Broncos"] → exact → 1.
    // "12/15/89" vs ["12/15/88"] → NL = 1/8 → 0.875.
    // "Dear dr. Lobo" vs ["Dear Dr. Lobo", "Dr. Lobo"] → case-insensitive exact → 1.
    // ANLS = (1 + 0.875 + 1) / 3 = 0.958333….
    const items = [
      { prediction: 'Denver Broncos', groundTruths: ['Denver Broncos', 'Denver R. Broncos'] },
      { prediction: '12/15/89', groundTruths: ['12/15/88'] },
      { prediction: 'Dear dr. Lobo', groundTruths: ['Dear Dr. Lobo', 'Dr. Lobo'] },
    ];
    expect(anlsScore(items[1]!.prediction, items[1]!.groundTruths)).toBeCloseTo(0.875, 12);
    expect(anlsScore(items[2]!.prediction, items[2]!.groundTruths)).toBe(1);
    expect(anls(items)).toBeCloseTo(2.875 / 3, 6);
  });

  it('applies the threshold strictly (NL < τ) and takes the best ground truth', () => {
    expect(anlsScore('kitten', 'sitting')).toBeCloseTo(4 / 7, 12); // NL = 3/7 < 0.5
    expect(anlsScore('ab', 'ax')).toBe(0); // NL = 0.5 exactly: not below τ
    expect(anlsScore('abc', 'abx')).toBeCloseTo(2 / 3, 12);
    expect(anlsScore('Total', ['nothing like it', 'TOTAL '])).toBe(1); // case-insensitive, ends trimmed
    expect(anlsScore('a  b', 'a b')).toBeCloseTo(0.75, 12); // space sensitive inside
    expect(anlsScore('abc', 'xyz')).toBe(0);
    expect(anlsScore('kitten', 'sitting', 0.4)).toBe(0);
    expect(anls([])).toBeNull();
  });
});
