import { describe, expect, it } from 'vitest';
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { needsOf, parseNad } from './nad-needs.js';

const POOL = 'k8s.v1.cni.cncf.io/resourceName';
const nad: NetworkAttachmentDefinition = {
  metadata: {
    name: 'a',
    namespace: 'cnf',
    annotations: { [POOL]: 'intel.com/a', 'example.com/pool': 'x.io/b' },
  },
};

describe('parseNad and needsOf', () => {
  it('parses once with the pool keys given and reads that parse back under the same name and keys', () => {
    const parsed = parseNad(nad, 'cnf/a', [POOL]);
    expect(parsed.needs).toEqual({
      ok: true,
      value: { resources: ['intel.com/a'], hugepages: [], mounts: [], nodeSelector: new Map() },
    });
    expect(needsOf(parsed, 'cnf/a', [POOL])).toBe(parsed.needs);
  });

  it('parses again when asked with other pool keys or under another name', () => {
    const parsed = parseNad(nad, 'cnf/a', [POOL]);
    const other = needsOf(parsed, 'cnf/a', [POOL, 'example.com/pool']);
    expect(other.ok && other.value.resources).toEqual(['intel.com/a', 'x.io/b']);
    const renamed = needsOf(
      parseNad({ metadata: { name: 'a', annotations: { [POOL]: '' } } }, 'x/a', [POOL]),
      'cnf/a',
      [POOL],
    );
    expect(renamed).toEqual({
      ok: false,
      problem: {
        code: 'InvalidNetworkAttachment',
        message:
          'network-attachment-definition cnf/a annotation k8s.v1.cni.cncf.io/resourceName "" is empty; set it to a device pool such as intel.com/sriov_a',
      },
    });
  });
});
