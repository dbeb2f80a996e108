import { ApiException, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { issueCertificate, type PemPair } from '../certs/pki.js';
import { renderKubeconfig } from './kubeconfig.js';

/** Binds the built-in `system:node` role to every node identity; the dev cluster has no Node authorizer. */
export const NODE_ROLE_BINDING = 'wirespeed:real-nodes';

/**
 * A kubeconfig with the identity the kubelet has on a real cluster: `system:node:<name>` in `system:nodes`,
 * signed by the dev cluster's CA, so NodeRestriction admission applies to it as it would there.
 */
export function nodeKubeconfig(opts: { server: string; ca: PemPair; name: string }): string {
  const user = issueCertificate(opts.ca, {
    commonName: `system:node:${opts.name}`,
    organization: ['system:nodes'],
    usage: 'client',
  });
  return renderKubeconfig({ server: opts.server, caPem: opts.ca.certPem, user, name: `node-${opts.name}` });
}

/** Creates the binding unless it exists; several nodes (and test files) share it. */
export async function ensureNodeRoleBinding(kc: KubeConfig): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  try {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: NODE_ROLE_BINDING },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }],
      },
    });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
  }
}
