import { describe, expect, it } from 'vitest';
import {
  CONFIG_MAPS,
  collectionPath,
  LEASES,
  NADS,
  NODE_NETWORK_STATES,
  NODES,
  objectPath,
  PODS,
} from './paths.js';

describe('API paths', () => {
  it('builds core-group and named-group collections, across namespaces or in one', () => {
    expect(collectionPath(PODS)).toBe('/api/v1/pods');
    expect(collectionPath(CONFIG_MAPS, 'kube-system')).toBe('/api/v1/namespaces/kube-system/configmaps');
    expect(collectionPath(NADS)).toBe('/apis/k8s.cni.cncf.io/v1/network-attachment-definitions');
    expect(collectionPath(LEASES, 'wirespeed')).toBe(
      '/apis/coordination.k8s.io/v1/namespaces/wirespeed/leases',
    );
  });

  it('builds objects and subresources, each name one encoded segment', () => {
    expect(objectPath(NODES, undefined, 'n1')).toBe('/api/v1/nodes/n1');
    expect(objectPath(PODS, 'cnf', 'p', 'binding')).toBe('/api/v1/namespaces/cnf/pods/p/binding');
    expect(objectPath(NODE_NETWORK_STATES, undefined, 'a/b')).toBe(
      '/apis/wirespeed.io/v1alpha1/nodenetworkstates/a%2Fb',
    );
    expect(objectPath(NADS, 'a b', 'x')).toBe(
      '/apis/k8s.cni.cncf.io/v1/namespaces/a%20b/network-attachment-definitions/x',
    );
  });
});
