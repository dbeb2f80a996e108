/**
 * The kubelet's Topology Manager settings, read from its KubeletConfiguration (the `--config` file, YAML or
 * JSON, or the `/configz` answer `{"kubeletconfig": {...}}`). The report carries them because the extender and
 * the upstream NRT plugin decide differently per policy and scope.
 */
import { parse } from 'yaml';
import type {
  KubeletTopology,
  TopologyManagerPolicy,
  TopologyManagerScope,
} from '../../api/wirespeed-v1alpha1.js';
import { fail, ok, type Result } from '../problem.js';

const POLICIES: readonly TopologyManagerPolicy[] = ['none', 'best-effort', 'restricted', 'single-numa-node'];
const SCOPES: readonly TopologyManagerScope[] = ['container', 'pod'];

/** The kubelet's own defaults when the configuration leaves a field out. */
export const DEFAULT_KUBELET_TOPOLOGY: KubeletTopology = {
  topologyManagerPolicy: 'none',
  topologyManagerScope: 'container',
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Topology Manager policy and scope from a parsed KubeletConfiguration; `source` names it in messages. */
export function kubeletTopologyFromConfig(config: unknown, source: string): Result<KubeletTopology> {
  const body = isRecord(config) && isRecord(config.kubeletconfig) ? config.kubeletconfig : config;
  if (!isRecord(body)) {
    return fail(
      'InvalidConfig',
      `kubelet configuration ${source} is not an object; pass the kubelet's --config file`,
    );
  }
  if (body.kind !== undefined && body.kind !== 'KubeletConfiguration') {
    return fail(
      'InvalidConfig',
      `kubelet configuration ${source} is a ${String(body.kind)}, not a KubeletConfiguration; pass the kubelet's --config file`,
    );
  }
  const policy = body.topologyManagerPolicy ?? DEFAULT_KUBELET_TOPOLOGY.topologyManagerPolicy;
  if (!POLICIES.includes(policy as TopologyManagerPolicy)) {
    return fail(
      'InvalidConfig',
      `kubelet configuration ${source}: topologyManagerPolicy ${JSON.stringify(policy)} is not one of ${POLICIES.join(', ')}`,
    );
  }
  const scope = body.topologyManagerScope ?? DEFAULT_KUBELET_TOPOLOGY.topologyManagerScope;
  if (!SCOPES.includes(scope as TopologyManagerScope)) {
    return fail(
      'InvalidConfig',
      `kubelet configuration ${source}: topologyManagerScope ${JSON.stringify(scope)} is not one of ${SCOPES.join(', ')}`,
    );
  }
  return ok({
    topologyManagerPolicy: policy as TopologyManagerPolicy,
    topologyManagerScope: scope as TopologyManagerScope,
  });
}

/** The same from the file's text (YAML, of which JSON is a subset). */
export function kubeletTopologyFromText(text: string, source: string): Result<KubeletTopology> {
  let config: unknown;
  try {
    config = parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return fail('InvalidConfig', `kubelet configuration ${source} is not YAML or JSON: ${reason}`);
  }
  return kubeletTopologyFromConfig(config, source);
}
