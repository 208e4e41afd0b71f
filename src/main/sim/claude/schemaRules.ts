/**
 * Structured outputs: what a JSON schema in `output_config.format` may contain (reference notes
 * 1.4), checked the way the API checks it, and the answer shaped to fit it.
 *
 * Supported: object, array, string, integer, number, boolean, null; enum (primitives); const;
 * anyOf; allOf (not with $ref); internal $ref/$defs/definitions; default; required;
 * additionalProperties: false (required on every object); a set of string formats; minItems 0 or
 * 1; simple patterns; descriptions. Refused with a 400: recursion, numeric bounds, length bounds,
 * other array constraints, additionalProperties other than false, and schemas over 24 optional
 * parameters or 16 union-typed parameters ("Schema is too complex for compilation.").
 */

export class SchemaError extends Error {}

type Schema = Record<string, unknown>;

const ALLOWED = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  'allOf',
  '$ref',
  '$defs',
  'definitions',
  'default',
  'description',
  'title',
  'format',
  'minItems',
  'pattern',
  '$schema',
  '$comment',
  'examples',
]);
const UNSUPPORTED = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'maxItems',
  'uniqueItems',
  'contains',
  'minContains',
  'maxContains',
  'prefixItems',
  'minProperties',
  'maxProperties',
  'patternProperties',
  'propertyNames',
  'dependentRequired',
  'dependentSchemas',
  'not',
  'oneOf',
  'if',
  'then',
  'else',
]);
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean', 'null']);

const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Budget {
  optional: number;
  unions: number;
}

export const MAX_OPTIONAL_PARAMETERS = 24;
export const MAX_UNION_PARAMETERS = 16;

/** Throws SchemaError naming the path of the first rule broken. */
export function checkOutputSchema(schema: unknown, path = 'output_config.format.schema'): void {
  if (!isObj(schema)) throw new SchemaError(`${path}: must be a JSON schema object`);
  if (schema.type !== 'object') throw new SchemaError(`${path}: the top-level schema must have "type": "object"`);
  const defs: Record<string, unknown> = { ...(isObj(schema.$defs) ? schema.$defs : {}), ...(isObj(schema.definitions) ? schema.definitions : {}) };
  const budget: Budget = { optional: 0, unions: 0 };
  walk(schema, path, schema, defs, budget, []);
  if (budget.optional > MAX_OPTIONAL_PARAMETERS || budget.unions > MAX_UNION_PARAMETERS) {
    throw new SchemaError(
      `Schema is too complex for compilation. (${budget.optional} optional parameters, at most ${MAX_OPTIONAL_PARAMETERS}; ${budget.unions} parameters with union types, at most ${MAX_UNION_PARAMETERS})`,
    );
  }
}

function resolveRef(ref: string, root: Schema, path: string): { target: unknown; key: string } {
  const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  if (!m) throw new SchemaError(`${path}.$ref: only internal references like "#/$defs/name" are supported, got "${ref}"`);
  const container = root[m[1]!];
  const target = isObj(container) ? container[m[2]!] : undefined;
  if (target === undefined) throw new SchemaError(`${path}.$ref: "${ref}" does not exist`);
  return { target, key: ref };
}

function walk(node: unknown, path: string, root: Schema, defs: Record<string, unknown>, budget: Budget, refStack: string[]): void {
  if (node === true || node === false) return;
  if (!isObj(node)) throw new SchemaError(`${path}: must be a schema object`);
  for (const key of Object.keys(node)) {
    if (UNSUPPORTED.has(key)) throw new SchemaError(`${path}: "${key}" is not supported in structured outputs`);
    if (!ALLOWED.has(key)) throw new SchemaError(`${path}: unknown schema keyword "${key}"`);
  }
  if (typeof node.$ref === 'string') {
    if (node.allOf !== undefined) throw new SchemaError(`${path}: "allOf" cannot be combined with "$ref"`);
    const { target, key } = resolveRef(node.$ref, root, path);
    if (refStack.includes(key)) throw new SchemaError(`${path}.$ref: recursive schemas are not supported ("${key}" refers to itself)`);
    walk(target, `${path}.$ref(${key})`, root, defs, budget, [...refStack, key]);
    return;
  }
  const type = node.type;
  if (Array.isArray(type)) {
    if (type.length === 0 || !type.every((t) => typeof t === 'string' && TYPES.has(t))) throw new SchemaError(`${path}.type: unknown type in ${JSON.stringify(type)}`);
    if (type.length > 1) budget.unions++;
  } else if (type !== undefined && (typeof type !== 'string' || !TYPES.has(type))) {
    throw new SchemaError(`${path}.type: unknown type ${JSON.stringify(type)}`);
  }
  if (node.enum !== undefined) {
    if (!Array.isArray(node.enum) || node.enum.length === 0) throw new SchemaError(`${path}.enum: must be a non-empty list`);
    node.enum.forEach((v, i) => {
      if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) throw new SchemaError(`${path}.enum[${i}]: only strings, numbers, booleans and null are supported`);
    });
  }
  if (node.format !== undefined && (typeof node.format !== 'string' || !FORMATS.has(node.format))) {
    throw new SchemaError(`${path}.format: "${String(node.format)}" is not a supported string format (${[...FORMATS].join(', ')})`);
  }
  if (node.minItems !== undefined && node.minItems !== 0 && node.minItems !== 1) throw new SchemaError(`${path}.minItems: only 0 and 1 are supported, got ${JSON.stringify(node.minItems)}`);
  if (node.pattern !== undefined) {
    if (typeof node.pattern !== 'string') throw new SchemaError(`${path}.pattern: must be a string`);
    if (/\(\?[<=!]|\\[1-9]/.test(node.pattern)) throw new SchemaError(`${path}.pattern: lookarounds and backreferences are not supported`);
  }
  for (const key of ['anyOf', 'allOf'] as const) {
    const list = node[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) throw new SchemaError(`${path}.${key}: must be a non-empty list of schemas`);
    if (key === 'anyOf') budget.unions++;
    list.forEach((s, i) => walk(s, `${path}.${key}[${i}]`, root, defs, budget, refStack));
  }
  const isObjectType = type === 'object' || (Array.isArray(type) && type.includes('object')) || node.properties !== undefined;
  if (isObjectType) {
    if (node.additionalProperties !== false) {
      throw new SchemaError(`${path}: for "object" types, "additionalProperties" must be explicitly set to false`);
    }
    const props = node.properties ?? {};
    if (!isObj(props)) throw new SchemaError(`${path}.properties: must be an object`);
    const required = node.required ?? [];
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) throw new SchemaError(`${path}.required: must be a list of property names`);
    for (const r of required as string[]) if (!(r in props)) throw new SchemaError(`${path}.required: "${r}" is not in properties`);
    for (const [name, sub] of Object.entries(props)) {
      if (!(required as string[]).includes(name)) budget.optional++;
      walk(sub, `${path}.properties.${name}`, root, defs, budget, refStack);
    }
  }
  if (node.items !== undefined) {
    if (Array.isArray(node.items)) throw new SchemaError(`${path}.items: tuple validation (a list of schemas) is not supported`);
    walk(node.items, `${path}.items`, root, defs, budget, refStack);
  }
  for (const key of ['$defs', 'definitions'] as const) {
    if (node[key] === undefined || node !== root) continue;
    if (!isObj(node[key])) throw new SchemaError(`${path}.${key}: must be an object`);
    for (const [name, sub] of Object.entries(node[key])) walk(sub, `${path}.${key}.${name}`, root, defs, budget, [`#/${key}/${name}`]);
  }
}

/**
 * Shape a value to the schema, as constrained decoding would: properties the schema has are kept
 * (required ones filled with a default when missing), others dropped; enums and types enforced.
 */
export function fitToSchema(value: unknown, schema: unknown, root: Schema = schema as Schema): unknown {
  if (!isObj(schema)) return value ?? null;
  if (typeof schema.$ref === 'string') return fitToSchema(value, resolveRef(schema.$ref, root, '').target, root);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.anyOf) && schema.anyOf.length) {
    const branch = schema.anyOf.find((b) => matchesLoosely(value, b, root)) ?? schema.anyOf[0];
    return fitToSchema(value, branch, root);
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => matchesType(value, t)) ?? schema.type[0]) : schema.type;
  if (Array.isArray(schema.enum)) return schema.enum.includes(value as never) ? value : schema.enum[0];
  switch (type) {
    case 'object': {
      const src = isObj(value) ? value : {};
      const props = isObj(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(props)) {
        if (name in src) out[name] = fitToSchema(src[name], sub, root);
        else if (required.includes(name)) out[name] = fitToSchema(undefined, sub, root);
      }
      return out;
    }
    case 'array':
      return Array.isArray(value) ? value.map((v) => fitToSchema(v, schema.items, root)) : [];
    case 'string':
      return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
    case 'integer':
      return typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : 0;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : 0;
    case 'boolean':
      return typeof value === 'boolean' ? value : false;
    case 'null':
      return null;
    default:
      return value ?? null;
  }
}

const matchesType = (v: unknown, t: unknown): boolean =>
  (t === 'object' && isObj(v)) ||
  (t === 'array' && Array.isArray(v)) ||
  (t === 'string' && typeof v === 'string') ||
  ((t === 'number' || t === 'integer') && typeof v === 'number') ||
  (t === 'boolean' && typeof v === 'boolean') ||
  (t === 'null' && v === null);

const matchesLoosely = (v: unknown, s: unknown, root: Schema): boolean => {
  if (!isObj(s)) return false;
  if (typeof s.$ref === 'string') return matchesLoosely(v, resolveRef(s.$ref, root, '').target, root);
  return Array.isArray(s.type) ? s.type.some((t) => matchesType(v, t)) : matchesType(v, s.type);
};

/** Whether a value satisfies the schema (the checks constrained decoding guarantees). */
export function conforms(value: unknown, schema: unknown, root: Schema = schema as Schema): boolean {
  if (!isObj(schema)) return true;
  if (typeof schema.$ref === 'string') return conforms(value, resolveRef(schema.$ref, root, '').target, root);
  if (schema.const !== undefined) return value === schema.const;
  if (Array.isArray(schema.anyOf)) return schema.anyOf.some((b) => conforms(value, b, root));
  if (Array.isArray(schema.allOf) && !schema.allOf.every((b) => conforms(value, b, root))) return false;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value as never)) return false;
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  if (types.length && !types.some((t) => (t === 'integer' ? Number.isInteger(value) : matchesType(value, t)))) return false;
  if (isObj(value) && isObj(schema.properties)) {
    const props = schema.properties;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in value)) return false;
    for (const [k, v] of Object.entries(value)) {
      if (!(k in props)) return false;
      if (!conforms(v, props[k], root)) return false;
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) return value.every((v) => conforms(v, schema.items, root));
  return true;
}
