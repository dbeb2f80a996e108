import { ApiException, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { type ControlPlane, startControlPlane } from '../devcluster/controlplane.js';
import { type LocalWebhook, startLocalWebhook } from '../devcluster/local-webhook.js';
import { createNad, nadObject } from '../devcluster/nads.js';
import { createFakeNode } from '../devcluster/nodes.js';
import { waitFor } from '../devcluster/wait.js';

const NS = 'demo';

export async function runDemo(opts: { keep: boolean }, say: (line: string) => void): Promise<void> {
  let cp: ControlPlane | undefined;
  let webhook: LocalWebhook | undefined;
  const cleanup = async () => {
    await webhook?.stop();
    await cp?.stop();
  };
  const interrupted = () => {
    say('\ninterrupted: stopping the cluster');
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  try {
    const started = Date.now();
    say('==> starting etcd, kube-apiserver and kube-scheduler (first run builds them: several minutes)');
    cp = await startControlPlane({ scheduler: true });
    say(`    API server ${cp.server} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    say(
      '==> starting the webhook and registering it with the API server (TLS, matchConditions, failurePolicy Fail)',
    );
    webhook = await startLocalWebhook(cp);
    say(`    webhook on https://127.0.0.1:${webhook.server.port}/mutate`);

    const core = cp.kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    say('==> two nodes: node-sriov has 4 VFs of intel.com/sriov_a and 1Gi hugepages; node-plain has neither');
    await createFakeNode(
      cp.kc,
      'node-sriov',
      { 'intel.com/sriov_a': '4', 'hugepages-1Gi': '8Gi' },
      { labels: { 'feature.node.kubernetes.io/network-sriov.capable': 'true' } },
    );
    await createFakeNode(cp.kc, 'node-plain', {});

    const nad = nadObject('sriov-a', {
      'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_a',
      'wirespeed.io/hugepages': '1Gi=1Gi',
      'k8s.v1.cni.cncf.io/nodeSelector': 'feature.node.kubernetes.io/network-sriov.capable=true',
    });
    say('==> the platform team publishes a NetworkAttachmentDefinition:');
    say(indent(stringify(nad)));
    await createNad(cp.kc, NS, nad);

    const pod: V1Pod = {
      metadata: { name: 'dpdk-app', annotations: { 'k8s.v1.cni.cncf.io/networks': 'sriov-a, sriov-a@net2' } },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'registry.example.com/dpdk-app:1',
            resources: { requests: { memory: '1Gi' } },
          },
        ],
      },
    };
    say('==> the user creates a pod that only names the network (twice: two attachments):');
    say(indent(stringify(pod)));
    await core.createNamespacedPod({ namespace: NS, body: pod });
    const stored = await core.readNamespacedPod({ name: 'dpdk-app', namespace: NS });
    const app = stored.spec!.containers[0]!;
    say('==> the API server stored it with what it needs:');
    say(
      indent(
        stringify({
          resources: app.resources,
          volumeMounts: app.volumeMounts?.filter((m) => !m.mountPath.startsWith('/var/run/secrets')),
          volumes: stored.spec!.volumes?.filter((v) => !v.projected),
          nodeSelector: stored.spec!.nodeSelector,
        }),
      ),
    );
    const bound = await waitFor(
      'the scheduler to bind the pod',
      async () => (await core.readNamespacedPod({ name: 'dpdk-app', namespace: NS })).spec?.nodeName,
      { timeoutMs: 30_000 },
    );
    say(`==> kube-scheduler bound it to ${bound}`);

    say('==> a typo in the annotation is refused with a message naming it:');
    try {
      await core.createNamespacedPod({
        namespace: NS,
        body: {
          ...pod,
          metadata: { name: 'typo', annotations: { 'k8s.v1.cni.cncf.io/networks': 'sriov-a@eth 1' } },
        },
      });
      say('    (unexpectedly admitted)');
    } catch (err) {
      say(`    ${err instanceof ApiException ? JSON.parse(String(err.body)).message : String(err)}`);
    }
    say(`==> the webhook answered ${await webhook.requests()} admission requests`);

    if (opts.keep) {
      say(
        `\nThe cluster keeps running. In another shell:\n  export KUBECONFIG=${cp.kubeconfigPath}\n  kubectl -n ${NS} get pod dpdk-app -o yaml`,
      );
      say('Press Ctrl-C to stop it.');
      await new Promise(() => {});
    }
  } finally {
    if (!opts.keep) {
      await cleanup();
      process.off('SIGINT', interrupted);
    }
  }
  say('==> done: cluster stopped');
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
