import {
  AdmissionregistrationV1Api,
  ApiException,
  type V1MutatingWebhookConfiguration,
} from '@kubernetes/client-node';
import type { ControlPlane } from './controlplane.js';

/**
 * Registers a MutatingWebhookConfiguration against a webhook served on this machine. Each webhook's
 * `clientConfig.service` (which would need cluster DNS) becomes `url: https://<host>:<port><service.path>`,
 * and `caBundle` is set to `caPem`. An existing configuration of the same name is replaced.
 */
export async function registerMutatingWebhook(
  cp: ControlPlane,
  config: V1MutatingWebhookConfiguration,
  target: { port: number; host?: string; caPem: string },
): Promise<void> {
  const host = target.host ?? '127.0.0.1';
  const caBundle = Buffer.from(target.caPem).toString('base64');
  const body: V1MutatingWebhookConfiguration = {
    ...config,
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    webhooks: (config.webhooks ?? []).map((webhook) => {
      const { service, url } = webhook.clientConfig;
      return {
        ...webhook,
        clientConfig: {
          url: service ? `https://${host}:${target.port}${service.path ?? '/'}` : url,
          caBundle,
        },
      };
    }),
  };
  const name = body.metadata?.name;
  if (!name) throw new Error('a MutatingWebhookConfiguration needs metadata.name');
  const admission = cp.kc.makeApiClient(AdmissionregistrationV1Api);
  try {
    await admission.createMutatingWebhookConfiguration({ body });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
    const current = await admission.readMutatingWebhookConfiguration({ name });
    body.metadata = { ...body.metadata, resourceVersion: current.metadata?.resourceVersion };
    await admission.replaceMutatingWebhookConfiguration({ name, body });
  }
}
