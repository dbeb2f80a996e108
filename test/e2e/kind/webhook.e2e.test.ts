import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs against the kind cluster that test/e2e/kind/run created and installed manifests/ into.
const networksKey = 'k8s.v1.cni.cncf.io/networks';
const resourceNameKey = 'k8s.v1.cni.cncf.io/resourceName';
const resourceName = 'intel.com/sriov_a';
const nadName = 'sriov-a';
const namespace = `wirespeed-e2e-${randomBytes(3).toString('hex')}`;

let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;

/** The apiserver's Status message for a failed call, or the error text when there is none. */
function apiErrorMessage(error: unknown): string {
  if (error instanceof k8s.ApiException) {
    const body: unknown = error.body;
    if (typeof body === 'string') {
      try {
        const status = JSON.parse(body) as { message?: unknown };
        if (typeof status.message === 'string') return status.message;
      } catch {
        return body;
      }
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function podRequesting(name: string, networks: string): k8s.V1Pod {
  return {
    metadata: { name, namespace, labels: { app: 'wirespeed-e2e' }, annotations: { [networksKey]: networks } },
    spec: {
      // The pod stays Pending (no node offers intel.com/sriov_a); only what admission stored is checked.
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
    },
  };
}

async function createAndReadBack(pod: k8s.V1Pod): Promise<k8s.V1Pod> {
  await core.createNamespacedPod({ namespace, body: pod });
  return core.readNamespacedPod({ name: pod.metadata?.name ?? '', namespace });
}

/**
 * The Deployment being ready does not mean the apiserver already routes to it (endpoints propagate, the
 * NAD cache sees the new NAD). A dry-run create goes through admission without storing anything, so
 * retry it until the webhook has injected the device.
 */
async function waitUntilWebhookInjects(deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let lastProblem = 'no attempt made';
  while (Date.now() < until) {
    try {
      const probe = await core.createNamespacedPod({
        namespace,
        body: podRequesting('webhook-probe', nadName),
        dryRun: 'All',
      });
      const requested = probe.spec?.containers[0]?.resources?.requests?.[resourceName];
      if (requested === '1') return;
      lastProblem = `dry-run pod came back without ${resourceName} (requests: ${JSON.stringify(
        probe.spec?.containers[0]?.resources?.requests ?? {},
      )})`;
    } catch (error) {
      lastProblem = apiErrorMessage(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  throw new Error(`the webhook did not inject into a dry-run pod: ${lastProblem}`);
}

beforeAll(async () => {
  if (!process.env.KUBECONFIG) {
    throw new Error('KUBECONFIG must point at the kind cluster; run these tests with `npm run e2e:kind`');
  }
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromDefault();
  core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);

  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await custom.createNamespacedCustomObject({
    group: 'k8s.cni.cncf.io',
    version: 'v1',
    namespace,
    plural: 'network-attachment-definitions',
    body: {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: nadName, namespace, annotations: { [resourceNameKey]: resourceName } },
      spec: {
        config: JSON.stringify({
          cniVersion: '1.0.0',
          name: nadName,
          type: 'sriov',
          ipam: { type: 'static' },
        }),
      },
    },
  });
  await waitUntilWebhookInjects(90_000);
});

afterAll(async () => {
  if (core) await core.deleteNamespace({ name: namespace, propagationPolicy: 'Background' }).catch(() => {});
});

describe('wirespeed webhook on kind', () => {
  it('stores a pod with the NAD resource requested and limited, and the podnetinfo volume', async () => {
    const stored = await createAndReadBack(podRequesting('one-attachment', nadName));

    const container = stored.spec?.containers[0];
    expect(container?.resources?.requests?.[resourceName]).toBe('1');
    expect(container?.resources?.limits?.[resourceName]).toBe('1');

    const volume = stored.spec?.volumes?.find((candidate) => candidate.name === 'podnetinfo');
    expect(volume?.downwardAPI?.items?.map((item) => item.path)).toEqual(
      expect.arrayContaining(['labels', 'annotations']),
    );
    expect(container?.volumeMounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'podnetinfo', mountPath: '/etc/podnetinfo', readOnly: true }),
      ]),
    );
    // The pod still names its network: the webhook adds devices, it never rewrites the selection.
    expect(stored.metadata?.annotations?.[networksKey]).toBe(nadName);
  });

  it('counts one device per attachment when a pod attaches to the same network twice', async () => {
    const stored = await createAndReadBack(podRequesting('two-attachments', `${nadName},${nadName}@net2`));

    const container = stored.spec?.containers[0];
    expect(container?.resources?.requests?.[resourceName]).toBe('2');
    expect(container?.resources?.limits?.[resourceName]).toBe('2');
  });

  it('denies a malformed networks annotation with a message naming the bad element', async () => {
    const badElement = `${namespace}/${nadName}/extra`;
    const creation = core.createNamespacedPod({
      namespace,
      body: podRequesting('malformed', `${nadName},${badElement}`),
    });

    const error: unknown = await creation.then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(k8s.ApiException);
    expect((error as k8s.ApiException<unknown>).code).toBeGreaterThanOrEqual(400);
    expect((error as k8s.ApiException<unknown>).code).toBeLessThan(500);
    const message = apiErrorMessage(error);
    expect(message).toContain('admission webhook "inject.wirespeed.io" denied the request');
    expect(message).toContain(badElement);

    const stored = await core.listNamespacedPod({ namespace, fieldSelector: 'metadata.name=malformed' });
    expect(stored.items).toHaveLength(0);
  });
});

describe('the scheduler and the agent on kind', () => {
  it('has every node reporting a NodeNetworkState (no SR-IOV on kind: no pools) with the kubelet policy', async () => {
    const nodes = (await core.listNode()).items.map((n) => n.metadata?.name ?? '');
    const deadline = Date.now() + 120_000;
    let missing = nodes;
    while (Date.now() < deadline) {
      const states = (await custom.listClusterCustomObject({
        group: 'wirespeed.io',
        version: 'v1alpha1',
        plural: 'nodenetworkstates',
      })) as { items: { metadata: { name: string }; status?: { kubelet?: unknown; pools?: unknown[] } }[] };
      const reported = new Set(states.items.filter((s) => s.status?.kubelet).map((s) => s.metadata.name));
      missing = nodes.filter((n) => !reported.has(n));
      if (missing.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    expect(missing).toEqual([]);
  });

  it('schedules a pod that asks for no device through wirespeed-scheduler and its extender', async () => {
    const name = 'via-wirespeed-scheduler';
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, namespace },
        spec: {
          schedulerName: 'wirespeed-scheduler',
          containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
        },
      },
    });
    const deadline = Date.now() + 120_000;
    let node: string | undefined;
    while (Date.now() < deadline && !node) {
      node = (await core.readNamespacedPod({ name, namespace })).spec?.nodeName;
      if (!node) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(node).toMatch(/^wirespeed-e2e-/);
  });
});
