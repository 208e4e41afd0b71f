import { type Canvas, createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import sharp from 'sharp';
import { ensureFonts } from './fonts';
import { type DrawOp, type PagePlan } from './plan';
import { Rng } from './random';
import { degrade } from './scan';

/**
 * Replays a page plan onto a canvas: paper, rotated content, then scanner-like speckle; a
 * scanned variant's image is then blurred, noised and compressed (scan.ts).
 * Encoding goes through sharp rather than canvas.encode('png'): both run off the main thread,
 * but Skia's PNG encoder took ~180 ms for a letter page here against ~40 ms for sharp.
 */

function drawOps(ctx: SKRSContext2D, ops: DrawOp[]): void {
  for (const op of ops) {
    switch (op.op) {
      case 'text':
        ctx.font = op.font;
        ctx.fillStyle = op.color;
        ctx.fillText(op.text, op.x, op.y);
        break;
      case 'line':
        ctx.strokeStyle = op.color;
        ctx.lineWidth = op.width;
        ctx.setLineDash(op.dash ?? []);
        ctx.beginPath();
        ctx.moveTo(op.x1, op.y1);
        ctx.lineTo(op.x2, op.y2);
        ctx.stroke();
        break;
      case 'rect':
        if (op.fill) {
          ctx.fillStyle = op.fill;
          ctx.fillRect(op.x, op.y, op.w, op.h);
        }
        if (op.stroke) {
          ctx.strokeStyle = op.stroke;
          ctx.lineWidth = op.lineWidth ?? 1;
          ctx.setLineDash([]);
          ctx.strokeRect(op.x, op.y, op.w, op.h);
        }
        break;
      case 'path': {
        ctx.strokeStyle = op.color;
        ctx.lineWidth = op.width;
        ctx.setLineDash([]);
        ctx.beginPath();
        for (let i = 0; i < op.points.length; i += 2) {
          const x = op.points[i] as number, y = op.points[i + 1] as number;
          if (i === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.stroke();
        break;
      }
      case 'group':
        ctx.save();
        ctx.globalAlpha = op.alpha;
        ctx.translate(op.cx, op.cy);
        ctx.rotate(op.angle);
        ctx.translate(-op.cx, -op.cy);
        drawOps(ctx, op.ops);
        ctx.restore();
        break;
    }
  }
}

/** Dust and toner specks, plus the odd faint streak a flatbed leaves. */
function drawNoise(ctx: SKRSContext2D, plan: PagePlan): void {
  const r = new Rng(plan.noiseSeed);
  const { width: W, height: H } = plan;
  // Scale-invariant: a page drawn at 6x the default size gets the same specks, 6x larger.
  const u = Math.max(0.5, plan.unit);
  const specks = Math.min(40_000, Math.round((W * H) / (2500 * u * u)));
  for (let i = 0; i < specks; i++) {
    const g = r.int(40, 150);
    ctx.fillStyle = `rgba(${g},${g},${g},${r.float(0.15, 0.6).toFixed(3)})`;
    const s = r.float(0.6, 2.4) * u;
    ctx.fillRect(r.float(0, W), r.float(0, H), s, s * r.float(0.6, 1.4));
  }
  const streaks = r.int(0, 2);
  for (let i = 0; i < streaks; i++) {
    ctx.fillStyle = `rgba(120,120,120,${r.float(0.04, 0.1).toFixed(3)})`;
    ctx.fillRect(r.float(0, W), 0, r.float(1, 3) * u, H);
  }
}

export function paint(plan: PagePlan): Canvas {
  ensureFonts();
  const { width: W, height: H } = plan;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  const paper = ctx.createLinearGradient(0, 0, W * 0.3, H);
  paper.addColorStop(0, plan.paper.from);
  paper.addColorStop(1, plan.paper.to);
  ctx.fillStyle = paper;
  ctx.fillRect(0, 0, W, H);

  // Same rotation about the centre as PageBuilder.finalize applies to the truth boxes.
  ctx.save();
  ctx.translate(W / 2, H / 2);
  ctx.rotate(plan.rotation);
  ctx.translate(-W / 2, -H / 2);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  drawOps(ctx, plan.ops);
  ctx.restore();

  drawNoise(ctx, plan);
  return canvas;
}

export async function encodePlan(plan: PagePlan, format: 'png' | 'jpeg'): Promise<Buffer> {
  const canvas = paint(plan);
  // canvas.data() is a view of the canvas's own memory, freed when the canvas is collected, and
  // sharp reads it later on a worker thread: the canvas must stay reachable until sharp is done
  // (letting it go crashed the process or produced garbage). No copy: a 10,000 x 14,000 page is 560 MB.
  const raw = canvas.data();
  try {
    // Every pixel is opaque, so premultiplied RGBA equals straight RGBA and alpha can go.
    const img = sharp(raw, { raw: { width: plan.width, height: plan.height, channels: 4 }, limitInputPixels: false }).removeAlpha();
    if (plan.scan) return await degrade(img, plan.width, plan.height, plan.scan, format);
    return await (format === 'jpeg' ? img.jpeg({ quality: 90 }).toBuffer() : img.png({ compressionLevel: 6 }).toBuffer());
  } finally {
    keepAlive(canvas);
  }
}

let _sink = 0;
/** Touches the canvas so it is still referenced after the await above. */
function keepAlive(canvas: Canvas): void {
  _sink ^= canvas.width;
}
