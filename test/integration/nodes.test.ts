import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureNodeNetworkStateCrd,
  reportStatus,
  writeNodeNetworkState,
} from '../../src/harness/local-extender.js';
import { loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { runNodes } from '../../src/nodes/run.js';
import { useControlPlane } from './support.js';

describe('wirespeed nodes against a real kube-apiserver', () => {
  const plane = useControlPlane({ scheduler: false });
  const reportTime = new Date('2026-12-01T10:00:00Z');
  const now = new Date('2026-12-01T10:01:30Z');
  const nodes = async (output: 'table' | 'json'): Promise<string> => {
    let text = '';
    await runNodes({ kubeconfig: plane.cp.kubeconfigPath, output }, (t) => (text += t), now);
    return text;
  };

  it('says the CRD is missing and how to install it', async () => {
    await expect(nodes('table')).rejects.toThrow(
      'the NodeNetworkState CRD is not installed: apply manifests/',
    );
  });

  describe('with reports', () => {
    beforeAll(async () => {
      const endpoint = loadKubeEndpoint(plane.cp.kubeconfigPath);
      try {
        await ensureNodeNetworkStateCrd(endpoint);
        await writeNodeNetworkState(
          endpoint,
          'worker-1',
          reportStatus(
            {
              'intel.com/sriov_a': [
                [6, 8],
                [7, 7],
              ],
            },
            { reportTime },
          ),
        );
        await writeNodeNetworkState(endpoint, 'worker-2', reportStatus({}, { reportTime }));
      } finally {
        endpoint.close();
      }
    });

    it('prints a table of free/allocatable per pool and NUMA node', async () => {
      expect(await nodes('table')).toBe(
        [
          'NODE      POOL               TYPE      NUMA0  NUMA1  TOTAL  SYNC  POLICY            REPORT AGE',
          'worker-1  intel.com/sriov_a  vfio-pci  6/8    7/7    13/15  -     single-numa-node  90s',
          'worker-2  -                  -         -      -      -      -     single-numa-node  90s',
          '',
        ].join('\n'),
      );
    });

    it('prints the same as JSON', async () => {
      const { nodes: views } = JSON.parse(await nodes('json')) as {
        nodes: { name: string; pools: unknown[] }[];
      };
      expect(views.map((v) => [v.name, v.pools.length])).toEqual([
        ['worker-1', 1],
        ['worker-2', 0],
      ]);
    });
  });
});
