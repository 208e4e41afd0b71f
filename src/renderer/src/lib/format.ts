export { formatBytes } from '../../../shared/format';

const numberFormat = new Intl.NumberFormat();

export function formatCount(n: number): string {
  return numberFormat.format(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", then a date. `now` is passed in to keep renders pure. */
export function formatRelative(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 7) return `${d} days ago`;
  return new Date(t).toLocaleDateString();
}

const shortDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "23 Nov 2026, 15:37" */
export function formatShortDateTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : shortDateTime.format(t);
}

export function formatDateTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

/** "about 12 s", "about 3 min" */
export function formatEta(ms: number | null): string {
  if (ms === null) return 'estimating…';
  const s = Math.round(ms / 1000);
  if (s < 1) return 'less than a second';
  if (s < 60) return `about ${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `about ${m} min`;
  return `about ${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The last part of a path, whichever separator the host uses. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/**
 * A new path in the data folder for something the user writes out:
 * `<data folder>/<folder>/<project-slug>-<what>-<YYYYMMDD-HHMM><ext>`.
 */
export function suggestedDataPath(dataDir: string, folder: string, projectName: string, what: string, ext = ''): string {
  const sep = dataDir.includes('\\') ? '\\' : '/';
  const slug = projectName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'project';
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
  return [dataDir.replace(/[\\/]+$/, ''), folder, `${[slug, what, stamp].filter(Boolean).join('-')}${ext}`].join(sep);
}
