/**
 * Keeps the node's NodeResourceTopology (topology.node.k8s.io/v1alpha2, cluster-scoped, named after the node,
 * owned by the Node) in step with the report. The type has no status subresource: the whole object is written,
 * only when `sameTopology` says its zones, policies or attributes changed. Conflicts re-read and retry, bounded.
 */
import { type NodeResourceTopology, NRT_API_VERSION } from '../../api/nrt-v1alpha2.js';
import type { NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { buildNodeResourceTopology, sameTopology } from '../../core/report/topology.js';
import { collectionPath, NODE_RESOURCE_TOPOLOGIES } from '../../kube/paths.js';
import {
  fail,
  type JsonApi,
  MAX_WRITE_ATTEMPTS,
  type NodeRef,
  nodeOwnerReference,
  ReportWriteError,
} from './api.js';
import type { WriteResult } from './node-network-state-writer.js';

const COLLECTION = collectionPath(NODE_RESOURCE_TOPOLOGIES);

export class NodeResourceTopologyWriter {
  private known: NodeResourceTopology | undefined;

  constructor(
    private readonly api: JsonApi,
    private readonly node: NodeRef,
    private readonly opts: { numaNodes?: readonly number[] } = {},
  ) {}

  private get path(): string {
    return `${COLLECTION}/${encodeURIComponent(this.node.name)}`;
  }

  /** Writes the topology of `status` unless the server already holds the same. */
  /** `numaNodes`: the host's NUMA nodes, each a zone even without a pool device (default: the constructor's). */
  async write(
    status: NodeNetworkStateStatus,
    opts: { verify?: boolean; numaNodes?: readonly number[] } = {},
  ): Promise<WriteResult> {
    if (opts.verify) this.known = undefined;
    const numaNodes = opts.numaNodes ?? this.opts.numaNodes;
    const desired = buildNodeResourceTopology(this.node.name, status, numaNodes ? { numaNodes } : {});
    if (this.known && sameTopology(this.known, desired)) return 'unchanged';
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const current = this.known ?? (await this.read());
      if (!current) {
        const created = await this.create(desired);
        if (created) return created;
        continue;
      }
      if (sameTopology(current, desired)) {
        this.known = current;
        return 'unchanged';
      }
      const body: NodeResourceTopology = {
        ...desired,
        // Ours plus the owner and version; server-managed fields (managedFields, uid) are not sent back.
        metadata: {
          ...desired.metadata,
          ...(current.metadata.ownerReferences ? { ownerReferences: current.metadata.ownerReferences } : {}),
          ...(current.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
        },
      };
      const response = await this.api.json(this.path, { method: 'PUT', body });
      if (response.status === 200) {
        this.known = response.body as NodeResourceTopology;
        return 'updated';
      }
      this.known = undefined;
      if (response.status === 404) this.node.forget();
      if (response.status !== 409 && response.status !== 404) {
        throw fail(`writing NodeResourceTopology ${this.node.name}`, response);
      }
    }
    throw new ReportWriteError(
      `writing NodeResourceTopology ${this.node.name}: still conflicting after ${MAX_WRITE_ATTEMPTS} attempts`,
    );
  }

  invalidate(): void {
    this.known = undefined;
  }

  private async read(): Promise<NodeResourceTopology | undefined> {
    const got = await this.api.json(this.path);
    if (got.status === 200) return got.body as NodeResourceTopology;
    if (got.status === 404) return undefined;
    throw fail(`reading NodeResourceTopology ${this.node.name}`, got);
  }

  /** Creates the object; undefined when it was created meanwhile (409), so the caller reads it. */
  private async create(desired: NodeResourceTopology): Promise<WriteResult | undefined> {
    const uid = await this.node.uid();
    const body: NodeResourceTopology = {
      ...desired,
      metadata: { ...desired.metadata, ownerReferences: [nodeOwnerReference(this.node.name, uid)] },
    };
    const response = await this.api.json(COLLECTION, { method: 'POST', body });
    if (response.status === 201 || response.status === 200) {
      this.known = response.body as NodeResourceTopology;
      return 'created';
    }
    if (response.status === 409) return undefined;
    if (response.status === 404) {
      throw new ReportWriteError(
        `creating NodeResourceTopology ${this.node.name}: the API server does not serve ${NRT_API_VERSION} noderesourcetopologies; install manifests/04-crd-noderesourcetopology.yaml or the topology-updater's CRD`,
      );
    }
    throw fail(`creating NodeResourceTopology ${this.node.name}`, response);
  }
}
