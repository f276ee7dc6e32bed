import { describe, expect, it } from 'vitest';
import { formSchema } from './formSchema';

describe('formSchema', () => {
  it('inlines refs, unwraps optional fields and maps widgets', () => {
    const { schema, uiSchema } = formSchema({
      $defs: { Route: { type: 'object', properties: { name: { type: 'string' } } } },
      properties: {
        key: { anyOf: [{ type: 'string', 'x-lcnc-widget': 'secret' }, { type: 'null' }], default: null },
        prompt: { type: 'string', 'x-lcnc-widget': 'template' },
        routes: { type: 'array', items: { $ref: '#/$defs/Route' } },
      },
      title: 'Config',
      type: 'object',
    });
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(props.key.type).toBe('string');
    expect('default' in props.key).toBe(false);
    expect((props.routes.items as Record<string, unknown>).type).toBe('object');
    expect(uiSchema).toEqual({
      key: { 'ui:widget': 'secret' },
      prompt: { 'ui:widget': 'textarea', 'ui:options': { rows: 4 } },
    });
  });
});
