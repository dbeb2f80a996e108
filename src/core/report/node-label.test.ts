import { describe, expect, it } from 'vitest';
import { SRIOV_CAPABLE_LABEL, sriovCapableLabelPatch } from './node-label.js';

interface Case {
  name: string;
  labels: Record<string, string>;
  capable: boolean;
  want: Record<string, string | null>;
}

describe('sriovCapableLabelPatch', () => {
  it.each<Case>([
    {
      name: 'capable, unlabelled: set it',
      labels: {},
      capable: true,
      want: { [SRIOV_CAPABLE_LABEL]: 'true' },
    },
    {
      name: 'capable, labelled false by hand: set it true',
      labels: { [SRIOV_CAPABLE_LABEL]: 'false' },
      capable: true,
      want: { [SRIOV_CAPABLE_LABEL]: 'true' },
    },
    {
      name: 'not capable, labelled: remove it',
      labels: { [SRIOV_CAPABLE_LABEL]: 'true', zone: 'a' },
      capable: false,
      want: { [SRIOV_CAPABLE_LABEL]: null },
    },
  ])('$name', ({ labels, capable, want }) => {
    expect(sriovCapableLabelPatch(labels, capable)).toEqual({ metadata: { labels: want } });
  });

  it('returns null when the labels already say so', () => {
    expect(sriovCapableLabelPatch({ [SRIOV_CAPABLE_LABEL]: 'true' }, true)).toBeNull();
    expect(sriovCapableLabelPatch({ zone: 'a' }, false)).toBeNull();
    expect(sriovCapableLabelPatch(undefined, false)).toBeNull();
  });
});
