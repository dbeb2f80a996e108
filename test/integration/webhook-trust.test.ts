/**
 * The attacks of issue 7 against the real API server. The webhook decides at creation only, so the network
 * annotations must not change afterwards: the ValidatingAdmissionPolicy in manifests/ refuses that. The attack
 * it stops: a pod created without the annotation (held by a scheduling gate), annotated by UPDATE, then
 * released, would be bound to a node without its devices or its NAD's node selector. Then, with the webhook
 * registered: a tenant's NAD granting the node's root, and a pod naming a NAD 40,000 times.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { waitFor } from '../../src/devcluster/wait.js';
import { type LocalWebhook, startLocalWebhook } from '../../src/harness/local-webhook.js';
import { createNad, nadObject } from '../../src/harness/nads.js';
import { useControlPlane } from './support.js';

const NS = 'trust';
const POLICY_FILE = join(import.meta.dirname, '..', '..', 'manifests', '45-validatingadmissionpolicy.yaml');
const NETS = 'k8s.v1.cni.cncf.io/networks';
const plane = useControlPlane({ scheduler: false });
let core: CoreV1Api;

const gatedPod = (name: string, annotations?: Record<string, string>): V1Pod => ({
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: {
    schedulingGates: [{ name: 'example.com/hold' }],
    containers: [{ name: 'app', image: 'registry.example.com/app:1' }],
  },
});

/** Reads the pod, changes its annotations, and sends an UPDATE; the API server's message when refused. */
async function updateAnnotations(
  name: string,
  change: (a: Record<string, string>) => void,
): Promise<string | undefined> {
  const current = await core.readNamespacedPod({ name, namespace: NS });
  const annotations = { ...(current.metadata?.annotations ?? {}) };
  change(annotations);
  current.metadata = { ...current.metadata, annotations };
  try {
    await core.replaceNamespacedPod({ name, namespace: NS, body: current });
    return undefined;
  } catch (err) {
    if (err instanceof ApiException) return JSON.parse(String(err.body)).message as string;
    throw err;
  }
}

const binding = (name: string) => ({
  metadata: { name, annotations: { [NETS]: 'sriov-a' } },
  target: { kind: 'Node', name: 'node-1' },
});

const REFUSED = (keys: string) =>
  `pod annotation ${keys} cannot be added, changed or removed after the pod is created: wirespeed injects network devices, hugepages and node selectors only at creation; delete the pod and create it with the annotation it needs`;

beforeAll(async () => {
  core = plane.cp.kc.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(plane.cp.kc);
  for (const doc of parseAllDocuments(readFileSync(POLICY_FILE, 'utf8')))
    await objects.create(doc.toJS() as KubernetesObject);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  // The API server compiles a new policy in the background: wait until it refuses.
  await core.createNamespacedPod({ namespace: NS, body: gatedPod('probe') });
  await waitFor(
    'the ValidatingAdmissionPolicy to take effect',
    async () =>
      (await updateAnnotations('probe', (a) => {
        a[NETS] = `probe-${Date.now()}`;
      })) ?? undefined,
    { timeoutMs: 30_000 },
  );
});

describe('the ValidatingAdmissionPolicy on a real API server', () => {
  it('refuses adding the networks annotation to a gated pod created without it', async () => {
    await core.createNamespacedPod({ namespace: NS, body: gatedPod('late') });
    const message = await updateAnnotations('late', (a) => {
      a[NETS] = 'sriov-a';
    });
    expect(message).toBe(
      `pods "late" is forbidden: ValidatingAdmissionPolicy 'wirespeed-pod-networks-immutable' with binding 'wirespeed-pod-networks-immutable' denied request: ${REFUSED(NETS)}`,
    );
    const stored = await core.readNamespacedPod({ name: 'late', namespace: NS });
    expect(stored.metadata?.annotations?.[NETS]).toBeUndefined();
  });

  it('refuses changing or removing the networks, default-network, target and record annotations', async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: gatedPod('set', { [NETS]: 'sriov-a', 'wirespeed.io/injected': '{}' }),
    });
    const changed = await updateAnnotations('set', (a) => {
      a[NETS] = 'sriov-b';
    });
    expect(changed).toContain(REFUSED(NETS));
    const removed = await updateAnnotations('set', (a) => {
      delete a[NETS];
      delete a['wirespeed.io/injected'];
    });
    expect(removed).toContain(REFUSED(`${NETS}, wirespeed.io/injected`));
    const added = await updateAnnotations('set', (a) => {
      a['v1.multus-cni.io/default-network'] = 'sriov-a';
      a['wirespeed.io/target-containers'] = 'app';
    });
    expect(added).toContain(REFUSED('v1.multus-cni.io/default-network, wirespeed.io/target-containers'));
  });

  it('lets every other change through', async () => {
    await core.createNamespacedPod({ namespace: NS, body: gatedPod('other', { [NETS]: 'sriov-a' }) });
    expect(
      await updateAnnotations('other', (a) => {
        a['example.com/owner'] = 'team-a';
      }),
    ).toBeUndefined();
    const stored = await core.readNamespacedPod({ name: 'other', namespace: NS });
    expect(stored.metadata?.annotations).toEqual({ [NETS]: 'sriov-a', 'example.com/owner': 'team-a' });
  });

  it('refuses a Binding that would set the networks annotation, through either API', async () => {
    const bindings = {
      subresource: (name: string) =>
        core.createNamespacedPodBinding({ name, namespace: NS, body: binding(name) }),
      resource: (name: string) => core.createNamespacedBinding({ namespace: NS, body: binding(name) }),
    };
    for (const [how, bind] of Object.entries(bindings)) {
      const name = `bound-${how}`;
      await core.createNamespacedPod({
        namespace: NS,
        body: { metadata: { name }, spec: { containers: [{ name: 'app', image: 'x' }] } },
      });
      let message: string | undefined;
      try {
        await bind(name);
      } catch (err) {
        if (!(err instanceof ApiException)) throw err;
        message = JSON.parse(String(err.body)).message as string;
      }
      expect(message, how).toContain(
        `a binding cannot set pod annotation ${NETS}: wirespeed injects network devices, hugepages and node selectors only at creation; create the pod with the annotation it needs`,
      );
      const stored = await core.readNamespacedPod({ name, namespace: NS });
      expect(stored.spec?.nodeName).toBeUndefined();
    }
  });
});

/** The message the API server gives the client for a rejected create (a server-side dry run). */
async function dryRunError(namespace: string, annotations: Record<string, string>): Promise<string> {
  try {
    await core.createNamespacedPod({
      namespace,
      dryRun: 'All',
      body: {
        metadata: { name: 'victim', annotations },
        spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { memory: '1Gi' } } }] },
      },
    });
  } catch (err) {
    if (err instanceof ApiException) return JSON.parse(String(err.body)).message as string;
    throw err;
  }
  throw new Error('create succeeded; expected a denial');
}

describe('the webhook on a real API server, against hostile NADs and pods', () => {
  let webhook: LocalWebhook;
  beforeAll(async () => {
    webhook = await startLocalWebhook(plane.cp);
    await core.createNamespace({ body: { metadata: { name: 'tenant' } } });
    const evil = {
      'k8s.v1.cni.cncf.io/resourceName': 'example.com/vhost',
      'wirespeed.io/mounts': '/:/host,/var/run/docker.sock',
    };
    await createNad(plane.cp.kc, 'tenant', nadObject('evil', evil));
    await createNad(plane.cp.kc, NS, nadObject('evil', evil));
  });
  afterAll(async () => {
    await webhook?.stop();
  });

  it('refuses another team’s pod selecting a tenant NAD that grants / and the Docker socket, without its paths', async () => {
    const message = await dryRunError(NS, { [NETS]: 'tenant/evil' });
    expect(message).toBe(
      'admission webhook "inject.wirespeed.io" denied the request: network tenant/evil is not permitted for pods in namespace trust: it asks for host mounts or hugepages, which only networks in the pod\'s own namespace or in a namespace the administrator trusts (--trusted-nad-namespaces) may grant; ask the owners of namespace tenant or the cluster administrator',
    );
    expect(message).not.toContain('docker.sock');
  });

  it('refuses the same NAD in the pod’s own namespace, naming the path off the allow-list', async () => {
    expect(await dryRunError(NS, { [NETS]: 'evil' })).toContain(
      "network-attachment-definition trust/evil annotation wirespeed.io/mounts asks for host path /, which the webhook's allow-list does not permit",
    );
  });

  it('refuses a pod naming a NAD 40,000 times by the cap, before any lookup', async () => {
    const message = await dryRunError(NS, { [NETS]: Array(40_000).fill('evil').join(',') });
    expect(message).toContain(
      'network annotation selects more than 64 networks; a pod may select at most 64 (the cluster administrator sets the limit with the webhook flag --max-networks)',
    );
  });
});
