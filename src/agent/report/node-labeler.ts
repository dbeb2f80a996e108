/**
 * Labels the node `feature.node.kubernetes.io/network-sriov.capable=true` while the host has an SR-IOV NIC and
 * removes the label when it has none, with a JSON merge patch that touches that one key. What was last applied
 * is remembered, so an unchanged answer costs no API call; `verify` reads the node again (someone may have
 * edited its labels by hand).
 */
import { sriovCapableLabelPatch } from '../../core/report/node-label.js';
import { NODES, objectPath } from '../../kube/paths.js';
import { fail, type JsonApi, type NodeRef } from './api.js';
import type { ReportMetrics } from './metrics.js';
import type { WriteResult } from './node-network-state-writer.js';

export class NodeLabeler {
  private applied: boolean | undefined;

  constructor(
    private readonly api: JsonApi,
    private readonly node: NodeRef,
    private readonly metrics?: Pick<ReportMetrics, 'writes'>,
  ) {}

  private get path(): string {
    return objectPath(NODES, undefined, this.node.name);
  }

  async set(capable: boolean, opts: { verify?: boolean } = {}): Promise<Exclude<WriteResult, 'created'>> {
    if (!opts.verify && this.applied === capable) return 'unchanged';
    const got = await this.api.json(this.path);
    if (got.status !== 200) throw this.error(fail(`reading Node ${this.node.name}`, got));
    const labels = (got.body as { metadata?: { labels?: Record<string, string> } }).metadata?.labels;
    const patch = sriovCapableLabelPatch(labels, capable);
    if (patch) {
      const patched = await this.api.json(this.path, {
        method: 'PATCH',
        body: patch,
        contentType: 'application/merge-patch+json',
      });
      if (patched.status !== 200) throw this.error(fail(`labelling Node ${this.node.name}`, patched));
    }
    this.applied = capable;
    const result = patch ? 'updated' : 'unchanged';
    this.metrics?.writes.inc({ object: 'Node', result });
    return result;
  }

  private error(err: Error): Error {
    this.metrics?.writes.inc({ object: 'Node', result: 'error' });
    return err;
  }
}
