import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Result } from '../problem.js';
import {
  isDns1123Label,
  isDns1123Subdomain,
  isInterfaceName,
  type NetworkSelection,
  networkAnnotationForm,
  parseDefaultNetworkAnnotation,
  parseNetworkAnnotation,
  renderCommaForm,
} from './index.js';

const RUNS = 1000;

/** What every answer must look like, whatever the input: a well-formed Result, never an exception. */
function expectWellFormed(result: Result<NetworkSelection[]>, label = 'network annotation'): void {
  expect(typeof result.ok).toBe('boolean');
  if (!result.ok) {
    expect(result.problem.code).toBe('InvalidNetworkAnnotation');
    expect(result.problem.message.startsWith(`${label} `)).toBe(true);
    // Quotes are cut to ~100 characters, so a message stays readable whatever the annotation's size.
    expect(result.problem.message.length).toBeLessThan(800);
    return;
  }
  expect(Array.isArray(result.value)).toBe(true);
  const interfaces = new Set<string>();
  let defaultRoutes = 0;
  for (const selection of result.value) {
    expect(isDns1123Label(selection.namespace)).toBe(true);
    expect(isDns1123Subdomain(selection.name)).toBe(true);
    for (const [key, value] of Object.entries(selection)) {
      expect(value, `key ${key} is present but undefined`).not.toBeUndefined();
    }
    if (selection.interface !== undefined) {
      expect(isInterfaceName(selection.interface)).toBe(true);
      expect(interfaces.has(selection.interface)).toBe(false);
      interfaces.add(selection.interface);
    }
    if (selection.defaultRoute !== undefined) defaultRoutes++;
    if (selection.ipamClaimReference !== undefined) expect(selection.ips).toBeUndefined();
  }
  expect(defaultRoutes).toBeLessThanOrEqual(1);
}

/** Keys that are JavaScript built-in names: input that becomes a key must never reach Object.prototype. */
const BUILTIN_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

const label = fc.oneof(
  { weight: 9, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/) },
  // Valid DNS labels that are also built-in member names in lower case.
  { weight: 1, arbitrary: fc.constantFrom('constructor', 'tostring', 'hasownproperty', 'valueof') },
);

/** Characters an interface may hold that the comma form can also carry (no ',', '@', '"', '[', '{'). */
const interfaceName = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .string({
        unit: fc.constantFrom(...'abcxyzABZ0189_-.#%+=é~'.split('')),
        minLength: 1,
        maxLength: 15,
      })
      .filter(isInterfaceName),
  },
  { weight: 1, arbitrary: fc.constantFrom(...BUILTIN_KEYS) },
);

/** Grammar pieces, valid and not, so that random concatenations hit the parser's branches. */
const fragment = fc.oneof(
  label,
  interfaceName,
  fc.constantFrom(
    '/',
    '@',
    ',',
    ' ',
    '\t',
    '\u00a0',
    '[',
    ']',
    '{',
    '}',
    '"',
    ':',
    'null',
    '"name"',
    '"namespace"',
    '"interface"',
    '{"name":"net1"}',
    '[{"name":"net1","interface":"eth1"}]',
    'Net1',
    '.',
    '..',
    '-',
    'x'.repeat(16),
    '😀',
    '\ud800',
    '\u0000',
  ),
);
const grammarString = fc.array(fragment, { maxLength: 25 }).map((parts) => parts.join(''));

const spaces = fc.constantFrom('', '', ' ', '  ', '\t');

/** Comma-form items that mostly parse: optional namespace, name, optional interface, with Multus-tolerated blanks. */
const commaItem = fc
  .record({
    namespace: fc.option(fc.oneof(label, fc.constant('')), { nil: undefined }),
    name: fc.oneof({ weight: 9, arbitrary: label }, { weight: 1, arbitrary: fragment }),
    interface: fc.option(fc.oneof(interfaceName, fc.constant('')), { nil: undefined }),
    pads: fc.array(spaces, { minLength: 6, maxLength: 6 }),
  })
  .map(({ namespace, name, interface: ifname, pads }) => {
    const [a, b, c, d, e, f] = pads;
    const ns = namespace === undefined ? '' : `${a}${namespace}${b}/`;
    const at = ifname === undefined ? '' : `${d}@${e}${ifname}`;
    return `${ns}${c}${name}${at}${f}`;
  });
const commaString = fc.array(commaItem, { minLength: 1, maxLength: 6 }).map((items) => items.join(','));

const jsonValueForKey = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    '',
    'eth1',
    '10.1.1.1/24',
    ['10.1.1.1'],
    ['fd00::1', 'bad'],
    '02:00:00:00:00:01',
    '00:11:22:33:44:55:66:77',
    [{ hostPort: 80, containerPort: 8080, protocol: 'udp' }],
    [{ hostPort: 0 }],
    { ingressRate: 10, ingressBurst: 5 },
    { egressBurst: 5 },
  ),
);
const jsonElement = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        name: fc.oneof(
          { weight: 4, arbitrary: label },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
        ),
        namespace: fc.oneof(label, fc.constant(''), fc.jsonValue({ maxDepth: 1 })),
        interface: fc.oneof(interfaceName, fc.jsonValue({ maxDepth: 1 })),
        interfaceRequest: interfaceName,
        ips: jsonValueForKey,
        mac: jsonValueForKey,
        'infiniband-guid': jsonValueForKey,
        'default-route': jsonValueForKey,
        'cni-args': jsonValueForKey,
        portMappings: jsonValueForKey,
        bandwidth: jsonValueForKey,
        deviceID: jsonValueForKey,
        'ipam-claim-reference': jsonValueForKey,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
/** An element that also carries built-in names as its own keys (JSON.parse makes them own properties). */
const jsonElementWithBuiltins = fc
  .tuple(jsonElement, fc.subarray(BUILTIN_KEYS, { minLength: 1 }), fc.jsonValue({ maxDepth: 1 }))
  .map(([element, keys, value]) => {
    if (typeof element !== 'object' || element === null || Array.isArray(element)) return element;
    const copy = { ...element };
    for (const key of keys) Object.defineProperty(copy, key, { value, enumerable: true });
    return copy;
  });
const jsonString = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof({ weight: 3, arbitrary: jsonElement }, jsonElementWithBuiltins), { maxLength: 5 })
      .map((elements) => JSON.stringify(elements)),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
);

const validSelections = fc
  .array(
    fc.record(
      { namespace: label, name: label, interface: interfaceName },
      { requiredKeys: ['namespace', 'name'] },
    ),
    { maxLength: 8 },
  )
  .map((selections): NetworkSelection[] => {
    // Interfaces must be unique within one annotation; drop a repeat rather than discard the sample.
    // fc.record builds null-prototype objects; the parser returns plain ones.
    const seen = new Set<string>();
    return selections.map((s) => {
      if (s.interface === undefined || seen.has(s.interface)) return { namespace: s.namespace, name: s.name };
      seen.add(s.interface);
      return { namespace: s.namespace, name: s.name, interface: s.interface };
    });
  });

describe('parseNetworkAnnotation on any input', () => {
  it.each([
    ['ASCII strings', fc.string({ maxLength: 200 })],
    ['full Unicode strings, lone surrogates included', fc.string({ unit: 'binary', maxLength: 200 })],
    ['grapheme strings', fc.string({ unit: 'grapheme', maxLength: 100 })],
    ['grammar fragments', grammarString],
    ['comma-form items', commaString],
    ['JSON documents', jsonString],
  ])('never throws and answers a well-formed Result: %s', (_, strings) => {
    fc.assert(
      fc.property(strings, fc.oneof(label, fc.constant('')), (value, defaultNamespace) => {
        expectWellFormed(parseNetworkAnnotation(value, defaultNamespace));
        const single = parseDefaultNetworkAnnotation(value, defaultNamespace);
        expectWellFormed(
          single.ok ? { ok: true, value: [single.value] } : single,
          'default-network annotation',
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('fills the default namespace wherever none is written', () => {
    fc.assert(
      fc.property(commaString, label, (value, defaultNamespace) => {
        const result = parseNetworkAnnotation(value, defaultNamespace);
        if (!result.ok) return;
        const items = value.split(',');
        result.value.forEach((selection, i) => {
          const item = items[i] ?? '';
          const written = item.includes('/') ? (item.split('/')[0] ?? '').trim() : '';
          expect(selection.namespace).toBe(written === '' ? defaultNamespace : written);
        });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('comma form round trip', () => {
  it('parse(renderCommaForm(selections)) gives the selections back', () => {
    fc.assert(
      fc.property(validSelections, label, (selections, defaultNamespace) => {
        const rendered = renderCommaForm(selections);
        expect(networkAnnotationForm(rendered)).toBe('comma');
        expect(parseNetworkAnnotation(rendered, defaultNamespace)).toStrictEqual({
          ok: true,
          value: selections,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('parse, render, parse is stable for every string that parses in comma form', () => {
    let parsed = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.oneof(commaString, grammarString), label, (value, defaultNamespace) => {
        runs++;
        const first = parseNetworkAnnotation(value, defaultNamespace);
        if (!first.ok || networkAnnotationForm(value) !== 'comma') return;
        parsed++;
        const rendered = renderCommaForm(first.value);
        const second = parseNetworkAnnotation(rendered, defaultNamespace);
        expect(second).toStrictEqual(first);
        if (second.ok) expect(renderCommaForm(second.value)).toBe(rendered);
      }),
      { numRuns: 2 * RUNS },
    );
    // The property is only worth something if the generator reaches the success path often.
    expect(parsed).toBeGreaterThan(runs / 4);
  });
});
