import { describe, expect, it } from 'vitest';
import { compatible } from './ports';

describe('compatible', () => {
  it('accepts same type and any', () => {
    expect(compatible('text', 'text')).toBe(true);
    expect(compatible('any', 'messages')).toBe(true);
    expect(compatible('documents', 'any')).toBe(true);
  });
  it('follows the runtime table', () => {
    expect(compatible('number', 'text')).toBe(true);
    expect(compatible('messages', 'json')).toBe(true);
    expect(compatible('text', 'number')).toBe(false);
    expect(compatible('documents', 'text')).toBe(false);
    expect(compatible('json', 'messages')).toBe(false);
  });
});
