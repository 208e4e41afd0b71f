/** Model predictions under this confidence are flagged for a close look (and never come in unseen). */
export const LOW_CONFIDENCE = 0.8;
