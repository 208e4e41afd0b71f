import { type Face } from '../fonts';
import { addDays, pickDateFormat, pickMoney, randomDate } from '../format';
import { type Facts } from '../qa';
import { Rng } from '../random';
import { drawTable, type TableStyle } from '../table';
import { addressLines, company, email, itemDescriptions, person, phone } from '../vocab';
import { ACCENTS, drawSignature, drawStamp, fitSize, INKS, type LayoutFn, MUTED, runs, tint } from './common';

/** Invoice: vendor header, meta block, bill-to, line-item table, totals, notes, signature/stamp. */

function content(r: Rng, lineItems: number | undefined) {
  const defaultItems = r.int(2, 12); // always drawn, so an explicit count leaves the stream intact
  const n = lineItems ?? defaultItems;
  const money = pickMoney(r);
  const fmtDate = pickDateFormat(r);
  const vendor = company(r);
  const vendorAddress = addressLines(r);
  const vendorPhone = phone(r);
  const vendorEmail = r.chance(0.5) ? email(r, r.pick(['billing', 'accounts', 'invoices'])) : null;
  const customer = r.chance(0.55) ? company(r) : person(r);
  const customerAddress = addressLines(r);
  const issued = randomDate(r);
  const invoiceNumber = r.pick([
    `INV-${issued.getUTCFullYear()}-${String(r.int(1, 99999)).padStart(5, '0')}`,
    String(r.int(100000, 999999)),
    `${r.pick(['A', 'F', 'S'])}${r.int(1000, 9999)}/${String(issued.getUTCFullYear()).slice(2)}`,
  ]);
  const dueDate = r.chance(0.7) ? fmtDate(addDays(issued, r.pick([14, 15, 30, 45, 60]))) : null;
  const po = r.chance(0.4) ? `PO-${r.int(10000, 99999)}` : null;
  const terms = r.chance(0.45) ? r.pick(['Net 30', 'Net 15', 'Net 60', 'Due on receipt', '2/10 Net 30']) : null;
  const hourly = r.chance(0.2);
  let subtotal = 0;
  const items = itemDescriptions(r, n, false).map((description) => {
    const qty = hourly ? r.int(1, 40) / 2 : r.int(1, 24);
    const unit = r.chance(0.7) ? r.int(150, 25000) : r.int(25000, 180000);
    const amount = Math.round(qty * unit);
    subtotal += amount;
    return { description, qty: hourly ? qty.toFixed(1) : String(qty), unit: money.format(unit), amount: money.format(amount) };
  });
  const taxRate = r.pick([0, 5, 6.5, 7, 8.25, 10, 19, 20]);
  const tax = Math.round((subtotal * taxRate) / 100);
  return {
    money, vendor, vendorAddress, vendorPhone, vendorEmail, customer, customerAddress, invoiceNumber,
    date: fmtDate(issued), dueDate, po, terms, items, taxRate,
    subtotal: money.format(subtotal), tax: money.format(tax), total: money.format(subtotal + tax),
    stamp: r.chance(0.35) ? r.pick(['PAID', 'RECEIVED', 'APPROVED', 'POSTED', 'COPY']) : null,
    signed: r.chance(0.5),
    note: r.pick([
      'Thank you for your business!',
      'Please include the invoice number with your payment.',
      `Payment by bank transfer: IBAN DE${r.int(10, 99)} ${r.int(1000, 9999)} ${r.int(1000, 9999)} ${r.int(1000, 9999)} ${r.int(10, 99)}`,
      'Goods remain our property until paid in full.',
    ]),
  };
}

function style(r: Rng) {
  const body: Face = r.weighted<Face>([['sans', 4], ['serif', 2], ['sansCondensed', 1]]);
  const caps = r.pick([
    { number: 'Invoice No.', date: 'Date', due: 'Due Date', po: 'PO Number', terms: 'Terms', billTo: 'BILL TO' },
    { number: 'Invoice #', date: 'Invoice Date', due: 'Payment Due', po: 'Purchase Order', terms: 'Payment Terms', billTo: 'Bill To:' },
    { number: 'Number', date: 'Issued', due: 'Due', po: 'Your PO', terms: 'Terms', billTo: 'Invoice to' },
  ]);
  return {
    header: r.pick(['left', 'centered', 'band'] as const),
    body,
    bold: (body === 'serif' ? 'serifBold' : 'sansBold') as Face,
    numbers: (r.chance(0.25) ? 'mono' : body) as Face,
    accent: r.pick(ACCENTS),
    ink: r.pick(INKS),
    muted: r.pick(MUTED),
    margin: r.float(0.055, 0.085),
    base: r.float(24, 30),
    title: r.pick(['INVOICE', 'Invoice', 'TAX INVOICE', 'INVOICE']),
    caps,
    columns: r.pick([
      ['Description', 'Qty', 'Unit Price', 'Amount'],
      ['Item', 'Quantity', 'Rate', 'Total'],
      ['DESCRIPTION', 'QTY', 'PRICE', 'LINE TOTAL'],
    ]),
    rules: r.pick(['grid', 'zebra', 'lines', 'plain'] as const),
    headerFill: r.chance(0.6),
    stampAt: r.pick(['totals', 'header', 'footer'] as const),
    decor: r.fork(7),
  };
}

// Long on purpose: it draws the page from the letterhead down, and each block places the next.
export const drawInvoice: LayoutFn = (b, seed, u, lineItems) => {
  const c = content(new Rng(seed), lineItems);
  const s = style(new Rng(seed ^ 0x5eed));
  const W = b.width, H = b.height;
  const mx = s.margin * W, my = s.margin * Math.min(W, H * 0.773);
  const cw = W - 2 * mx;
  const fs = s.base * u;
  const lh = fs * 1.38;
  const facts: Facts = { single: {}, items: [] };
  const f = facts.single;
  const ink = { color: s.ink };
  let y = my;

  // Meta rows (caption + value), present only when the document has the value.
  const meta: { caption: string; value: string; key: 'invoice_number' | 'date' | 'due_date' | 'po_number' | 'payment_terms' }[] = [
    { caption: s.caps.number, value: c.invoiceNumber, key: 'invoice_number' },
    { caption: s.caps.date, value: c.date, key: 'date' },
  ];
  if (c.dueDate) meta.push({ caption: s.caps.due, value: c.dueDate, key: 'due_date' });
  if (c.po) meta.push({ caption: s.caps.po, value: c.po, key: 'po_number' });
  if (c.terms) meta.push({ caption: s.caps.terms, value: c.terms, key: 'payment_terms' });
  const labelOf = { invoice_number: 'invoice_number', date: 'date', due_date: 'due_date', po_number: 'po_number', payment_terms: 'payment_terms' } as const;

  /** Meta as a right-hand block: captions left-aligned, values right-aligned. */
  const metaBlock = (top: number): number => {
    const size = fs * 0.95;
    const widest = Math.max(...meta.map((m) => b.measure(`${m.caption}:`, s.bold, size).width + b.measure(m.value, s.numbers, size).width));
    const x0 = W - mx - Math.min(cw * 0.5, widest + fs * 2);
    let yy = top;
    for (const m of meta) {
      yy += lh;
      b.text(`${m.caption}:`, x0, yy, s.bold, size, { color: s.muted });
      f[m.key] = [b.text(m.value, W - mx, yy, s.numbers, size, { color: s.ink, align: 'right', label: labelOf[m.key] }).id as string];
    }
    return yy + fs * 0.5;
  };

  const vendorContact = (x: number, top: number, size: number, align: 'left' | 'center', joined: boolean): number => {
    let yy = top;
    const addr = joined ? [c.vendorAddress.join(', ')] : c.vendorAddress;
    f.vendor_address = addr.map((line) => {
      yy += size * 1.35;
      return b.text(line, x, yy, s.body, size, { color: s.ink, align, label: 'address' }).id as string;
    });
    yy += size * 1.35;
    f.vendor_phone = [runs(b, [
      { text: 'Tel: ', face: s.body, size, color: s.muted },
      { text: c.vendorPhone, face: s.body, size, color: s.ink, label: 'phone' },
    ], x, yy, align)[1] as string];
    if (c.vendorEmail) {
      yy += size * 1.35;
      f.email = [b.text(c.vendorEmail, x, yy, s.body, size, { color: s.ink, align, label: 'email' }).id as string];
    }
    return yy + size * 0.5;
  };

  // Header.
  let headerMid = y;
  if (s.header === 'left' || s.header === 'band') {
    const band = s.header === 'band';
    const nameSize = fs * 1.8, titleSize = fs * 2.2;
    const bandH = band ? my * 0.5 + titleSize * 2.2 : 0;
    if (band) b.rect(0, 0, W, bandH, { fill: s.accent });
    const base = band ? my * 0.5 + titleSize * 1.4 : y + titleSize * 0.85;
    const nameColor = band ? '#ffffff' : s.accent;
    const title = b.text(s.title, W - mx, base, s.bold, titleSize, { color: band ? '#ffffff' : s.accent, align: 'right' });
    const nameFit = fitSize(b, c.vendor, s.bold, nameSize, title.left - mx - fs * 1.5);
    f.vendor = [b.text(c.vendor, mx, base, s.bold, nameFit, { color: nameColor, label: 'vendor' }).id as string];
    const below = band ? bandH + fs * 0.5 : base + fs * 0.6;
    const left = vendorContact(mx, below, fs * 0.9, 'left', false);
    const right = metaBlock(below);
    headerMid = base;
    y = Math.max(left, right) + fs * 1.8;
  } else {
    const nameSize = fs * 1.7;
    const base = y + nameSize * 0.85;
    f.vendor = [b.text(c.vendor, W / 2, base, s.bold, nameSize, { color: s.accent, align: 'center', label: 'vendor' }).id as string];
    let yy = vendorContact(W / 2, base + fs * 0.2, fs * 0.88, 'center', true) + fs * 0.4;
    b.line(mx, yy, W - mx, yy, s.accent, Math.max(1, fs * 0.08));
    yy += fs * 2.4;
    b.text(s.title, W / 2, yy, s.bold, fs * 1.6, { color: s.accent, align: 'center' });
    headerMid = yy;
    // Meta as a row of columns: caption above, value below.
    const colW = cw / meta.length;
    yy += fs * 1.9;
    meta.forEach((m, i) => {
      const x = mx + i * colW;
      b.text(m.caption.toUpperCase(), x, yy, s.bold, fs * 0.7, { color: s.muted });
      f[m.key] = [b.text(m.value, x, yy + fs * 1.25, s.numbers, Math.min(fs * 0.95, fitSize(b, m.value, s.numbers, fs * 0.95, colW * 0.92)), { color: s.ink, label: labelOf[m.key] }).id as string];
    });
    y = yy + fs * 3.8;
  }

  // Bill-to block.
  b.text(s.caps.billTo, mx, y, s.bold, fs * 0.85, { color: s.accent });
  y += lh;
  f.customer = [b.text(c.customer, mx, y, s.bold, fs, { ...ink, label: 'customer' }).id as string];
  for (const line of c.customerAddress) {
    y += lh * 0.95;
    b.text(line, mx, y, s.body, fs * 0.92, { ...ink, label: 'address' });
  }
  y += fs * 1.6;

  // Table: whatever height is left between the header and the reserved totals + footer.
  const totalsH = lh * 3.6;
  const footerH = fs * 6.2;
  const footerTop = H - my - footerH;
  const room = footerTop - totalsH - fs - y;
  const tableStyle: TableStyle = {
    headerFace: s.bold,
    headerFill: s.headerFill ? tint(s.accent, 0.82) : null,
    headerColor: s.headerFill ? s.ink : s.accent,
    rules: s.rules,
    ruleColor: tint(s.ink, 0.55),
    zebraFill: tint(s.accent, 0.93),
    ink: s.ink,
    rowFactor: 1.5,
  };
  const [hDesc, hQty, hUnit, hAmount] = s.columns as [string, string, string, string];
  const table = drawTable(b, { x: mx, y, width: cw, maxHeight: Math.max(room, fs * 2) }, [
    { header: hDesc, cells: c.items.map((i) => i.description), label: 'line_item_description', align: 'left', face: s.body, grow: 6 },
    { header: hQty, cells: c.items.map((i) => i.qty), label: 'line_item_quantity', align: 'right', face: s.numbers, grow: 1 },
    { header: hUnit, cells: c.items.map((i) => i.unit), label: 'line_item_unit_price', align: 'right', face: s.numbers, grow: 1.5 },
    { header: hAmount, cells: c.items.map((i) => i.amount), label: 'line_item_amount', align: 'right', face: s.numbers, grow: 1.5 },
  ], tableStyle, fs * 0.92);
  facts.items = c.items.map((i, k) => ({
    description: i.description,
    quantityId: table.ids[1]?.[k] ?? null,
    amountId: table.ids[3]?.[k] ?? null,
  }));
  y = table.bottom + fs * 0.6;

  // Totals.
  const totW = Math.min(cw * 0.45, fs * 16);
  const capX = W - mx - totW;
  const valX = W - mx - fs * 0.4;
  y += lh;
  b.text('Subtotal', capX, y, s.body, fs * 0.95, ink);
  f.subtotal = [b.text(c.subtotal, valX, y, s.numbers, fs * 0.95, { ...ink, align: 'right', label: 'subtotal' }).id as string];
  y += lh;
  b.text(`Tax (${c.taxRate}%)`, capX, y, s.body, fs * 0.95, ink);
  f.tax = [b.text(c.tax, valX, y, s.numbers, fs * 0.95, { ...ink, align: 'right', label: 'tax' }).id as string];
  b.rect(capX - fs * 0.4, y + fs * 0.55, W - mx - capX + fs * 0.4, lh * 1.15, { fill: tint(s.accent, 0.85) });
  y += lh * 1.1;
  b.text('TOTAL', capX, y, s.bold, fs * 1.05, ink);
  f.total = [b.text(c.total, valX, y, s.bold, fs * 1.05, { ...ink, align: 'right', label: 'total' }).id as string];
  const totalsMid = y - lh;

  // Footer: note on the left, signature on the right.
  const signY = H - my - fs * 1.4;
  b.text(c.note, mx, footerTop + fs * 2.2, s.body, fitSize(b, c.note, s.body, fs * 0.8, cw * 0.55), { color: s.muted });
  if (c.signed) {
    const sigW = Math.min(cw * 0.3, fs * 11);
    b.line(W - mx - sigW, signY, W - mx, signY, s.muted, Math.max(1, fs * 0.05));
    b.text('Authorized signature', W - mx - sigW, signY + fs * 1.1, s.body, fs * 0.7, { color: s.muted });
    drawSignature(b, s.decor, W - mx - sigW * 0.95, signY - fs * 0.3, sigW * 0.85, fs * 2.6);
  }
  if (c.stamp) {
    const at = s.stampAt;
    const cx = at === 'header' ? W * 0.5 : at === 'totals' ? mx + cw * 0.28 : mx + cw * 0.3;
    const cy = at === 'header' ? headerMid : at === 'totals' ? totalsMid : signY - fs * 1.2;
    drawStamp(b, s.decor, c.stamp, cx, cy, fs * 2.1);
  }

  return { facts, fits: room >= fs * 2 && y <= footerTop + fs };
};
