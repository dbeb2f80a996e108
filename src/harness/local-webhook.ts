import { readFileSync } from 'node:fs';
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  type V1CustomResourceDefinition,
  type V1MutatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { createCA, issueCertificate, type PemPair } from '../certs/pki.js';
import { defaultInjectionConfig, type InjectionConfig } from '../core/inject/config.js';
import type { ControlPlane } from '../devcluster/controlplane.js';
import { ProjectedSecretDir } from '../devcluster/projected-secret.js';
import { waitFor } from '../devcluster/wait.js';
import { registerMutatingWebhook } from '../devcluster/webhooks.js';
import { loadKubeEndpoint } from '../kube/endpoint.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { startWebhook, type Webhook } from '../webhook/main.js';
import { createWebhookMetrics, type WebhookMetrics } from '../webhook/metrics.js';
import { InformerNadSource } from '../webhook/nad-source.js';

const MANIFESTS = new URL('../../manifests/', import.meta.url);
export const NAD_CRD_MANIFEST = new URL('01-crd-network-attachment-definition.yaml', MANIFESTS);
export const WEBHOOK_MANIFEST = new URL('40-mutatingwebhookconfiguration.yaml', MANIFESTS);

/** The webhook served from this process and registered with a local control plane, as the cluster would run it. */
export interface LocalWebhook {
  server: Webhook;
  metrics: WebhookMetrics;
  ca: PemPair;
  secret: ProjectedSecretDir;
  /** Issues a fresh serving certificate and swaps it in as a Secret update would; returns the new pair. */
  rotate(): PemPair;
  /** Admission requests the webhook has answered so far. */
  requests(): Promise<number>;
  stop(): Promise<void>;
}

/** Creates the NetworkAttachmentDefinition CRD (as clusters without Multus need) and waits until it is served. */
export async function ensureNadCrd(cp: ControlPlane): Promise<void> {
  const crd = parse(readFileSync(NAD_CRD_MANIFEST, 'utf8')) as V1CustomResourceDefinition;
  try {
    await KubernetesObjectApi.makeApiClient(cp.kc).create(crd);
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
  }
  const api = cp.kc.makeApiClient(ApiextensionsV1Api);
  await waitFor(
    'NetworkAttachmentDefinition CRD to be established',
    async () => {
      const current = await api.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

export async function startLocalWebhook(
  cp: ControlPlane,
  opts: { config?: () => InjectionConfig; log?: Logger } = {},
): Promise<LocalWebhook> {
  const log = opts.log ?? silentLogger;
  await ensureNadCrd(cp);
  const ca = createCA({ commonName: 'wirespeed local webhook CA' });
  const issue = () =>
    issueCertificate(ca, {
      commonName: 'wirespeed-webhook',
      ipAddresses: ['127.0.0.1'],
      dnsNames: ['localhost'],
      usage: 'server',
    });
  const secret = new ProjectedSecretDir(issue());
  const metrics = createWebhookMetrics({ processMetrics: false });
  const nads = new InformerNadSource(loadKubeEndpoint(cp.kubeconfigPath), log, metrics, {
    negativeTtlMs: 1000,
  });
  const fallback = defaultInjectionConfig();
  const server = await startWebhook(
    {
      port: 0,
      bindAddress: '127.0.0.1',
      healthPort: 0,
      tls: secret.files,
      clientCaFiles: [],
      certPollIntervalMs: 1000,
      shutdownTimeoutMs: 2000,
    },
    { nads, config: opts.config ?? (() => fallback), log, metrics },
  );
  await waitFor(
    'the webhook to be ready',
    async () => (server.notReadyReason() === undefined ? true : undefined),
    {
      timeoutMs: 30_000,
      intervalMs: 50,
      detail: () => server.notReadyReason() ?? '',
    },
  );
  const requests = async () => (await metrics.requests.get()).values.reduce((sum, v) => sum + v.value, 0);

  const config = parse(readFileSync(WEBHOOK_MANIFEST, 'utf8')) as V1MutatingWebhookConfiguration;
  await registerMutatingWebhook(cp, config, { port: server.port, caPem: ca.certPem });
  // The API server picks the configuration up through its own watch; probe until our webhook answers.
  const core = cp.kc.makeApiClient(CoreV1Api);
  await waitFor(
    'the API server to call the webhook',
    async () => {
      const before = await requests();
      await core.createNamespacedPod({
        namespace: 'default',
        dryRun: 'All',
        body: {
          metadata: { generateName: 'webhook-probe-', annotations: { 'k8s.v1.cni.cncf.io/networks': '' } },
          spec: { containers: [{ name: 'probe', image: 'probe' }] },
        },
      });
      return (await requests()) > before ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  log.info({ port: server.port }, 'webhook registered with the API server');
  return {
    server,
    metrics,
    ca,
    secret,
    rotate: () => {
      const pair = issue();
      secret.write(pair);
      return pair;
    },
    requests,
    stop: async () => {
      await server.stop();
      secret.remove();
    },
  };
}
