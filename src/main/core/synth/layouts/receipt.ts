import { type Face } from '../fonts';
import { pickDateFormat, pickMoney, randomDate } from '../format';
import { type Facts } from '../qa';
import { Rng } from '../random';
import { drawTable, type TableColumn } from '../table';
import { addressLines, itemDescriptions, person, phone, store } from '../vocab';
import { fitSize, INKS, type LayoutFn, runs } from './common';

/** Till receipt: narrow, monospaced, centred header, dashed rules, items, totals, barcode. */

function content(r: Rng, lineItems: number | undefined) {
  const defaultItems = r.int(3, 14); // always drawn, so an explicit count leaves the stream intact
  const n = lineItems ?? defaultItems;
  const money = pickMoney(r);
  const fmtDate = pickDateFormat(r);
  const name = store(r);
  const address = addressLines(r);
  const tel = phone(r);
  const date = fmtDate(randomDate(r));
  const time = `${String(r.int(7, 22)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}`;
  const receiptNumber = r.pick([`${r.int(1000, 9999)}-${r.int(100, 999)}`, String(r.int(100000, 999999)), `R${r.int(10000, 99999)}`]);
  const cashier = r.chance(0.5) ? person(r).split(' ')[0] : null;
  let subtotal = 0;
  const items = itemDescriptions(r, n, true).map((description) => {
    const qty = r.chance(0.25) ? r.int(2, 4) : 1;
    const amount = qty * r.int(49, 2999);
    subtotal += amount;
    return { description, qty: String(qty), amount: money.format(amount) };
  });
  const taxRate = r.pick([0, 5, 7, 8.875, 10]);
  const tax = Math.round((subtotal * taxRate) / 100);
  const card = r.pick(['VISA', 'MASTERCARD', 'AMEX', 'DEBIT']);
  return {
    name, address, tel, date, time, receiptNumber, cashier, items, taxRate,
    subtotal: money.format(subtotal), tax: money.format(tax), total: money.format(subtotal + tax),
    payment: r.chance(0.25) ? 'CASH' : `${card} **** ${r.int(1000, 9999)}`,
    thanks: r.pick(['THANK YOU FOR SHOPPING!', 'THANK YOU - PLEASE COME AGAIN', 'KEEP YOUR RECEIPT FOR RETURNS']),
    barcode: r.chance(0.6) ? Array.from({ length: 40 }, () => r.int(1, 3)) : null,
    barcodeDigits: String(r.int(10000000, 99999999)) + String(r.int(10000, 99999)),
  };
}

function style(r: Rng) {
  const face: Face = r.weighted<Face>([['mono', 5], ['sansCondensed', 2]]);
  return {
    face,
    bold: (face === 'mono' ? 'monoBold' : 'sansBold') as Face,
    ink: r.chance(0.4) ? r.pick(['#3b3b3b', '#474747', '#2e2e3a']) : r.pick(INKS),
    base: r.float(23, 28),
    margin: r.float(0.06, 0.1),
    qtyColumn: r.chance(0.5),
    header: r.chance(0.4),
    rule: r.pick(['-', '=', '*', '.']),
    upperCaptions: r.chance(0.7),
    /** Scanned on a flatbed: the grey lid shows below the cut end of the slip. */
    bed: r.chance(0.5) ? r.pick(['#d6d6d3', '#cbcac6', '#dcdad4', '#c4c6c9']) : null,
  };
}

export const drawReceipt: LayoutFn = (b, seed, u, lineItems) => {
  const c = content(new Rng(seed), lineItems);
  const s = style(new Rng(seed ^ 0x5eed));
  const W = b.width, H = b.height;
  const mx = s.margin * W, my = s.margin * Math.min(W, H * 0.4) + 10 * u;
  const cw = W - 2 * mx;
  const fs = s.base * u;
  const lh = fs * 1.4;
  const ink = { color: s.ink };
  const cap = (t: string): string => (s.upperCaptions ? t.toUpperCase() : t);
  const facts: Facts = { single: {}, items: [] };
  const f = facts.single;

  const rule = (yy: number): void => {
    const w = b.measure(s.rule, s.face, fs).width;
    b.text(s.rule.repeat(Math.max(1, Math.floor(cw / w))), W / 2, yy, s.face, fs, { ...ink, align: 'center' });
  };

  let y = my + fs * 1.4;
  f.vendor = [b.text(c.name, W / 2, y, s.bold, fitSize(b, c.name, s.bold, fs * 1.5, cw), { ...ink, align: 'center', label: 'vendor' }).id as string];
  y += lh * 0.6;
  f.vendor_address = c.address.map((line) => {
    y += lh;
    return b.text(line, W / 2, y, s.face, fitSize(b, line, s.face, fs, cw), { ...ink, align: 'center', label: 'address' }).id as string;
  });
  y += lh;
  f.vendor_phone = [runs(b, [
    { text: 'TEL ', face: s.face, size: fs, color: s.ink },
    { text: c.tel, face: s.face, size: fs, color: s.ink, label: 'phone' },
  ], W / 2, y, 'center')[1] as string];
  y += lh;
  rule(y);
  y += lh;
  f.date = [runs(b, [
    { text: `${cap('Date')}: `, face: s.face, size: fs, color: s.ink },
    { text: c.date, face: s.face, size: fs, color: s.ink, label: 'date' },
  ], mx, y)[1] as string];
  b.text(c.time, W - mx, y, s.face, fs, { ...ink, align: 'right' });
  y += lh;
  f.receipt_number = [runs(b, [
    { text: `${cap('Receipt')} #: `, face: s.face, size: fs, color: s.ink },
    { text: c.receiptNumber, face: s.face, size: fs, color: s.ink, label: 'receipt_number' },
  ], mx, y)[1] as string];
  if (c.cashier) {
    y += lh;
    b.text(`${cap('Cashier')}: ${c.cashier}`, mx, y, s.face, fs, ink);
  }
  y += lh;
  rule(y);
  y += fs * 0.8;

  // Everything below the items has a known height; the table gets the rest of the page.
  const below = lh * 8.5 + (c.barcode ? fs * 5 : 0);
  const room = H - my - below - y;
  const cols: TableColumn[] = [
    { header: cap('Item'), cells: c.items.map((i) => i.description), label: 'line_item_description', align: 'left', face: s.face, grow: 5 },
    { header: cap('Total'), cells: c.items.map((i) => i.amount), label: 'line_item_amount', align: 'right', face: s.face, grow: 1 },
  ];
  if (s.qtyColumn) cols.unshift({ header: cap('Qty'), cells: c.items.map((i) => i.qty), label: 'line_item_quantity', align: 'left', face: s.face, grow: 0 });
  const table = drawTable(b, { x: mx, y, width: cw, maxHeight: Math.max(room, fs * 2) }, cols, {
    headerFace: s.header ? s.bold : null,
    headerFill: null,
    headerColor: s.ink,
    rules: 'plain',
    ruleColor: s.ink,
    zebraFill: '#ffffff',
    ink: s.ink,
    rowFactor: 1.4,
  }, fs);
  const q = s.qtyColumn ? 1 : 0;
  facts.items = c.items.map((i, k) => ({
    description: i.description,
    quantityId: s.qtyColumn ? (table.ids[0]?.[k] ?? null) : null,
    amountId: table.ids[1 + q]?.[k] ?? null,
  }));
  y = table.bottom + lh * 0.4;

  const total = (caption: string, value: string, label: 'subtotal' | 'tax' | 'total', bold: boolean): string => {
    y += bold ? lh * 1.25 : lh;
    const face = bold ? s.bold : s.face;
    const size = bold ? fs * 1.2 : fs;
    b.text(caption, mx, y, face, size, ink);
    return b.text(value, W - mx, y, face, size, { ...ink, align: 'right', label }).id as string;
  };
  f.subtotal = [total(cap('Subtotal'), c.subtotal, 'subtotal', false)];
  f.tax = [total(`${cap('Tax')} ${c.taxRate}%`, c.tax, 'tax', false)];
  f.total = [total(cap('Total'), c.total, 'total', true)];
  y += lh * 1.2;
  b.text(`${cap('Paid')}:`, mx, y, s.face, fs, ink);
  f.payment_method = [b.text(c.payment, W - mx, y, s.face, fs, { ...ink, align: 'right', label: 'payment_method' }).id as string];
  y += lh;
  rule(y);
  y += lh * 1.2;
  b.text(c.thanks, W / 2, y, s.face, fitSize(b, c.thanks, s.face, fs, cw), { ...ink, align: 'center' });
  if (c.barcode) {
    y += fs * 1.2;
    const unit = Math.min(fs * 0.12, cw / 140);
    const bw = c.barcode.reduce((sum, w) => sum + w * unit * 2, 0);
    let x = W / 2 - bw / 2;
    for (const w of c.barcode) {
      b.rect(x, y, w * unit, fs * 2.6, { fill: s.ink });
      x += w * unit * 2;
    }
    y += fs * 2.6 + fs * 1.1;
    b.text(c.barcodeDigits, W / 2, y, s.face, fs * 0.8, { ...ink, align: 'center' });
  }
  const end = y + my * 0.8;
  if (s.bed && end < H - fs) b.underlay(-W, end, 3 * W, 2 * H, s.bed);
  return { facts, fits: room >= fs * 2 && y <= H - my + fs };
};
