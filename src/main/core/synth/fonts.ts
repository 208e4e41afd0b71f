import { createRequire } from 'node:module';
import path from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';

/**
 * Bundled DejaVu faces (Bitstream Vera licence, from the `dejavu-fonts-ttf` package), registered
 * under private family names so rendering never depends on fonts installed on the machine: a
 * name that is not ours would silently fall back to a system font.
 */
const FACE_FILES = {
  sans: 'DejaVuSans.ttf',
  sansBold: 'DejaVuSans-Bold.ttf',
  sansCondensed: 'DejaVuSansCondensed.ttf',
  serif: 'DejaVuSerif.ttf',
  serifBold: 'DejaVuSerif-Bold.ttf',
  serifItalic: 'DejaVuSerif-Italic.ttf',
  mono: 'DejaVuSansMono.ttf',
  monoBold: 'DejaVuSansMono-Bold.ttf',
} as const;

export type Face = keyof typeof FACE_FILES;

const familyOf = (face: Face): string => `FolioSynth_${face}`;

let registered = false;

export function fontDir(): string {
  const pkg = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json');
  return path.join(path.dirname(pkg), 'ttf');
}

/** Registers every face once per process; throws rather than render with a fallback font. */
export function ensureFonts(): void {
  if (registered) return;
  const dir = fontDir();
  for (const [face, file] of Object.entries(FACE_FILES) as [Face, string][]) {
    const family = familyOf(face);
    if (GlobalFonts.has(family)) continue;
    const key = GlobalFonts.registerFromPath(path.join(dir, file), family);
    if (!key || !GlobalFonts.has(family)) throw new Error(`synth: could not register font ${file} from ${dir}`);
  }
  registered = true;
}

/** CSS font shorthand for a face at a pixel size (rounded so measuring and drawing agree). */
export function cssFont(face: Face, sizePx: number): string {
  return `${roundSize(sizePx)}px ${familyOf(face)}`;
}

export function roundSize(sizePx: number): number {
  return Math.max(1, Math.round(sizePx * 100) / 100);
}

export const FACES = Object.keys(FACE_FILES) as Face[];
export const familyName = familyOf;
