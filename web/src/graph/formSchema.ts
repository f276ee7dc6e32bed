// Turns a kind's pydantic JSON Schema into what @rjsf renders well: refs inlined, `X | None` shown as X,
// and x-lcnc-widget marks (secret, template) mapped to widgets in a ui schema of the same shape.
type Json = Record<string, unknown>;

export interface FormSchema {
  schema: Json;
  uiSchema: Json;
}

const MAX_DEPTH = 16;

function isObj(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function resolve(node: Json, defs: Json): Json {
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
    const target = defs[ref.slice('#/$defs/'.length)];
    const rest = { ...node };
    delete rest.$ref;
    return isObj(target) ? { ...target, ...rest } : rest;
  }
  return node;
}

function convert(raw: Json, defs: Json, depth: number): FormSchema {
  if (depth > MAX_DEPTH) return { schema: {}, uiSchema: {} };
  let node = resolve(raw, defs);
  // `X | None` -> X; the field may be left empty
  const union = node.anyOf;
  if (Array.isArray(union)) {
    const real = union.filter((b) => !(isObj(b) && b.type === 'null'));
    if (real.length === 1 && isObj(real[0])) {
      const rest = { ...node };
      delete rest.anyOf;
      if (rest.default === null) delete rest.default;
      node = { ...resolve(real[0], defs), ...rest };
    }
  }
  const schema: Json = { ...node };
  const ui: Json = {};
  delete schema.$defs;
  const widget = node['x-lcnc-widget'];
  if (widget === 'secret') ui['ui:widget'] = 'secret';
  if (widget === 'template') {
    ui['ui:widget'] = 'textarea';
    ui['ui:options'] = { rows: 4 };
  }
  if (typeof node.maxLength === 'number' && node.maxLength >= 10_000 && !ui['ui:widget']) {
    ui['ui:widget'] = 'textarea';
  }
  if (isObj(node.properties)) {
    const props: Json = {};
    for (const [key, value] of Object.entries(node.properties)) {
      if (!isObj(value)) continue;
      const child = convert(value, defs, depth + 1);
      props[key] = child.schema;
      if (Object.keys(child.uiSchema).length) ui[key] = child.uiSchema;
    }
    schema.properties = props;
  }
  if (isObj(node.items)) {
    const child = convert(node.items, defs, depth + 1);
    schema.items = child.schema;
    if (Object.keys(child.uiSchema).length) ui.items = child.uiSchema;
  }
  if (Array.isArray(node.anyOf)) schema.anyOf = node.anyOf.map((b) => (isObj(b) ? convert(b, defs, depth + 1).schema : b));
  if (Array.isArray(node.oneOf)) schema.oneOf = node.oneOf.map((b) => (isObj(b) ? convert(b, defs, depth + 1).schema : b));
  if (isObj(node.additionalProperties)) {
    schema.additionalProperties = convert(node.additionalProperties, defs, depth + 1).schema;
  }
  return { schema, uiSchema: ui };
}

export function formSchema(schema: Json): FormSchema {
  const defs = isObj(schema.$defs) ? schema.$defs : {};
  const out = convert(schema, defs, 0);
  delete out.schema.title; // the inspector shows the kind's title itself
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The config to store from a form's data: fields the user never set and that only hold the
 * schema's default (filled in by the form for display) are left out, so a saved node stays small.
 */
export function pruneDefaults(
  formData: Record<string, unknown>,
  schema: Record<string, unknown>,
  original: Record<string, unknown>,
): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(formData)) {
    if (value === undefined) continue;
    if (!(key in original)) {
      const prop = props[key];
      if (prop && 'default' in prop && same(prop.default, value)) continue;
      if (Array.isArray(value) && value.length === 0 && prop && !('default' in prop)) continue;
    }
    out[key] = value;
  }
  return out;
}

export function sameConfig(a: unknown, b: unknown): boolean {
  return same(a, b);
}
