/**
 * A stand-in for the kubelets of fake Nodes, for race tests: it admits each pod bound to one of its nodes as
 * the Topology Manager does under single-numa-node (pod scope, lowest NUMA node with enough free devices),
 * fails the pods it cannot align with TopologyAffinityError (phase Failed, as the kubelet leaves them), and
 * publishes each node's NodeNetworkState `reportDelayMs` after a change, as an agent that polls pod-resources
 * would. It is the judge of a placement: a pod it fails is a pod the scheduler should not have put there.
 */
import type { KubeEndpoint } from '../kube/endpoint.js';
import { ListWatch } from '../kube/list-watch.js';
import { collectionPath, objectPath, PODS } from '../kube/paths.js';
import { writeNodeNetworkState } from './local-extender.js';

interface JudgedPod {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: { nodeName?: string; containers?: { resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string };
}

export class NumaJudge {
  private readonly free = new Map<string, number[]>();
  private readonly allocatable = new Map<string, number[]>();
  private readonly pods = new Map<
    string,
    { uid: string; namespace: string; name: string; numaNode: number; count: number }[]
  >();
  private readonly judged = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly writes = new Set<Promise<void>>();
  private readonly informer: ListWatch<JudgedPod>;
  admitted = 0;
  topologyAffinityErrors = 0;
  lastDecisionAt = 0;

  constructor(
    private readonly endpoint: KubeEndpoint,
    private readonly pool: string,
    nodes: Record<string, number[]>,
    private readonly reportDelayMs: number,
  ) {
    for (const [node, perNuma] of Object.entries(nodes)) {
      this.free.set(node, [...perNuma]);
      this.allocatable.set(node, [...perNuma]);
      this.pods.set(node, []);
    }
    this.informer = new ListWatch<JudgedPod>(endpoint, collectionPath(PODS), {
      fieldSelector: 'spec.nodeName!=',
    });
    this.informer.on('add', (p) => this.judge(p));
    this.informer.on('update', (p) => this.judge(p));
  }

  /** Publishes every node's first report and starts judging. */
  async start(): Promise<void> {
    await Promise.all([...this.free.keys()].map((node) => this.publish(node)));
    await this.informer.start();
  }

  stop(): void {
    this.informer.stop();
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  freeSlots(podSize: number): number {
    let slots = 0;
    for (const perNuma of this.free.values()) for (const n of perNuma) slots += Math.floor(n / podSize);
    return slots;
  }

  private judge(pod: JudgedPod): void {
    const node = pod.spec?.nodeName;
    const uid = pod.metadata.uid;
    if (!node || !uid || !this.free.has(node) || this.judged.has(uid) || pod.status?.phase === 'Failed')
      return;
    this.judged.add(uid);
    const count = (pod.spec?.containers ?? []).reduce(
      (sum, c) => sum + Number(c.resources?.requests?.[this.pool] ?? 0),
      0,
    );
    const free = this.free.get(node)!;
    const numaNode = free.findIndex((n) => n >= count);
    this.lastDecisionAt = Date.now();
    if (numaNode < 0) {
      this.topologyAffinityErrors++;
      this.track(this.fail(pod));
      return;
    }
    free[numaNode]! -= count;
    this.admitted++;
    this.pods
      .get(node)!
      .push({ uid, namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, numaNode, count });
    this.schedulePublish(node);
  }

  private fail(pod: JudgedPod): Promise<void> {
    const path = objectPath(PODS, pod.metadata.namespace, pod.metadata.name, 'status');
    return this.endpoint
      .json(path, {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            phase: 'Failed',
            reason: 'TopologyAffinityError',
            message: 'Pod was rejected: Resources cannot be allocated with Topology locality',
          },
        },
      })
      .then(() => undefined);
  }

  private schedulePublish(node: string): void {
    if (this.timers.has(node)) return;
    this.timers.set(
      node,
      setTimeout(() => {
        this.timers.delete(node);
        this.track(this.publish(node));
      }, this.reportDelayMs),
    );
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch(() => undefined).finally(() => this.writes.delete(tracked));
    this.writes.add(tracked);
  }

  private publish(node: string): Promise<void> {
    const free = this.free.get(node)!;
    const allocatable = this.allocatable.get(node)!;
    const pods = this.pods.get(node)!;
    return writeNodeNetworkState(this.endpoint, node, {
      kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
      pools: [
        {
          resourceName: this.pool,
          deviceType: 'vfio-pci',
          numaNodes: allocatable.map((a, numaNode) => ({
            numaNode,
            capacity: a,
            allocatable: a,
            allocated: a - free[numaNode]!,
            free: free[numaNode]!,
          })),
        },
      ],
      pods: pods.map((p) => ({
        uid: p.uid,
        namespace: p.namespace,
        name: p.name,
        devices: [{ resourceName: this.pool, numaNode: p.numaNode, ids: [] }],
      })),
      reportTime: new Date().toISOString(),
    });
  }
}
