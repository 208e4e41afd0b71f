import { type Rng } from './random';

/** Word lists for plausible (fictional) business content. */

const COMPANY_FIRST = [
  'Acme', 'Northwind', 'Blue Harbor', 'Granite', 'Silverline', 'Redwood', 'Summit', 'Evergreen',
  'Brightpath', 'Ironclad', 'Maple & Finch', 'Oakridge', 'Lumen', 'Cobalt', 'Harborview', 'Pinecrest',
  'Sterling', 'Atlas', 'Crescent', 'Westfield', 'Keystone', 'Falcon', 'Meridian', 'Tidewater',
];
const COMPANY_SECOND = [
  'Supply', 'Logistics', 'Consulting', 'Office Solutions', 'Print Works', 'Industrial', 'Foods',
  'Electric', 'Design Studio', 'Hardware', 'Analytics', 'Cleaning Services', 'Builders', 'Media',
];
const COMPANY_SUFFIX = ['Inc.', 'LLC', 'Ltd.', 'Co.', 'GmbH', 'Corp.', 'Group', 'S.A.'];

const STORE_NAMES = [
  'CORNER MARKET', 'FRESH GROCER', 'CITY PHARMACY', 'THE BEAN CAFE', 'HOME & GARDEN', 'QUICK STOP',
  'BOOK NOOK', 'GREEN LEAF DELI', 'METRO HARDWARE', 'SUNRISE BAKERY', 'OFFICE DEPOT 214', 'FUEL & GO',
];

const FIRST_NAMES = [
  'Alice', 'Marco', 'Priya', 'James', 'Sofia', 'Chen', 'Fatima', 'Lucas', 'Emma', 'Kenji', 'Olga',
  'Daniel', 'Amara', 'Noah', 'Isabel', 'Tomas', 'Grace', 'Ahmed', 'Lena', 'Victor',
];
const LAST_NAMES = [
  'Johnson', 'Rossi', 'Patel', 'Smith', 'Garcia', 'Wang', 'Haddad', 'Muller', 'Brown', 'Tanaka',
  'Ivanova', 'Okafor', 'Silva', 'Novak', 'Fischer', 'Kim', 'Dubois', 'Larsen', 'Moreau', 'Evans',
];

const STREETS = [
  'Main St', 'Oak Avenue', 'Industrial Pkwy', 'Harbor Rd', 'Elm Street', 'Commerce Blvd',
  'Market Square', 'Riverside Dr', 'Station Road', 'Park Lane', 'Hillcrest Ave', 'Mill Road',
];
const CITIES = [
  ['Springfield', 'IL', '62704'], ['Portland', 'OR', '97205'], ['Austin', 'TX', '78701'],
  ['Madison', 'WI', '53703'], ['Albany', 'NY', '12207'], ['Denver', 'CO', '80202'],
  ['Raleigh', 'NC', '27601'], ['Boise', 'ID', '83702'], ['Tucson', 'AZ', '85701'],
  ['Columbus', 'OH', '43215'], ['Richmond', 'VA', '23219'], ['Dayton', 'OH', '45402'],
] as const;

const PRODUCTS = [
  'Consulting services', 'Printer paper A4 80gsm', 'Ergonomic office chair', 'Toner cartridge black',
  'Website maintenance', 'Cloud hosting (monthly)', 'Shipping & handling', 'Steel bolts M8 x 40',
  'LED panel light 60x60', 'Cleaning supplies', 'Annual software licence', 'Conference room rental',
  'Catering - lunch buffet', 'Copper cable 2.5mm', 'Safety gloves (pair)', 'Wooden pallet',
  'Graphic design hours', 'Laptop docking station', 'Network switch 24-port', 'Installation labour',
  'Whiteboard markers', 'Filing cabinet 3-drawer', 'Data backup service', 'Hydraulic hose 1/2"',
  'Training workshop', 'Courier delivery', 'Paint - white 10L', 'Desk lamp', 'USB-C cable 2m',
  'Project management', 'Legal review', 'Travel expenses', 'Warehouse storage', 'Label printer',
];
const RECEIPT_ITEMS = [
  'MILK 2L', 'BREAD WHOLEWHEAT', 'COFFEE LATTE', 'BANANAS 1KG', 'EGGS DOZEN', 'ORANGE JUICE',
  'PAPER TOWELS', 'CHEDDAR 200G', 'APPLES GALA', 'PASTA 500G', 'TOMATO SAUCE', 'RICE 1KG',
  'CROISSANT', 'BOTTLED WATER', 'BATTERIES AA', 'NOTEBOOK A5', 'SHAMPOO', 'TOOTHPASTE',
  'CHOCOLATE BAR', 'GREEN TEA', 'OLIVE OIL', 'SCREWS BOX', 'DISH SOAP', 'YOGURT 4PK',
];
const ITEM_VARIANTS = ['', '', '', ' - large', ' - blue', ' (x2 pack)', ' v2', ' - express', ' - premium'];

export const company = (r: Rng): string =>
  `${r.pick(COMPANY_FIRST)} ${r.pick(COMPANY_SECOND)}${r.chance(0.75) ? ` ${r.pick(COMPANY_SUFFIX)}` : ''}`;
export const store = (r: Rng): string => r.pick(STORE_NAMES);
export const person = (r: Rng): string => `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;

export function addressLines(r: Rng): [string, string] {
  const [city, state, zip] = r.pick(CITIES);
  const suite = r.chance(0.3) ? `, Suite ${r.int(100, 950)}` : '';
  return [`${r.int(1, 9800)} ${r.pick(STREETS)}${suite}`, `${city}, ${state} ${zip}`];
}

export const phone = (r: Rng): string => `(${r.int(201, 989)}) ${r.int(200, 999)}-${String(r.int(0, 9999)).padStart(4, '0')}`;

export function email(r: Rng, name: string): string {
  const local = name.toLowerCase().replace(/[^a-z]+/g, '.').replace(/^\.|\.$/g, '');
  return `${local}@${r.pick(['example.com', 'mail.example.org', 'corp.example.net'])}`;
}

/**
 * Descriptions for `n` rows, unique within the document (QA asks about items by description):
 * the word list is dealt out shuffled, and a numeric suffix disambiguates once it runs out.
 */
export function itemDescriptions(r: Rng, n: number, receipt: boolean): string[] {
  const base = receipt ? RECEIPT_ITEMS : PRODUCTS;
  const seen = new Set<string>();
  const out: string[] = [];
  let deck: string[] = [];
  for (let i = 0; i < n; i++) {
    if (deck.length === 0) deck = r.shuffle(base);
    let d = (deck.pop() as string) + (receipt ? '' : r.pick(ITEM_VARIANTS));
    if (seen.has(d)) d = `${d} #${i + 1}`;
    seen.add(d);
    out.push(d);
  }
  return out;
}
