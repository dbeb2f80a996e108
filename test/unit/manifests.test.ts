import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1Container,
  V1CustomResourceDefinition,
  V1Deployment,
  V1MutatingWebhook,
  V1MutatingWebhookConfiguration,
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V1PolicyRule,
  V1PriorityClass,
  V1Role,
  V1RoleBinding,
  V1Service,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  DEFAULT_NETWORK_ANNOTATION,
  NETWORKS_ANNOTATION,
  parseNetworkAnnotation,
} from '../../src/core/networks/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifestsDir = join(root, 'manifests');
const examplesDir = join(manifestsDir, 'examples');
const NAMESPACE = 'wirespeed-system';
/** The agent runs in a namespace of its own (50-agent-namespace.yaml); everything else in wirespeed-system. */
const AGENT_NAMESPACE = 'wirespeed-agent';
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'PriorityClass',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);
const READ_VERBS = new Set(['get', 'list', 'watch']);
const CA_BUNDLE_PLACEHOLDER = '# caBundle: <wirespeed certs --print ca-bundle>';

interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; annotations?: Record<string, string> };
}

interface Loaded {
  file: string;
  object: KubeObject;
}

/** `kubectl apply -f <dir>` reads these files, in this (lexical) order, and no subfolder. */
function yamlFilesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ya?ml|json)$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

function load(dir: string): Loaded[] {
  const loaded: Loaded[] = [];
  for (const file of yamlFilesIn(dir)) {
    for (const document of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      expect(document.errors, `${file}: YAML errors`).toEqual([]);
      const object: unknown = document.toJS();
      if (object === null || object === undefined) continue;
      loaded.push({ file, object: object as KubeObject });
    }
  }
  return loaded;
}

const manifests = load(manifestsDir);
const examples = load(examplesDir);

function only<T>(kind: string, name?: string): T {
  const found = manifests.filter(
    ({ object }) => object.kind === kind && (name === undefined || object.metadata?.name === name),
  );
  expect(
    found.map(({ object }) => object.metadata?.name),
    `exactly one ${kind}`,
  ).toHaveLength(1);
  return found[0]!.object as T;
}

const deployment = only<V1Deployment>('Deployment', 'wirespeed-webhook');
const podSpec = deployment.spec!.template.spec!;
const container: V1Container = podSpec.containers[0]!;
const args = container.args ?? [];
const webhookConfiguration = only<V1MutatingWebhookConfiguration>(
  'MutatingWebhookConfiguration',
  'wirespeed-webhook',
);
const webhook: V1MutatingWebhook = webhookConfiguration.webhooks![0]!;
const service = only<V1Service>('Service', 'wirespeed-webhook');

/** The value of a `--name=value` argument. */
function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

function containerPortNumber(port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

describe('manifests/: every object', () => {
  it('parses, and has apiVersion, kind and metadata.name', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const { file, object } of [...manifests, ...examples]) {
      expect(typeof object.apiVersion, `${file}: apiVersion`).toBe('string');
      expect(typeof object.kind, `${file}: kind`).toBe('string');
      expect(typeof object.metadata?.name, `${file}: metadata.name`).toBe('string');
    }
  });

  it('is the expected set: one concern per file, nothing missing, nothing extra', () => {
    const present = manifests.map(({ object }) => `${object.kind}/${object.metadata?.name}`).sort();
    expect(present).toEqual(
      [
        'Namespace/wirespeed-system',
        'CustomResourceDefinition/network-attachment-definitions.k8s.cni.cncf.io',
        'ServiceAccount/wirespeed-webhook',
        'ClusterRole/wirespeed-webhook',
        'ClusterRoleBinding/wirespeed-webhook',
        'Role/wirespeed-webhook',
        'RoleBinding/wirespeed-webhook',
        'ConfigMap/nri-control-switches',
        'Deployment/wirespeed-webhook',
        'Service/wirespeed-webhook',
        'PodDisruptionBudget/wirespeed-webhook',
        'MutatingWebhookConfiguration/wirespeed-webhook',
        'ValidatingAdmissionPolicy/wirespeed-pod-networks-immutable',
        'ValidatingAdmissionPolicyBinding/wirespeed-pod-networks-immutable',
        'PriorityClass/wirespeed-webhook',
        'NetworkPolicy/wirespeed-webhook',
        'CustomResourceDefinition/networknodepolicies.wirespeed.io',
        'CustomResourceDefinition/nodenetworkstates.wirespeed.io',
        'CustomResourceDefinition/noderesourcetopologies.topology.node.k8s.io',
        'Namespace/wirespeed-agent',
        'ServiceAccount/wirespeed-agent',
        'ClusterRole/wirespeed-agent',
        'ClusterRoleBinding/wirespeed-agent',
        'Role/wirespeed-agent',
        'RoleBinding/wirespeed-agent',
        'DaemonSet/wirespeed-agent',
        'ConfigMap/wirespeed-scheduler-config',
        'ServiceAccount/wirespeed-scheduler',
        'ClusterRoleBinding/wirespeed-scheduler-as-kube-scheduler',
        'ClusterRoleBinding/wirespeed-scheduler-as-volume-scheduler',
        'ClusterRole/wirespeed-extender',
        'ClusterRoleBinding/wirespeed-extender',
        'Role/wirespeed-scheduler',
        'RoleBinding/wirespeed-scheduler',
        'Role/wirespeed-extender-agent-leases',
        'RoleBinding/wirespeed-extender-agent-leases',
        'Deployment/wirespeed-scheduler',
      ].sort(),
    );
  });

  it("puts namespaced objects in wirespeed-system (the agent's in its own) and cluster-scoped ones in none", () => {
    for (const { file, object } of manifests) {
      const agents =
        file.startsWith('50-agent-') || object.metadata?.name === 'wirespeed-extender-agent-leases';
      const expected = CLUSTER_SCOPED.has(String(object.kind))
        ? undefined
        : agents
          ? AGENT_NAMESPACE
          : NAMESPACE;
      expect(object.metadata?.namespace, `${file}: ${object.kind}/${object.metadata?.name}`).toBe(expected);
    }
  });

  it('applies the Namespace first: it sorts before every other file', () => {
    const namespaceFile = manifests.find(({ object }) => object.kind === 'Namespace')!.file;
    expect(yamlFilesIn(manifestsDir)[0]).toBe(namespaceFile);
  });

  it('lists exactly the applied files in the Kustomization, which kubectl apply -f does not read', () => {
    const kustomization = parse(readFileSync(join(manifestsDir, 'Kustomization'), 'utf8')) as {
      kind: string;
      resources: string[];
    };
    expect(kustomization.kind).toBe('Kustomization');
    // kustomize orders objects by kind itself, so only the set matters.
    expect([...kustomization.resources].sort()).toEqual(yamlFilesIn(manifestsDir));
  });
});

describe('manifests/: Deployment wirespeed-webhook', () => {
  it('runs two replicas of wirespeed:dev as the webhook command with the TLS flags', () => {
    expect(deployment.spec?.replicas).toBe(2);
    expect(container.image).toBe('wirespeed:dev');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(args[0]).toBe('webhook');
    expect(flag('port')).toBe('8443');
    expect(flag('bind-address')).toBe('0.0.0.0');
    expect(flag('health-check-port')).toBe('8444');
    expect(flag('tls-cert-file')).toBe('/etc/wirespeed/tls/tls.crt');
    expect(flag('tls-private-key-file')).toBe('/etc/wirespeed/tls/tls.key');
    expect(args).toContain('--insecure');
  });

  it('tells the process its namespace through the Downward API', () => {
    const env = container.env?.find((variable) => variable.name === 'NAMESPACE');
    expect(env?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
  });

  it('mounts the whole TLS Secret read-only where the TLS flags point, never through subPath', () => {
    const volume = podSpec.volumes?.find(
      (candidate) => candidate.secret?.secretName === 'wirespeed-webhook-tls',
    );
    expect(volume?.name).toBe('tls');
    const mount = container.volumeMounts?.find((candidate) => candidate.name === volume?.name);
    expect(mount?.readOnly).toBe(true);
    expect(mount?.subPath).toBeUndefined();
    expect(mount?.subPathExpr).toBeUndefined();
    expect(flag('tls-cert-file')).toBe(`${mount?.mountPath}/tls.crt`);
    expect(flag('tls-private-key-file')).toBe(`${mount?.mountPath}/tls.key`);
    // A secret volume without items projects every key, ca.crt included.
    expect(volume?.secret?.items).toBeUndefined();
    for (const anyMount of container.volumeMounts ?? []) expect(anyMount.subPath).toBeUndefined();
  });

  it('serves the webhook on the named port 8443 and health on the port the health flag names', () => {
    expect(containerPortNumber('webhook')).toBe(Number(flag('port')));
    expect(containerPortNumber('health')).toBe(Number(flag('health-check-port')));
  });

  it('probes readiness at /readyz and liveness at /healthz over plain HTTP on the health port', () => {
    const readiness = container.readinessProbe?.httpGet;
    const liveness = container.livenessProbe?.httpGet;
    expect(readiness?.path).toBe('/readyz');
    expect(liveness?.path).toBe('/healthz');
    for (const probe of [readiness, liveness]) {
      expect(containerPortNumber(probe?.port)).toBe(Number(flag('health-check-port')));
      expect(probe?.scheme ?? 'HTTP').toBe('HTTP');
    }
  });

  it('runs non-root with a read-only root filesystem, no privilege escalation and no capabilities', () => {
    const pod = podSpec.securityContext;
    const own = container.securityContext;
    expect(own?.runAsNonRoot ?? pod?.runAsNonRoot).toBe(true);
    expect(own?.runAsUser ?? pod?.runAsUser).toBe(65532);
    expect(own?.readOnlyRootFilesystem).toBe(true);
    expect(own?.allowPrivilegeEscalation).toBe(false);
    expect(own?.privileged ?? false).toBe(false);
    expect(own?.capabilities?.drop).toEqual(['ALL']);
    expect(own?.capabilities?.add ?? []).toEqual([]);
    expect((own?.seccompProfile ?? pod?.seccompProfile)?.type).toBe('RuntimeDefault');
    expect(podSpec.hostNetwork ?? false).toBe(false);
  });

  it('requests cpu and memory and limits memory', () => {
    expect(container.resources?.requests).toMatchObject({ cpu: '50m', memory: '64Mi' });
    expect(container.resources?.limits?.memory).toBe('256Mi');
  });

  it('requires its replicas on different nodes, by a topology spread a one-node cluster still satisfies', () => {
    expect(podSpec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: deployment.spec?.selector.matchLabels },
      },
    ]);
    // Anti-affinity would leave the second replica Pending on a one-node cluster; the spread does not.
    expect(podSpec.affinity?.podAntiAffinity).toBeUndefined();
  });

  it('runs at the wirespeed-webhook priority, above workloads and below the system classes', () => {
    const priority = only<V1PriorityClass>('PriorityClass', 'wirespeed-webhook');
    expect(podSpec.priorityClassName).toBe(priority.metadata?.name);
    expect(priority.value).toBe(1_000_000_000);
    expect(priority.globalDefault).toBe(false);
    const files = yamlFilesIn(manifestsDir);
    const priorityFile = manifests.find(({ object }) => object.kind === 'PriorityClass')!.file;
    expect(files.indexOf(priorityFile)).toBeLessThan(files.indexOf('30-deployment.yaml'));
  });

  it("checks a rotated certificate against the Secret's CA", () => {
    expect(flag('tls-ca-file')).toBe('/etc/wirespeed/tls/ca.crt');
  });

  it('gives in-flight reviews 30 s to finish on shutdown', () => {
    expect(podSpec.terminationGracePeriodSeconds).toBe(30);
  });

  it('selects its own pods and runs as the wirespeed-webhook ServiceAccount', () => {
    const labels = deployment.spec?.template.metadata?.labels ?? {};
    expect(labels).toMatchObject(deployment.spec?.selector.matchLabels ?? { missing: 'selector' });
    expect(podSpec.serviceAccountName).toBe('wirespeed-webhook');
  });
});

describe('manifests/: Service and PodDisruptionBudget', () => {
  it('routes every Service port to a named container port and selects the webhook pods', () => {
    const portNames = new Set((container.ports ?? []).map((port) => port.name));
    for (const port of service.spec?.ports ?? []) {
      expect(typeof port.targetPort, `Service port ${port.name}`).toBe('string');
      expect(portNames.has(String(port.targetPort)), `Service port ${port.name}`).toBe(true);
    }
    expect(deployment.spec?.template.metadata?.labels).toMatchObject(service.spec?.selector ?? { none: '' });
  });

  it('exposes 443 for the apiserver and 8444 named metrics', () => {
    const ports = service.spec?.ports ?? [];
    expect(ports.find((port) => port.port === 443)?.targetPort).toBe('webhook');
    expect(ports.find((port) => port.name === 'metrics')?.port).toBe(8444);
  });

  it('admits to the webhook port only addresses outside the pod network, and to the health port monitoring', () => {
    const policy = only<V1NetworkPolicy>('NetworkPolicy', 'wirespeed-webhook');
    expect(policy.spec?.podSelector?.matchLabels).toEqual(deployment.spec?.selector.matchLabels);
    expect(policy.spec?.policyTypes).toEqual(['Ingress']);
    expect(policy.spec?.ingress).toEqual([
      {
        ports: [{ port: 'webhook', protocol: 'TCP' }],
        from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } }],
      },
      {
        ports: [{ port: 'health', protocol: 'TCP' }],
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      },
    ]);
    for (const rule of policy.spec?.ingress ?? []) {
      for (const port of rule.ports ?? []) expect(containerPortNumber(port.port)).toBeTypeOf('number');
    }
  });

  it('keeps at least one replica through voluntary disruptions', () => {
    const budget = only<V1PodDisruptionBudget>('PodDisruptionBudget', 'wirespeed-webhook');
    expect(budget.spec?.minAvailable).toBe(1);
    expect(deployment.spec?.template.metadata?.labels).toMatchObject(
      budget.spec?.selector?.matchLabels ?? {},
    );
  });
});

describe('manifests/: MutatingWebhookConfiguration wirespeed-webhook', () => {
  it('has one webhook, inject.wirespeed.io, reaching the Service at /mutate on its 443 port', () => {
    expect(webhookConfiguration.webhooks).toHaveLength(1);
    expect(webhook.name).toBe('inject.wirespeed.io');
    expect(webhook.clientConfig.service).toEqual({
      name: service.metadata?.name,
      namespace: service.metadata?.namespace,
      path: '/mutate',
      port: 443,
    });
    expect(service.spec?.ports?.some((port) => port.port === webhook.clientConfig.service?.port)).toBe(true);
    expect(webhook.clientConfig.url).toBeUndefined();
  });

  it('intercepts only pod CREATE in the core v1 API', () => {
    expect(webhook.rules).toHaveLength(1);
    expect(webhook.rules?.[0]).toMatchObject({
      operations: ['CREATE'],
      apiGroups: [''],
      apiVersions: ['v1'],
      resources: ['pods'],
    });
    expect(webhook.matchPolicy).toBe('Equivalent');
  });

  it('fails closed, which matchConditions and the namespaceSelector make safe', () => {
    expect(webhook.failurePolicy).toBe('Fail');
    const expressions = (webhook.matchConditions ?? []).map((condition) => condition.expression).join('\n');
    expect(expressions).toContain(`'${NETWORKS_ANNOTATION}'`);
    expect(expressions).toContain(`'${DEFAULT_NETWORK_ANNOTATION}'`);
    expect(expressions).toContain('has(object.metadata.annotations)');

    const excluded = (webhook.namespaceSelector?.matchExpressions ?? []).find(
      (expression) => expression.key === 'kubernetes.io/metadata.name' && expression.operator === 'NotIn',
    );
    expect(excluded?.values).toEqual(expect.arrayContaining([NAMESPACE, 'kube-system']));
    expect(webhook.objectSelector).toBeUndefined();
  });

  it('is reinvoked when needed, has no side effects, speaks v1 and times out within 10 s', () => {
    expect(webhook.reinvocationPolicy).toBe('IfNeeded');
    expect(webhook.sideEffects).toBe('None');
    expect(webhook.admissionReviewVersions).toEqual(['v1']);
    expect(webhook.timeoutSeconds).toBeGreaterThanOrEqual(1);
    expect(webhook.timeoutSeconds).toBeLessThanOrEqual(10);
  });

  it('leaves caBundle unset, with one placeholder line that becomes clientConfig.caBundle when filled', () => {
    expect(webhook.clientConfig.caBundle).toBeUndefined();
    const file = manifests.find(({ object }) => object.kind === 'MutatingWebhookConfiguration')!.file;
    const text = readFileSync(join(manifestsDir, file), 'utf8');
    expect(text.split(CA_BUNDLE_PLACEHOLDER)).toHaveLength(2);

    const filled = parse(
      text.replace(CA_BUNDLE_PLACEHOLDER, 'caBundle: Q0E='),
    ) as V1MutatingWebhookConfiguration;
    expect(filled.webhooks?.[0]?.clientConfig.caBundle).toBe('Q0E=');
    expect(filled.webhooks?.[0]?.clientConfig.service?.name).toBe('wirespeed-webhook');
  });
});

describe('manifests/: RBAC', () => {
  const rulesOf = (object: V1ClusterRole | V1Role): V1PolicyRule[] => object.rules ?? [];

  it('grants the webhook nothing beyond get, list and watch, and no wildcards', () => {
    const roles = manifests.filter(
      ({ object }) =>
        (object.kind === 'ClusterRole' || object.kind === 'Role') &&
        object.metadata?.name === 'wirespeed-webhook',
    );
    expect(roles).toHaveLength(2);
    for (const { object } of roles) {
      for (const rule of rulesOf(object as V1Role)) {
        for (const verb of rule.verbs) expect(READ_VERBS.has(verb), `${object.kind} verb ${verb}`).toBe(true);
        expect([...(rule.apiGroups ?? []), ...(rule.resources ?? [])]).not.toContain('*');
        expect(rule.nonResourceURLs).toBeUndefined();
      }
    }
  });

  it('reads NetworkAttachmentDefinitions cluster-wide and only the nri-control-switches ConfigMap', () => {
    const configMap = only<V1ConfigMap>('ConfigMap', 'nri-control-switches');
    const clusterRole = only<V1ClusterRole>('ClusterRole', 'wirespeed-webhook');
    expect(rulesOf(clusterRole).map(({ apiGroups, resources }) => ({ apiGroups, resources }))).toEqual([
      { apiGroups: ['k8s.cni.cncf.io'], resources: ['network-attachment-definitions'] },
    ]);
    const role = only<V1Role>('Role', 'wirespeed-webhook');
    expect(
      rulesOf(role).map(({ apiGroups, resources, resourceNames }) => ({
        apiGroups,
        resources,
        resourceNames,
      })),
    ).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: [configMap.metadata?.name] }]);
  });

  it('binds both roles to the ServiceAccount the Deployment runs as', () => {
    const subject = { kind: 'ServiceAccount', name: podSpec.serviceAccountName, namespace: NAMESPACE };
    const clusterBinding = only<V1ClusterRoleBinding>('ClusterRoleBinding', 'wirespeed-webhook');
    expect(clusterBinding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'wirespeed-webhook' });
    expect(clusterBinding.subjects).toEqual([subject]);
    const binding = only<V1RoleBinding>('RoleBinding', 'wirespeed-webhook');
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'wirespeed-webhook' });
    expect(binding.subjects).toEqual([subject]);
  });
});

describe('manifests/: ConfigMap and CRD', () => {
  it('ships nri-control-switches with both features off, as valid JSON', () => {
    const configMap = only<V1ConfigMap>('ConfigMap', 'nri-control-switches');
    expect(JSON.parse(configMap.data?.['config.json'] ?? '')).toEqual({
      features: { enableHugePageDownApi: false, enableHonorExistingResources: false },
    });
  });

  it('defines NetworkAttachmentDefinition as Multus does: namespaced v1 with a string spec.config', () => {
    const crd = only<V1CustomResourceDefinition>(
      'CustomResourceDefinition',
      'network-attachment-definitions.k8s.cni.cncf.io',
    );
    expect(crd.metadata?.name).toBe('network-attachment-definitions.k8s.cni.cncf.io');
    expect(crd.spec.group).toBe('k8s.cni.cncf.io');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toMatchObject({
      plural: 'network-attachment-definitions',
      kind: 'NetworkAttachmentDefinition',
    });
    expect(crd.spec.names.shortNames).toContain('net-attach-def');
    expect(crd.spec.versions.map(({ name, served, storage }) => ({ name, served, storage }))).toEqual([
      { name: 'v1', served: true, storage: true },
    ]);
    const schema = crd.spec.versions[0]?.schema?.openAPIV3Schema;
    expect(schema?.properties?.spec?.properties?.config?.type).toBe('string');
  });
});

describe('manifests/examples/', () => {
  const nad = examples.find(({ object }) => object.kind === 'NetworkAttachmentDefinition')?.object;
  const pod = examples.find(({ object }) => object.kind === 'Pod')?.object;

  it('has a NAD sriov-a naming its device pool and its hugepages in <pagesize>=<amount> form', () => {
    expect(nad?.metadata?.name).toBe('sriov-a');
    expect(nad?.metadata?.annotations?.['k8s.v1.cni.cncf.io/resourceName']).toBe('intel.com/sriov_a');
    const hugepages = nad?.metadata?.annotations?.['wirespeed.io/hugepages'] ?? '';
    expect(hugepages).toBe('1Gi=2Gi');
    expect(hugepages).toMatch(/^\d+[KMG]i=\d+[KMG]i(,\d+[KMG]i=\d+[KMG]i)*$/);
    const config = (nad as { spec?: { config?: string } }).spec?.config ?? '';
    expect(JSON.parse(config)).toMatchObject({ name: 'sriov-a' });
  });

  it('has a pod whose networks annotation selects that NAD in its own namespace', () => {
    const value = pod?.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? '';
    const selections = parseNetworkAnnotation(value, String(pod?.metadata?.namespace ?? 'default'));
    expect(selections.ok && selections.value.map(({ namespace, name }) => `${namespace}/${name}`)).toEqual([
      `${nad?.metadata?.namespace}/${nad?.metadata?.name}`,
    ]);
  });
});

describe('image and kind cluster agree with the manifests', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('starts the CLI the package declares, as the user the Deployment requires', () => {
    const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', packageJson.bin.wirespeed]);
    const user = /^USER (\d+)(?::\d+)?$/m.exec(dockerfile)?.[1];
    expect(Number(user)).toBe(container.securityContext?.runAsUser ?? podSpec.securityContext?.runAsUser);
  });

  it('pins every kind node image by digest and patches kubeadm with v1beta4', () => {
    const cluster = parse(readFileSync(join(root, 'test/e2e/kind/cluster.yaml'), 'utf8')) as {
      apiVersion: string;
      nodes: { role: string; image?: string }[];
      kubeadmConfigPatches?: string[];
    };
    expect(cluster.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(cluster.nodes.map((node) => node.role)).toEqual(['control-plane', 'worker', 'worker']);
    for (const node of cluster.nodes) {
      const pinned = /^kindest\/node:v1\.(\d+)\.\d+@sha256:[0-9a-f]{64}$/.exec(node.image ?? '');
      expect(pinned, `node image ${node.image}`).not.toBeNull();
      // kubeadm v1beta4 patches need Kubernetes 1.36 or newer.
      expect(Number(pinned?.[1])).toBeGreaterThanOrEqual(36);
    }
    for (const patch of cluster.kubeadmConfigPatches ?? []) {
      expect((parse(patch) as { apiVersion: string }).apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    }
  });
});
