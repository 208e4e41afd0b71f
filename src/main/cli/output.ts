import { InvalidArgumentError } from 'commander';

/**
 * What the commands share for reading options and printing tables: the option parsers commander
 * calls (a bad value becomes a usage error naming the option), a number as text, and a plain
 * text table.
 */

/** An option whose value must be one of `values` (`what` names them in the error). */
export const oneOf =
  <T extends string>(values: readonly T[], what: string) =>
  (v: string): T => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected ${what}: ${values.join(', ')}`);
    return v as T;
  };

/** An option whose value must be a whole number ≥ 0. */
export const wholeNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

/** A figure with `digits` decimals, or a dash when there is none. */
export const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '—' : v.toFixed(digits));

/** Left-aligned first column, right-aligned numbers. */
export function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}
