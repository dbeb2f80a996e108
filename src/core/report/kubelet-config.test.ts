import { describe, expect, it } from 'vitest';
import { kubeletTopologyFromConfig, kubeletTopologyFromText } from './kubelet-config.js';

const SOURCE = '/var/lib/kubelet/config.yaml';

describe('kubeletTopologyFromText', () => {
  it.each([
    {
      name: 'YAML with both fields',
      text: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ntopologyManagerPolicy: single-numa-node\ntopologyManagerScope: pod\n',
      want: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
    },
    {
      name: 'JSON with the policy only: scope defaults to container',
      text: '{"kind":"KubeletConfiguration","topologyManagerPolicy":"restricted"}',
      want: { topologyManagerPolicy: 'restricted', topologyManagerScope: 'container' },
    },
    {
      name: 'neither field: the kubelet defaults none and container',
      text: 'kind: KubeletConfiguration\ncpuManagerPolicy: static\n',
      want: { topologyManagerPolicy: 'none', topologyManagerScope: 'container' },
    },
    {
      name: 'the /configz answer',
      text: '{"kubeletconfig":{"topologyManagerPolicy":"best-effort","topologyManagerScope":"pod"}}',
      want: { topologyManagerPolicy: 'best-effort', topologyManagerScope: 'pod' },
    },
  ])('$name', ({ text, want }) => {
    expect(kubeletTopologyFromText(text, SOURCE)).toEqual({ ok: true, value: want });
  });

  it.each([
    {
      name: 'an unknown policy',
      text: 'topologyManagerPolicy: single-numa\n',
      message: `kubelet configuration ${SOURCE}: topologyManagerPolicy "single-numa" is not one of none, best-effort, restricted, single-numa-node`,
    },
    {
      name: 'an unknown scope',
      text: 'topologyManagerScope: node\n',
      message: `kubelet configuration ${SOURCE}: topologyManagerScope "node" is not one of container, pod`,
    },
    {
      name: 'another kind of object',
      text: 'kind: KubeProxyConfiguration\n',
      message: `kubelet configuration ${SOURCE} is a KubeProxyConfiguration, not a KubeletConfiguration; pass the kubelet's --config file`,
    },
    {
      name: 'a list',
      text: '- a\n- b\n',
      message: `kubelet configuration ${SOURCE} is not an object; pass the kubelet's --config file`,
    },
  ])('refuses $name with a message naming the file', ({ text, message }) => {
    expect(kubeletTopologyFromText(text, SOURCE)).toEqual({
      ok: false,
      problem: { code: 'InvalidConfig', message },
    });
  });

  it('refuses text that is not YAML, quoting the parser', () => {
    const result = kubeletTopologyFromText('a: [1, 2\n', SOURCE);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem.message).toMatch(
      new RegExp(`^kubelet configuration ${SOURCE} is not YAML or JSON: .+`),
    );
  });

  it('takes an already parsed object', () => {
    expect(kubeletTopologyFromConfig({ topologyManagerPolicy: 'none' }, 'configz')).toEqual({
      ok: true,
      value: { topologyManagerPolicy: 'none', topologyManagerScope: 'container' },
    });
  });
});
