import { type Face } from './fonts';
import { type LabelName } from './labels';
import { type PageBuilder } from './plan';

/**
 * Line-item tables. A few rows draw as one ordinary table; many rows are split into side-by-side
 * sub-tables with the font shrunk until everything fits the region, so callers can ask for
 * thousands of boxes on one page.
 */

export interface TableColumn {
  header: string;
  cells: string[];
  label: LabelName;
  align: 'left' | 'right';
  face: Face;
  /** Share of the spare width this column takes (descriptions stretch, numbers stay snug). */
  grow: number;
}

export interface TableStyle {
  /** null: no header row (receipts). */
  headerFace: Face | null;
  headerFill: string | null;
  headerColor: string;
  rules: 'grid' | 'zebra' | 'lines' | 'plain';
  ruleColor: string;
  zebraFill: string;
  ink: string;
  /** Row pitch in multiples of the font size. */
  rowFactor: number;
}

export interface Region {
  x: number;
  y: number;
  width: number;
  maxHeight: number;
}

export interface TableResult {
  bottom: number;
  /** Truth box ids by column then row (null where the cell is empty). */
  ids: (string | null)[][];
  fontSize: number;
  subTables: number;
}

const PAD = 0.45; // cell padding each side, in font sizes
const SUB_GAP = 1.6; // gap between side-by-side sub-tables, in font sizes
const HEADER_ROWS = 1.25; // the header row is a little taller than a body row

const REF = 100; // columns are measured once at this size; widths scale linearly to within 0.2 %
const SCALE_SLACK = 1.005;

/** Widest cell (or header) per column at REF px, in REF px, without padding. */
function referenceWidths(b: PageBuilder, cols: TableColumn[], headerFace: Face | null): number[] {
  return cols.map((c) => {
    let w = headerFace && c.header ? b.measure(c.header, headerFace, REF).width : 0;
    for (const cell of c.cells) if (cell) w = Math.max(w, b.measure(cell, c.face, REF).width);
    return w;
  });
}

/** Column widths (with padding) at font size `f`. */
const widthsAt = (ref: number[], f: number): number[] => ref.map((w) => (w * f * SCALE_SLACK) / REF + 2 * PAD * f);

/** Picks the number of sub-tables that allows the largest font. */
function fit(ref: number[], style: TableStyle, region: Region, rows: number, maxFont: number): { font: number; subTables: number } {
  const emWidth = widthsAt(ref, 1).reduce((s, w) => s + w, 0);
  const hdr = style.headerFace ? HEADER_ROWS : 0;
  let best = { font: 0, subTables: 1 };
  for (let c = 1; c <= Math.max(1, rows); c++) {
    const r = Math.ceil(rows / c);
    const fH = region.maxHeight / ((r + hdr) * style.rowFactor);
    const fW = region.width / (c * emWidth + (c - 1) * SUB_GAP);
    const f = Math.min(maxFont, fH, fW);
    if (f > best.font * 1.001) best = { font: f, subTables: c };
    if (fW <= best.font || fH >= maxFont) break; // more sub-tables only get narrower
  }
  return best;
}

export function drawTable(b: PageBuilder, region: Region, cols: TableColumn[], style: TableStyle, maxFont: number): TableResult {
  const rows = Math.max(0, ...cols.map((c) => c.cells.length));
  const ref = referenceWidths(b, cols, style.headerFace);
  const { font, subTables } = fit(ref, style, region, rows, maxFont);
  let widths = widthsAt(ref, font);

  const gap = SUB_GAP * font;
  const subWidth = (region.width - (subTables - 1) * gap) / subTables;
  const spare = Math.max(0, subWidth - widths.reduce((s, w) => s + w, 0));
  const growSum = cols.reduce((s, c) => s + c.grow, 0) || 1;
  widths = widths.map((w, k) => w + (spare * (cols[k]?.grow ?? 0)) / growSum);

  const rowH = font * style.rowFactor;
  const headerH = style.headerFace ? rowH * HEADER_ROWS : 0;
  const perSub = Math.max(1, Math.ceil(rows / subTables));
  const lineW = Math.max(0.6, font * 0.05);
  const baseline = (top: number, h: number): number => top + h / 2 + font * 0.36;
  const ids: (string | null)[][] = cols.map(() => []);
  let bottom = region.y;

  for (let s = 0; s < subTables; s++) {
    const x0 = region.x + s * (subWidth + gap);
    const first = s * perSub;
    const count = Math.max(0, Math.min(perSub, rows - first));
    if (count === 0 && s > 0) break;
    const tableH = headerH + count * rowH;
    bottom = Math.max(bottom, region.y + tableH);

    if (style.headerFace) {
      if (style.headerFill) b.rect(x0, region.y, subWidth, headerH, { fill: style.headerFill });
      let x = x0;
      cols.forEach((c, k) => {
        const w = widths[k] ?? 0;
        const tx = c.align === 'left' ? x + PAD * font : x + w - PAD * font;
        if (c.header) b.text(c.header, tx, baseline(region.y, headerH), style.headerFace as Face, font, { color: style.headerColor, align: c.align });
        x += w;
      });
    }

    const bodyTop = region.y + headerH;
    for (let j = 0; j < count; j++) {
      const top = bodyTop + j * rowH;
      if (style.rules === 'zebra' && j % 2 === 1) b.rect(x0, top, subWidth, rowH, { fill: style.zebraFill });
      if (style.rules === 'lines' || style.rules === 'grid') b.line(x0, top + rowH, x0 + subWidth, top + rowH, style.ruleColor, lineW);
      let x = x0;
      cols.forEach((c, k) => {
        const w = widths[k] ?? 0;
        const text = c.cells[first + j] ?? '';
        if (text) {
          const tx = c.align === 'left' ? x + PAD * font : x + w - PAD * font;
          const ext = b.text(text, tx, baseline(top, rowH), c.face, font, { color: style.ink, align: c.align, label: c.label });
          (ids[k] as (string | null)[])[first + j] = ext.id;
        } else {
          (ids[k] as (string | null)[])[first + j] = null;
        }
        x += w;
      });
    }

    // Rules drawn last so fills never hide them.
    if (style.headerFace) b.line(x0, bodyTop, x0 + subWidth, bodyTop, style.ruleColor, lineW * 1.6);
    if (style.rules === 'grid') {
      b.rect(x0, region.y, subWidth, tableH, { stroke: style.ruleColor, lineWidth: lineW });
      let x = x0;
      for (let k = 0; k < cols.length - 1; k++) {
        x += widths[k] ?? 0;
        b.line(x, region.y, x, region.y + tableH, style.ruleColor, lineW);
      }
    } else if (style.rules !== 'lines') {
      b.line(x0, region.y + tableH, x0 + subWidth, region.y + tableH, style.ruleColor, lineW);
    }
  }
  return { bottom, ids, fontSize: font, subTables };
}
