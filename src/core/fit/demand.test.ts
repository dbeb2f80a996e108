import { describe, expect, it } from 'vitest';
import { container, podOf } from '../../../test/support/fit.js';
import type { Container, Pod } from '../../api/core-v1.js';
import { podDemand } from './demand.js';

const A = 'intel.com/sriov_a';
const B = 'intel.com/sriov_b';
const managed = new Set([A, B]);
const sidecar = (name: string, r: Record<string, number>) => container(name, r, { restartPolicy: 'Always' });

interface Case {
  name: string;
  input: Pod;
  want: { pod: Record<string, number>; containers: [string, string, Record<string, number>][] };
}

const cases: Case[] = [
  {
    name: 'app containers add up; unmanaged resources are ignored',
    input: podOf('p', [container('a', { [A]: 2, cpu: 4 }), container('b', { [A]: 1, [B]: 1 })]),
    want: {
      pod: { [A]: 3, [B]: 1 },
      containers: [
        ['a', 'app', { [A]: 2 }],
        ['b', 'app', { [A]: 1, [B]: 1 }],
      ],
    },
  },
  {
    name: 'a plain init container larger than the apps sets the demand',
    input: podOf('p', [container('a', { [A]: 1 })], [container('i', { [A]: 4 })]),
    want: {
      pod: { [A]: 4 },
      containers: [
        ['i', 'init', { [A]: 4 }],
        ['a', 'app', { [A]: 1 }],
      ],
    },
  },
  {
    name: 'sidecars add to the apps',
    input: podOf('p', [container('a', { [A]: 1 })], [sidecar('s', { [A]: 2 })]),
    want: {
      pod: { [A]: 3 },
      containers: [
        ['s', 'sidecar', { [A]: 2 }],
        ['a', 'app', { [A]: 1 }],
      ],
    },
  },
  {
    name: 'a plain init container counts with the sidecars declared before it only',
    input: podOf(
      'p',
      [container('a', { [A]: 1 })],
      [sidecar('s1', { [A]: 1 }), container('i', { [A]: 3 }), sidecar('s2', { [A]: 1 })],
    ),
    want: {
      pod: { [A]: 4 },
      containers: [
        ['s1', 'sidecar', { [A]: 1 }],
        ['i', 'init', { [A]: 3 }],
        ['s2', 'sidecar', { [A]: 1 }],
        ['a', 'app', { [A]: 1 }],
      ],
    },
  },
  {
    name: 'limits stand in for absent requests; a zero request is no demand',
    input: podOf('p', [
      { name: 'a', resources: { limits: { [A]: '2' } } },
      { name: 'b', resources: { requests: { [A]: '0' }, limits: { [A]: '5' } } },
    ]),
    want: { pod: { [A]: 2 }, containers: [['a', 'app', { [A]: 2 }]] },
  },
  {
    name: 'no managed pool: empty demand',
    input: podOf('p', [container('a', { cpu: 1 })]),
    want: { pod: {}, containers: [] },
  },
];

describe('podDemand', () => {
  for (const { name, input, want } of cases) {
    it(name, () => {
      const got = podDemand(input, managed);
      if (!got.ok) throw new Error(got.problem.message);
      expect(Object.fromEntries(got.value.pod)).toEqual(want.pod);
      expect(got.value.containers.map((c) => [c.name, c.kind, Object.fromEntries(c.demand)])).toEqual(
        want.containers,
      );
    });
  }

  const bad = (c: Partial<Container>, inits: Container[] = []) =>
    podDemand(podOf('p', [{ name: 'app', ...c } as Container], inits, 'telco'), managed);

  it.each([
    [
      '500m',
      { requests: { [A]: '500m' } },
      'pod telco/p containers[0].resources.requests["intel.com/sriov_a"] is "500m": a device count must be a whole number',
    ],
    [
      '1.5',
      { limits: { [A]: '1.5' } },
      'pod telco/p containers[0].resources.limits["intel.com/sriov_a"] is "1.5": a device count must be a whole number',
    ],
    [
      'garbage',
      { requests: { [A]: 'two' } },
      'pod telco/p containers[0].resources.requests["intel.com/sriov_a"] is "two": a device count must be a whole number',
    ],
    [
      'huge',
      { requests: { [A]: '1E' } },
      'pod telco/p containers[0].resources.requests["intel.com/sriov_a"] is "1E": a device count must be a whole number',
    ],
  ])('rejects a non-integer or malformed quantity (%s)', (_, resources, message) => {
    expect(bad({ resources })).toEqual({ ok: false, problem: { code: 'InvalidQuantity', message } });
  });

  it('accepts a whole quantity with a suffix and ignores a malformed unmanaged one', () => {
    const got = bad({ resources: { requests: { [A]: '2k', cpu: '1.5x' } } });
    expect(got.ok && Object.fromEntries(got.value.pod)).toEqual({ [A]: 2000 });
  });

  it('names the init container that is wrong', () => {
    const got = bad({}, [{ name: 'i', resources: { requests: { [B]: '0.5' } } }]);
    expect(got.ok ? '' : got.problem.message).toBe(
      'pod telco/p initContainers[0].resources.requests["intel.com/sriov_b"] is "0.5": a device count must be a whole number',
    );
  });

  it('rejects a pod without containers', () => {
    expect(podDemand({ kind: 'Pod', metadata: { name: 'x' } }, managed)).toEqual({
      ok: false,
      problem: { code: 'InvalidRequest', message: 'pod x: the pod has no spec.containers' },
    });
  });
});
