import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListStreamParser } from './list-stream.js';

function parseIn(chunks: string[], maxItemChars = 1e9) {
  const items: unknown[] = [];
  const parser = new ListStreamParser((item) => items.push(item), { maxItemChars });
  for (const chunk of chunks) parser.write(chunk);
  return { items, metadata: parser.end() };
}

/** Splits text at the given cut points (sorted, deduplicated). */
function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let at = 0;
  for (const p of points) {
    out.push(text.slice(at, p));
    at = p;
  }
  out.push(text.slice(at));
  return out;
}

describe('ListStreamParser', () => {
  it('hands over each item and the list metadata, skipping the rest', () => {
    const body = JSON.stringify({
      kind: 'ThingList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '42', continue: 'abc' },
      items: [{ metadata: { name: 'a', annotations: { x: '"}]{[\\' } } }, { metadata: { name: 'b' } }],
    });
    expect(parseIn([body])).toEqual({
      items: [{ metadata: { name: 'a', annotations: { x: '"}]{[\\' } } }, { metadata: { name: 'b' } }],
      metadata: { resourceVersion: '42', continue: 'abc' },
    });
  });

  it('gives the same answer however the body is cut into chunks', () => {
    const item = fc.record({
      metadata: fc.record({ name: fc.string(), annotations: fc.dictionary(fc.string(), fc.string()) }),
      spec: fc.jsonValue(),
    });
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 5 }),
        fc.string(),
        fc.array(fc.nat(), { maxLength: 12 }),
        (items, rv, cuts) => {
          const body = JSON.stringify({
            apiVersion: 'v1',
            items,
            kind: 'List',
            metadata: { resourceVersion: rv },
          });
          // Compared with the body as JSON reads it (JSON has no -0, for one).
          const whole = JSON.parse(body) as { items: unknown[] };
          expect(parseIn(split(body, cuts))).toEqual({
            items: whole.items,
            metadata: { resourceVersion: rv },
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses an item over the size limit and a body cut short', () => {
    const body = JSON.stringify({ items: [{ big: 'x'.repeat(1000) }] });
    expect(() => parseIn([body], 500)).toThrow('a list item is larger than 500 characters');
    expect(() => parseIn([body.slice(0, 20)])).toThrow('list body ended before its JSON did');
  });
});
