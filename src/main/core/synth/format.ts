import { type Rng } from './random';

/** Money and date formats vary per document, as on real paperwork. */

export interface MoneyFormat {
  format(cents: number): string;
}

const group = (n: number, sep: string): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, sep);

function makeMoney(prefix: string, suffix: string, thousands: string, decimal: string): MoneyFormat {
  return {
    format(cents: number): string {
      const sign = cents < 0 ? '-' : '';
      const abs = Math.abs(Math.round(cents));
      const units = Math.floor(abs / 100);
      const frac = String(abs % 100).padStart(2, '0');
      return `${sign}${prefix}${group(units, thousands)}${decimal}${frac}${suffix}`;
    },
  };
}

export function pickMoney(r: Rng): MoneyFormat {
  return r.weighted<MoneyFormat>([
    [makeMoney('$', '', ',', '.'), 5],
    [makeMoney('', '', ',', '.'), 2],
    [makeMoney('€', '', '.', ','), 1],
    [makeMoney('', ' EUR', '.', ','), 1],
    [makeMoney('£', '', ',', '.'), 1],
  ]);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number): string => String(n).padStart(2, '0');

export type DateFormat = (d: Date) => string;

export function pickDateFormat(r: Rng): DateFormat {
  return r.pick<DateFormat>([
    (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    (d) => `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}`,
    (d) => `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`,
    (d) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]?.slice(0, 3)} ${d.getUTCFullYear()}`,
    (d) => `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`,
  ]);
}

/** A date in 2019-2025 (UTC, so the output never depends on the machine's time zone). */
export function randomDate(r: Rng): Date {
  return new Date(Date.UTC(r.int(2019, 2025), r.int(0, 11), r.int(1, 28)));
}

export const addDays = (d: Date, days: number): Date => new Date(d.getTime() + days * 86_400_000);
