import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { Container, Pod, Volume } from '../../api/core-v1.js';
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { defaultInjectionConfig, type UserDefinedInjection } from './config.js';
import { nadKey, planInjection } from './plan.js';

const { applyPatch, deepClone } = fastJsonPatch;

const resourceNames = ['intel.com/sriov_a', 'intel.com/sriov_b', 'example.com/vhost'];
/** Mostly valid values with a rare invalid one, so most cases get past validation and reach the plan. */
const mostly = <T>(valid: T[], invalid: T) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constant(invalid) },
  );

const arbNad = (name: string) =>
  fc
    .record(
      {
        'k8s.v1.cni.cncf.io/resourceName': mostly(resourceNames, 'bad name'),
        'wirespeed.io/hugepages': mostly(['1Gi=1Gi', '2Mi=64Mi', '1Gi=2Gi,2Mi=4Mi'], '3=4'),
        'wirespeed.io/mounts': mostly(
          ['/var/run/vhost-user', '/dev/vfio:ro', '/run/memif:/var/run/memif', '/var/lib/vhost_sockets/./a'],
          '/etc',
        ),
        'k8s.v1.cni.cncf.io/nodeSelector': mostly(
          ['nic=e810', 'fast', 'constructor=e810', 'toString', 'hasOwnProperty=x,constructor=e810'],
          'nic=cx6',
        ),
      },
      { requiredKeys: [] },
    )
    .map(
      (annotations): NetworkAttachmentDefinition => ({
        metadata: { name, namespace: 'default', annotations },
      }),
    );

const arbQuantity = fc.constantFrom('1', '2', '1Gi', '64Mi');
const arbContainer = (name: string) =>
  fc
    .record(
      {
        memory: fc.oneof(
          { weight: 6, arbitrary: fc.constant(true) },
          { weight: 1, arbitrary: fc.constant(false) },
        ),
        resources: fc.record(
          {
            requests: fc.dictionary(
              fc.constantFrom('memory', 'cpu', ...resourceNames.slice(0, 2), 'hugepages-1Gi'),
              arbQuantity,
            ),
            limits: fc.dictionary(
              fc.constantFrom('memory', ...resourceNames.slice(0, 2), 'hugepages-2Mi'),
              arbQuantity,
            ),
          },
          { requiredKeys: [] },
        ),
        volumeMounts: fc.array(
          fc.record({
            name: fc.constantFrom('hp', 'podnetinfo', 'x'),
            mountPath: mostly(['/dev/hugepages', '/data'], '/etc/podnetinfo'),
          }),
          { maxLength: 1 },
        ),
      },
      { requiredKeys: [] },
    )
    .map(({ memory, resources, ...rest }): Container => {
      const requests = { ...resources?.requests, ...(memory ? { memory: '1Gi' } : {}) };
      return { name, ...rest, resources: { ...resources, requests } };
    });

const arbPod: fc.Arbitrary<Pod> = fc
  .record({
    networks: fc
      .array(mostly(['a', 'b', 'c', 'a@net1', 'b@net2'], 'Bad'), { maxLength: 4 })
      .map((xs) => xs.join(',')),
    target: fc.option(mostly(['app', 'a=app', 'c=app', 'constructor', 'b=constructor'], 'nope'), {
      nil: undefined,
    }),
    containers: fc
      .constantFrom(['app'], ['app', 'side'], ['app', 'constructor'])
      .chain((names) => fc.tuple(...names.map(arbContainer))),
    volumes: fc.array(
      mostly<Volume>(
        [
          { name: 'hp', emptyDir: { medium: 'HugePages-1Gi' } },
          { name: 'x', emptyDir: {} },
        ],
        { name: 'hp', emptyDir: { medium: 'HugePages' } },
      ),
      { maxLength: 2 },
    ),
    nodeSelector: fc.option(
      fc.constantFrom<Record<string, string>>(
        { nic: 'e810' },
        { zone: 'z' },
        { constructor: 'e810' },
        { toString: 'x', hasOwnProperty: 'y' },
      ),
      { nil: undefined },
    ),
    labels: fc.option(
      fc.constantFrom<Record<string, string>>({ app: 'x' }, { constructor: 'true' }, { toString: 'TRUE' }),
      { nil: undefined },
    ),
    record: fc.option(
      fc.constantFrom(
        '{"app":{"intel.com/sriov_a":"1"}}',
        '{"__proto__":{"cpu":"1"}}',
        '{"constructor":{"memory":"1Gi"}}',
        '{"app":{"cpu":"1","memory":"1Gi"}}',
        'not a record',
      ),
      { nil: undefined },
    ),
  })
  .map(({ networks, target: wanted, containers, volumes, nodeSelector, labels, record }) => {
    // A mapping for a network the pod does not select is a deny; keep those rare by falling back to the container.
    const target =
      wanted?.includes('=') && !networks.split(',').some((n) => n.split('@')[0] === wanted.split('=')[0])
        ? 'app'
        : wanted;
    return {
      metadata: {
        name: 'p',
        namespace: 'default',
        annotations: {
          'k8s.v1.cni.cncf.io/networks': networks,
          ...(target ? { 'wirespeed.io/target-containers': target } : {}),
          ...(record ? { 'wirespeed.io/injected': record } : {}),
        },
        ...(labels ? { labels } : {}),
      },
      spec: {
        containers: containers as Container[],
        ...(volumes.length
          ? { volumes: volumes.filter((v, i) => volumes.findIndex((w) => w.name === v.name) === i) }
          : {}),
        ...(nodeSelector ? { nodeSelector } : {}),
      },
    };
  });

/** Label-selected injections whose label keys and annotation keys are JavaScript built-in names. */
const arbInjections = fc.subarray<UserDefinedInjection>([
  { labelKey: 'constructor', annotations: { 'example.com/by': 'constructor' } },
  { labelKey: 'toString', annotations: { constructor: 'x', hasOwnProperty: 'y' } },
  { labelKey: 'app', annotations: { 'k8s.v1.cni.cncf.io/networks': 'a' } },
]);

const arbWorld = fc.record({
  pod: arbPod,
  nads: fc.tuple(arbNad('a'), arbNad('b'), arbNad('c')),
  honorResources: fc.boolean(),
  injectHugepageDownApi: fc.boolean(),
  userDefinedInjections: arbInjections,
});

describe('planInjection properties', () => {
  it('never throws, and applying its plan then planning again changes nothing', () => {
    fc.assert(
      fc.property(arbWorld, ({ pod, nads, honorResources, injectHugepageDownApi, userDefinedInjections }) => {
        const index = new Map(nads.map((n) => [nadKey({ namespace: 'default', name: n.metadata.name }), n]));
        const config = defaultInjectionConfig({
          honorResources,
          injectHugepageDownApi,
          userDefinedInjections,
        });
        const first = planInjection(pod, index, config);
        if (!first.ok) {
          expect(first.problem.message.length).toBeGreaterThan(10);
          return;
        }
        const once = applyPatch(
          deepClone(pod),
          first.value.ops as fastJsonPatch.Operation[],
          true,
          false,
        ).newDocument;
        const second = planInjection(once, index, config);
        expect(second).toEqual({ ok: true, value: { ops: [], record: first.value.record } });
      }),
      { numRuns: 1500 },
    );
  });

  it('does not mutate its input', () => {
    fc.assert(
      fc.property(arbWorld, ({ pod, nads }) => {
        const before = JSON.stringify(pod);
        const index = new Map(nads.map((n) => [nadKey({ namespace: 'default', name: n.metadata.name }), n]));
        planInjection(pod, index, defaultInjectionConfig());
        expect(JSON.stringify(pod)).toBe(before);
      }),
      { numRuns: 300 },
    );
  });
});
