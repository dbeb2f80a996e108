import { describe, expect, it } from 'vitest';
import { demoRefusal, renderOutcome } from './run.js';

describe('demo run', () => {
  it('refuses sizes out of bounds before anything starts, naming the flag and the range', () => {
    expect(demoRefusal({ nodes: 0, pods: 6 })).toBe('--nodes 0: give 1 to 12');
    expect(demoRefusal({ nodes: 3, pods: 41 })).toBe('--pods 41: give 1 to 40');
    expect(demoRefusal({ nodes: 1.5, pods: 6 })).toBe('--nodes 1.5: give 1 to 12');
  });

  it('prints the plain burst and the comparison only with --compare', () => {
    const base = { pods: [], nodes: [], compare: null };
    expect(renderOutcome(base)).not.toContain('both ways');
    const compared = renderOutcome({
      ...base,
      compare: { plain: { pods: 6, misaligned: 2 }, wirespeed: { pods: 6, misaligned: 0 } },
      plainBurst: [],
    });
    expect(compared).toContain('--compare: the same burst through kube-scheduler alone');
    expect(compared).toContain('kube-scheduler alone        6           2');
    expect(compared).toContain('kube-scheduler + wirespeed  6           0');
  });
});
