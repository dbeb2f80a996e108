import { KubeConfig } from '@kubernetes/client-node';

/**
 * The one Kubernetes client factory: an explicit kubeconfig file, else $KUBECONFIG or ~/.kube/config, else
 * the in-cluster service account.
 */
export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new Error(
      'no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run inside a cluster',
    );
  }
  return kc;
}
