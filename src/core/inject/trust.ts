/**
 * Who may grant what. A NAD in the pod's own namespace was written by someone the pod's namespace trusts; a
 * NAD in another namespace was not, so it may still give the pod devices and a node selector (as Multus
 * allows cross-namespace references) but host mounts and hugepages only when the administrator trusts its
 * namespace. Host paths always come from the administrator's allow-list. A pod author may not be able to read
 * NADs in other namespaces, so messages about those name the NAD and the pod's namespace, never the NAD's
 * pools, host paths or node labels.
 */
import { objectKey } from '../names.js';
import { type Problem, problem, type Result } from '../problem.js';
import type { HostMount } from './annotations.js';
import { MOUNTS_ANNOTATION } from './annotations.js';
import type { InjectionConfig } from './config.js';
import { describeRules, type HostPathType, ruleFor } from './host-paths.js';

export interface NadTrust {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  podNamespace: string;
  /** Messages may carry the NAD's details only when the pod's namespace holds the NAD. */
  sameNamespace: boolean;
  /** May grant host mounts and hugepages. */
  trusted: boolean;
}

export function trustOf(
  nad: { namespace: string; name: string },
  podNamespace: string,
  config: InjectionConfig,
): NadTrust {
  const sameNamespace = nad.namespace === podNamespace;
  return {
    key: objectKey(nad.namespace, nad.name),
    namespace: nad.namespace,
    podNamespace,
    sameNamespace,
    trusted: sameNamespace || config.trustedNadNamespaces.includes(nad.namespace),
  };
}

/** A deny about a NAD of another namespace: which NAD, for which namespace, and a reason without details. */
export function notPermitted(t: NadTrust, why: string): Problem {
  return problem(
    'NotPermitted',
    `network ${t.key} is not permitted for pods in namespace ${t.podNamespace}: ${why}; ask the owners of namespace ${t.namespace} or the cluster administrator`,
  );
}

/** A NAD's own problem (bad annotations), as the pod author may see it. */
export function redacted(t: NadTrust, p: Problem): Problem {
  if (t.sameNamespace) return p;
  return problem(
    p.code,
    `network-attachment-definition ${t.key} has invalid annotations; its owners in namespace ${t.namespace} must fix them`,
  );
}

export interface GrantedMount {
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  type: HostPathType;
  /** The NAD that asked, and whether messages may show its paths. */
  from: string;
  redact: boolean;
}

/** What a NAD's host needs become once trust and the allow-list have had their say. */
export function grantHostNeeds(
  t: NadTrust,
  needs: { mounts: readonly HostMount[]; hugepages: readonly unknown[] },
  config: InjectionConfig,
): Result<GrantedMount[]> {
  const denied = (p: Problem): Result<GrantedMount[]> => ({ ok: false, problem: p });
  if (!t.trusted && (needs.mounts.length > 0 || needs.hugepages.length > 0)) {
    return denied(
      notPermitted(
        t,
        "it asks for host mounts or hugepages, which only networks in the pod's own namespace or in a namespace the administrator trusts (--trusted-nad-namespaces) may grant",
      ),
    );
  }
  const granted: GrantedMount[] = [];
  const where = `network-attachment-definition ${t.key} annotation ${MOUNTS_ANNOTATION}`;
  for (const mount of needs.mounts) {
    const rule = ruleFor(config.allowedHostPaths, mount.hostPath);
    if (!rule) {
      return denied(
        t.sameNamespace
          ? problem(
              'NotPermitted',
              `${where} asks for host path ${mount.hostPath}, which the webhook's allow-list does not permit (allowed: ${describeRules(config.allowedHostPaths)}); use one of those or ask the cluster administrator to extend --allowed-host-paths`,
            )
          : notPermitted(t, "a host path it mounts is not on the webhook's allow-list"),
      );
    }
    if (mount.access === 'rw' && !rule.writable) {
      return denied(
        t.sameNamespace
          ? problem(
              'NotPermitted',
              `${where} asks for host path ${mount.hostPath} read-write, but the webhook's allow-list permits ${rule.path} read-only; drop ":rw" or ask the cluster administrator to allow writes (${rule.path}:rw)`,
            )
          : notPermitted(t, "it asks for a read-write host mount the webhook's allow-list permits read-only"),
      );
    }
    granted.push({
      hostPath: mount.hostPath,
      mountPath: mount.mountPath,
      readOnly: !rule.writable || mount.access === 'ro',
      type: rule.type,
      from: t.key,
      redact: !t.sameNamespace,
    });
  }
  return { ok: true, value: granted };
}
