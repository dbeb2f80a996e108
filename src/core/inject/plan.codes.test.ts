/** Pod faults have codes of their own, so the denials metric tells them from a misrouted webhook. */
import { describe, expect, it } from 'vitest';
import { nadIndex, vhostNad } from '../../../test/support/builders.js';
import type { Pod, PodSpec } from '../../api/core-v1.js';
import { defaultInjectionConfig } from './config.js';
import { hostVolumeName, planInjection } from './plan.js';

const nads = nadIndex(vhostNad());

const pod = (annotations: Record<string, string>, spec: Partial<PodSpec> = {}): Pod => ({
  metadata: {
    name: 'p',
    namespace: 'default',
    annotations: { 'k8s.v1.cni.cncf.io/networks': 'vhost', ...annotations },
  },
  spec: { containers: [{ name: 'app' }], ...spec },
});

const denial = (p: Pod) => {
  const decision = planInjection(p, nads, defaultInjectionConfig());
  if (decision.ok) throw new Error(`expected a deny, got ${JSON.stringify(decision.value.ops)}`);
  return decision.problem;
};

describe('planInjection: codes of pod faults', () => {
  it('InvalidPod for a pod with no containers', () => {
    expect(denial(pod({}, { containers: [] }))).toEqual({
      code: 'InvalidPod',
      message: 'pod has no containers',
    });
  });

  it('InvalidPodAnnotation for target-containers that do not parse', () => {
    expect(denial(pod({ 'wirespeed.io/target-containers': 'a=b=c' }))).toEqual({
      code: 'InvalidPodAnnotation',
      message:
        'pod annotation wirespeed.io/target-containers "a=b=c": entry "a=b=c" must be <container> or <network>=<container>',
    });
  });

  it('ConflictingVolume for a volume name or a mount path the pod already uses', () => {
    const name = hostVolumeName('/var/run/vhost-user');
    expect(denial(pod({}, { volumes: [{ name, emptyDir: {} }] }))).toEqual({
      code: 'ConflictingVolume',
      message: `pod already has a volume named ${name}, which host path /var/run/vhost-user needs; rename it`,
    });
    const mounted = pod(
      {},
      { containers: [{ name: 'app', volumeMounts: [{ name: 'x', mountPath: '/var/run/vhost-user' }] }] },
    );
    expect(denial(mounted)).toEqual({
      code: 'ConflictingVolume',
      message:
        'container app already mounts volume x at /var/run/vhost-user, where host path /var/run/vhost-user goes; free the path',
    });
  });

  it('InvalidQuantity for a container quantity that is not whole', () => {
    const fractional = pod(
      {},
      { containers: [{ name: 'app', resources: { limits: { 'example.com/vhost': '0.5' } } }] },
    );
    expect(denial(fractional)).toEqual({
      code: 'InvalidQuantity',
      message: 'container app requests example.com/vhost "0.5" is not a whole quantity',
    });
  });
});
