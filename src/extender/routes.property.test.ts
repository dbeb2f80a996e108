import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../telemetry/logger.js';
import { createExtenderMetrics } from './metrics.js';
import { answer, type ExtenderVerbs } from './routes.js';

const deps = { log: silentLogger, metrics: createExtenderMetrics({ processMetrics: false }) };
const verbs: ExtenderVerbs = {
  filter: ({ nodeNames }) => ({ fits: nodeNames.slice(0, 1), failed: {}, unresolvable: {} }),
  prioritize: ({ nodeNames }) => nodeNames.map((node) => ({ node, score: 5 })),
  bind: async () => undefined,
};

/** Bodies near the real shape, with any piece replaced by any JSON value, in any key casing. */
const casing = (key: string) => fc.constantFrom(key, key.toLowerCase(), key.toUpperCase());
const nearArgs = fc
  .record({
    pod: fc.oneof(fc.jsonValue(), fc.record({ metadata: fc.jsonValue(), spec: fc.jsonValue() })),
    names: fc.oneof(fc.jsonValue(), fc.array(fc.string())),
    nodes: fc.oneof(fc.jsonValue(), fc.record({ items: fc.array(fc.record({ metadata: fc.jsonValue() })) })),
    podKey: casing('Pod'),
    namesKey: casing('NodeNames'),
    nodesKey: casing('Nodes'),
  })
  .map((b) => JSON.stringify({ [b.podKey]: b.pod, [b.namesKey]: b.names, [b.nodesKey]: b.nodes }));
const body = fc.oneof(fc.string(), fc.json(), nearArgs);

describe('answer, for any body', () => {
  it('filter and prioritize answer 200 or 400 and never throw', () => {
    fc.assert(
      fc.property(body, fc.constantFrom('filter' as const, 'prioritize' as const), (raw, verb) => {
        const reply = answer(verb, raw, verbs, deps) as { status: number; body: unknown };
        expect([200, 400]).toContain(reply.status);
        if (reply.status === 200 && verb === 'filter') {
          expect(Array.isArray((reply.body as { NodeNames: unknown }).NodeNames)).toBe(true);
        }
        if (reply.status === 200 && verb === 'prioritize') expect(Array.isArray(reply.body)).toBe(true);
        // Every reply is JSON the scheduler can decode.
        expect(() => JSON.stringify(reply.body)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('bind answers 200 or 400 and never rejects', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const reply = await answer('bind', raw, verbs, deps);
        expect([200, 400]).toContain(reply.status);
      }),
      { numRuns: 500 },
    );
  });
});
