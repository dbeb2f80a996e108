import { stringify } from 'yaml';
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { loadKubeEndpoint, statusMessage } from '../kube/endpoint.js';
import { collectionPath, NODE_NETWORK_STATES } from '../kube/paths.js';
import type { NodesOptions } from './command.js';
import { nodeViews, renderNodesTable } from './view.js';

export async function runNodes(
  opts: NodesOptions,
  write: (text: string) => void,
  now = new Date(),
): Promise<void> {
  const endpoint = loadKubeEndpoint(opts.kubeconfig);
  try {
    const response = await endpoint.json(collectionPath(NODE_NETWORK_STATES));
    if (response.status === 404) {
      throw new Error(
        'the NodeNetworkState CRD is not installed: apply manifests/ (kubectl apply -k manifests/) and run the agent',
      );
    }
    if (response.status !== 200) throw new Error(`cannot list NodeNetworkStates: ${statusMessage(response)}`);
    const views = nodeViews((response.body as { items?: NodeNetworkState[] }).items ?? [], now);
    if (opts.output === 'json') write(`${JSON.stringify({ nodes: views }, null, 2)}\n`);
    else if (opts.output === 'yaml') write(stringify({ nodes: views }));
    else if (views.length === 0) write('No NodeNetworkState reports yet: is the agent DaemonSet running?\n');
    else write(renderNodesTable(views));
  } finally {
    endpoint.close();
  }
}
