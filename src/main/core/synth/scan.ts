import sharp, { type Sharp } from 'sharp';
import { mixSeed, Rng } from './random';
import { type ScanOptions, type ScanSettings } from './types';

/**
 * Scanned-looking variants: a small skew (applied to the truth by the page builder, to the pixels
 * by the renderer), then blur, gaussian noise and JPEG compression on the finished image.
 */

const SCAN_SALT = 0x5ca9;
const DEFAULTS = { noise: 8, blur: 0.6, jpegQuality: 70 } as const;

/** Every setting filled in; a resolved setting resolves to itself, so truth read back rebuilds. */
export function resolveScan(scan: boolean | ScanOptions | undefined, seed: number, index: number): ScanSettings | null {
  if (!scan) return null;
  const o: ScanOptions = scan === true ? {} : scan;
  const scanSeed = o.seed ?? mixSeed(seed, index, SCAN_SALT);
  const r = new Rng(scanSeed);
  const skew = (r.chance(0.5) ? -1 : 1) * r.float(1, 2);
  const settings: ScanSettings = {
    seed: scanSeed,
    noise: o.noise ?? DEFAULTS.noise,
    blur: o.blur ?? DEFAULTS.blur,
    skewDegrees: o.skewDegrees ?? round3(skew),
    jpegQuality: o.jpegQuality === undefined ? DEFAULTS.jpegQuality : o.jpegQuality,
  };
  checkScan(settings);
  return settings;
}

function checkScan(s: ScanSettings): void {
  const bad = (what: string, v: unknown): never => {
    throw new RangeError(`synth: scan ${what}, got ${String(v)}`);
  };
  if (!Number.isSafeInteger(s.seed)) bad('seed must be a safe integer', s.seed);
  if (!(s.noise >= 0 && s.noise <= 64)) bad('noise must be in [0, 64]', s.noise);
  if (!(s.blur === 0 || (s.blur >= 0.3 && s.blur <= 10))) bad('blur must be 0 or in [0.3, 10]', s.blur);
  if (!(Math.abs(s.skewDegrees) <= 10)) bad('skewDegrees must be in [-10, 10]', s.skewDegrees);
  if (s.jpegQuality !== null && !(Number.isInteger(s.jpegQuality) && s.jpegQuality >= 1 && s.jpegQuality <= 100)) bad('jpegQuality must be an integer in [1, 100] or null', s.jpegQuality);
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Blur, noise and encoding of an opaque page, `img` being its RGB pixels. */
export async function degrade(img: Sharp, width: number, height: number, scan: ScanSettings, format: 'png' | 'jpeg'): Promise<Buffer> {
  let out = scan.blur > 0 ? img.blur(scan.blur) : img;
  if (scan.noise > 0) {
    const pixels = await out.raw().toBuffer();
    addNoise(pixels, scan.noise, scan.seed);
    out = sharp(pixels, { raw: { width, height, channels: 3 }, limitInputPixels: false });
  }
  if (scan.jpegQuality !== null) return out.jpeg({ quality: scan.jpegQuality }).toBuffer();
  return format === 'jpeg' ? out.jpeg({ quality: 90 }).toBuffer() : out.png({ compressionLevel: 6 }).toBuffer();
}

/** Sensor noise: one gaussian value per pixel, added to all three channels (Box-Muller pairs). */
function addNoise(rgb: Buffer, sigma: number, seed: number): void {
  const r = new Rng(mixSeed(seed, 0, SCAN_SALT + 1));
  // A clamped view rounds and clips each sum to 0-255 on write.
  const px = new Uint8ClampedArray(rgb.buffer, rgb.byteOffset, rgb.length);
  let spare = 0, haveSpare = false;
  for (let p = 0; p < px.length; p += 3) {
    let v: number;
    if (haveSpare) {
      v = spare;
    } else {
      const mag = sigma * Math.sqrt(-2 * Math.log(1 - r.next()));
      const angle = 2 * Math.PI * r.next();
      v = mag * Math.cos(angle);
      spare = mag * Math.sin(angle);
    }
    haveSpare = !haveSpare;
    px[p] = (px[p] as number) + v;
    px[p + 1] = (px[p + 1] as number) + v;
    px[p + 2] = (px[p + 2] as number) + v;
  }
}
