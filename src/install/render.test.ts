import { describe, expect, it } from 'vitest';
import { kustomizationResources, type ManifestObject, renderInstall } from './render.js';

const namespace: ManifestObject = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'wirespeed-system' },
};
const deployment: ManifestObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'wirespeed-webhook', namespace: 'wirespeed-system' },
  spec: {
    template: {
      spec: {
        initContainers: [{ name: 'init', image: 'wirespeed:dev' }],
        containers: [
          { name: 'webhook', image: 'wirespeed:dev' },
          { name: 'other', image: 'busybox:1' },
        ],
      },
    },
  },
};
const webhook: ManifestObject = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: { name: 'wirespeed-webhook' },
  webhooks: [
    { name: 'a.wirespeed.io', clientConfig: { service: { name: 'wirespeed-webhook' } } },
    { name: 'b.wirespeed.io', clientConfig: { service: { name: 'wirespeed-webhook' }, caBundle: 'old' } },
  ],
};
const secret: ManifestObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'wirespeed-webhook-tls', namespace: 'wirespeed-system' },
};

describe('renderInstall', () => {
  it('keeps the order, adds the Secret after its Namespace, replaces the image and fills every caBundle', () => {
    const out = renderInstall({
      objects: [namespace, deployment, webhook],
      image: 'registry.example.com/wirespeed:0.1.0',
      tlsSecret: secret,
      caBundle: 'Q0E=',
    });
    expect(out.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Namespace/wirespeed-system',
      'Secret/wirespeed-webhook-tls',
      'Deployment/wirespeed-webhook',
      'MutatingWebhookConfiguration/wirespeed-webhook',
    ]);
    expect(out[2]).toEqual({
      ...deployment,
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'init', image: 'registry.example.com/wirespeed:0.1.0' }],
            containers: [
              { name: 'webhook', image: 'registry.example.com/wirespeed:0.1.0' },
              { name: 'other', image: 'busybox:1' },
            ],
          },
        },
      },
    });
    expect(
      (out[3]!.webhooks as { clientConfig: { caBundle: string } }[]).map((w) => w.clientConfig.caBundle),
    ).toEqual(['Q0E=', 'Q0E=']);
    expect(deployment.spec).toEqual({
      template: {
        spec: {
          initContainers: [{ name: 'init', image: 'wirespeed:dev' }],
          containers: [
            { name: 'webhook', image: 'wirespeed:dev' },
            { name: 'other', image: 'busybox:1' },
          ],
        },
      },
    });
  });

  it('puts the Secret first when the base has no Namespace for it', () => {
    const out = renderInstall({
      objects: [deployment],
      image: 'wirespeed:dev',
      tlsSecret: secret,
      caBundle: 'x',
    });
    expect(out.map((o) => o.kind)).toEqual(['Secret', 'Deployment']);
  });

  it('reads the resources of a Kustomization and refuses anything but sibling files', () => {
    expect(kustomizationResources({ resources: ['a.yaml', 'b.yaml'] }, 'K')).toEqual(['a.yaml', 'b.yaml']);
    for (const bad of [{}, { resources: 'a.yaml' }, { resources: ['../x.yaml'] }, { resources: [1] }, null]) {
      expect(() => kustomizationResources(bad, 'K')).toThrow(
        'K: resources must be a list of file names in the same folder',
      );
    }
  });
});
