import { type Face } from '../fonts';
import { type LabelName } from '../labels';
import { pickDateFormat, pickMoney, randomDate } from '../format';
import { type FactKey, type Facts } from '../qa';
import { Rng } from '../random';
import { drawTable } from '../table';
import { addressLines, company, email, itemDescriptions, person, phone } from '../vocab';
import { ACCENTS, drawSignature, fitSize, INKS, type LayoutFn, MUTED, PEN_INKS, tint } from './common';

/** Filled-in form: printed captions with handwritten-looking values, checkboxes, an item table. */

interface Field {
  caption: string;
  value: string;
  label: LabelName;
  fact?: FactKey;
}

function content(r: Rng, lineItems: number | undefined) {
  const defaultItems = r.int(1, 6); // always drawn, so an explicit count leaves the stream intact
  const n = lineItems ?? defaultItems;
  const money = pickMoney(r);
  const fmtDate = pickDateFormat(r);
  const org = company(r);
  const title = r.pick(['EXPENSE REIMBURSEMENT FORM', 'PURCHASE REQUISITION', 'ORDER FORM', 'Expense Claim']);
  const applicant = person(r);
  const fields: Field[] = [
    { caption: 'Name', value: applicant, label: 'person_name', fact: 'person_name' },
    { caption: 'Date', value: fmtDate(randomDate(r)), label: 'date', fact: 'date' },
    { caption: 'Department', value: r.pick(['Finance', 'Operations', 'Sales', 'Engineering', 'Marketing', 'Facilities']), label: 'field_value' },
    { caption: 'Employee ID', value: `E-${r.int(10000, 99999)}`, label: 'field_value' },
  ];
  if (r.chance(0.7)) fields.push({ caption: 'Email', value: email(r, applicant), label: 'email', fact: 'email' });
  if (r.chance(0.7)) fields.push({ caption: 'Phone', value: phone(r), label: 'phone', fact: 'phone' });
  if (r.chance(0.5)) fields.push({ caption: 'Address', value: addressLines(r).join(', '), label: 'address' });
  if (r.chance(0.4)) fields.push({ caption: 'PO Number', value: `PO-${r.int(10000, 99999)}`, label: 'po_number', fact: 'po_number' });
  if (r.chance(0.5)) fields.push({ caption: 'Cost Center', value: `CC-${r.int(100, 999)}`, label: 'field_value' });
  if (r.chance(0.4)) fields.push({ caption: 'Project', value: r.pick(['Website relaunch', 'Q3 audit', 'Warehouse move', 'Trade fair']), label: 'field_value' });
  const groups = [
    { caption: 'Payment method', options: r.shuffle(['Direct deposit', 'Check', 'Cash', 'Corporate card']).slice(0, 3) },
    { caption: 'Priority', options: ['Normal', 'Urgent'] },
  ].slice(0, r.int(1, 2)).map((g) => ({ ...g, checked: r.int(0, g.options.length - 1) }));
  let sum = 0;
  const items = itemDescriptions(r, n, false).map((description) => {
    const qty = r.int(1, 12);
    const amount = qty * r.int(200, 40000);
    sum += amount;
    return { description, qty: String(qty), amount: money.format(amount) };
  });
  return { org, title, fields, groups, items, total: money.format(sum), formNo: `${r.pick(['FRM', 'EXP', 'PR'])}-${r.int(10, 99)}`, signed: r.chance(0.8) };
}

function style(r: Rng) {
  const caption: Face = r.pick(['sans', 'serif', 'sansCondensed'] as const);
  const hand = r.chance(0.6);
  return {
    caption,
    bold: (caption === 'serif' ? 'serifBold' : 'sansBold') as Face,
    value: (hand ? 'serifItalic' : r.pick(['mono', 'sans'] as const)) as Face,
    valueColor: hand ? r.pick(PEN_INKS) : r.pick(INKS),
    ink: r.pick(INKS),
    muted: r.pick(MUTED),
    accent: r.pick(ACCENTS),
    base: r.float(24, 29),
    margin: r.float(0.06, 0.09),
    fieldStyle: r.pick(['underline', 'boxed'] as const),
    columns: r.pick([1, 2, 2]),
    centered: r.chance(0.5),
    decor: r.fork(11),
  };
}

export const drawForm: LayoutFn = (b, seed, u, lineItems) => {
  const c = content(new Rng(seed), lineItems);
  const s = style(new Rng(seed ^ 0x5eed));
  const W = b.width, H = b.height;
  const mx = s.margin * W, my = s.margin * Math.min(W, H * 0.773);
  const cw = W - 2 * mx;
  const fs = s.base * u;
  const facts: Facts = { single: {}, items: [] };
  const f = facts.single;
  const lineW = Math.max(1, fs * 0.05);

  // Header: issuing organisation, form title, form number.
  let y = my + fs * 1.2;
  const align = s.centered ? 'center' : 'left';
  const hx = s.centered ? W / 2 : mx;
  f.company_name = [b.text(c.org, hx, y, s.bold, fitSize(b, c.org, s.bold, fs * 1.2, cw * 0.7), { color: s.accent, align, label: 'company_name' }).id as string];
  b.text(`Form ${c.formNo}`, W - mx, my + fs * 0.6, s.caption, fs * 0.65, { color: s.muted, align: 'right' });
  y += fs * 2.4;
  b.text(c.title, hx, y, s.bold, fitSize(b, c.title, s.bold, fs * 1.6, cw), { color: s.ink, align });
  y += fs * 0.9;
  b.line(mx, y, W - mx, y, s.accent, lineW * 2);
  y += fs * 1.2;

  // Fields on a grid of one or two columns.
  const gap = fs * 1.5;
  const colW = (cw - gap * (s.columns - 1)) / s.columns;
  const rowH = s.fieldStyle === 'boxed' ? fs * 3 : fs * 2.3;
  c.fields.forEach((fld, i) => {
    const x = mx + (i % s.columns) * (colW + gap);
    const top = y + Math.floor(i / s.columns) * rowH;
    let id: string;
    if (s.fieldStyle === 'underline') {
      const base = top + fs * 1.5;
      const cap = b.text(`${fld.caption}:`, x, base, s.caption, fs * 0.85, { color: s.ink });
      const vx = cap.right + fs * 0.7;
      b.line(cap.right + fs * 0.3, base + fs * 0.3, x + colW, base + fs * 0.3, s.muted, lineW);
      id = b.text(fld.value, vx, base - fs * 0.05, s.value, fitSize(b, fld.value, s.value, fs, x + colW - vx - fs * 0.3), { color: s.valueColor, label: fld.label }).id as string;
    } else {
      b.rect(x, top, colW, rowH - fs * 0.4, { stroke: s.muted, lineWidth: lineW });
      b.text(fld.caption.toUpperCase(), x + fs * 0.3, top + fs * 0.8, s.caption, fs * 0.6, { color: s.muted });
      id = b.text(fld.value, x + fs * 0.5, top + rowH - fs * 0.95, s.value, fitSize(b, fld.value, s.value, fs, colW - fs), { color: s.valueColor, label: fld.label }).id as string;
    }
    if (fld.fact) f[fld.fact] = [id];
  });
  y += Math.ceil(c.fields.length / s.columns) * rowH + fs * 0.8;

  // Checkbox groups: one box per option, covering the mark and its caption.
  for (const g of c.groups) {
    y += fs * 1.4;
    const cap = b.text(`${g.caption}:`, mx, y, s.bold, fs * 0.85, { color: s.ink });
    let x = cap.right + fs * 1.2;
    g.options.forEach((opt, k) => {
      const text = `${k === g.checked ? '\u2612' : '\u2610'} ${opt}`;
      x = b.text(text, x, y, 'sans', fs * 0.9, { color: s.ink, label: 'checkbox' }).right + fs * 1.5;
    });
  }
  y += fs * 2.4;
  b.text(c.title.toLowerCase().includes('order') ? 'ITEMS ORDERED' : 'DETAILS', mx, y, s.bold, fs * 0.8, { color: s.accent });
  y += fs * 0.7;

  // Items: the table takes whatever is left above the total and the signature area.
  const bottomArea = fs * 7.5;
  const room = H - my - bottomArea - y;
  const table = drawTable(b, { x: mx, y, width: cw, maxHeight: Math.max(room, fs * 2) }, [
    { header: 'Description', cells: c.items.map((i) => i.description), label: 'line_item_description', align: 'left', face: s.value, grow: 6 },
    { header: 'Qty', cells: c.items.map((i) => i.qty), label: 'line_item_quantity', align: 'right', face: s.value, grow: 1 },
    { header: 'Amount', cells: c.items.map((i) => i.amount), label: 'line_item_amount', align: 'right', face: s.value, grow: 2 },
  ], {
    headerFace: s.bold,
    headerFill: tint(s.accent, 0.88),
    headerColor: s.ink,
    rules: 'grid',
    ruleColor: tint(s.ink, 0.5),
    zebraFill: '#ffffff',
    ink: s.valueColor,
    rowFactor: 1.55,
  }, fs * 0.9);
  facts.items = c.items.map((i, k) => ({ description: i.description, quantityId: table.ids[1]?.[k] ?? null, amountId: table.ids[2]?.[k] ?? null }));
  y = table.bottom + fs * 1.6;
  b.text('TOTAL:', W - mx - fs * 9, y, s.bold, fs, { color: s.ink, align: 'right' });
  f.total = [b.text(c.total, W - mx - fs * 0.4, y, s.value, fs * 1.05, { color: s.valueColor, align: 'right', label: 'total' }).id as string];

  // Signature line at the foot of the page.
  const signY = H - my - fs * 1.2;
  const sigW = Math.min(cw * 0.4, fs * 14);
  b.text('Signature:', mx, signY, s.caption, fs * 0.85, { color: s.ink });
  const lx = mx + b.measure('Signature:', s.caption, fs * 0.85).width + fs * 0.5;
  b.line(lx, signY + fs * 0.2, lx + sigW, signY + fs * 0.2, s.muted, lineW);
  b.text('Approved by: ____________', W - mx, signY, s.caption, fs * 0.85, { color: s.ink, align: 'right' });
  if (c.signed) drawSignature(b, s.decor, lx + sigW * 0.05, signY, sigW * 0.8, fs * 2.4);

  return { facts, fits: room >= fs * 2 && y <= signY - fs * 2 };
};
