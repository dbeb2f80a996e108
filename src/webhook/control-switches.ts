import { CoreV1Api, type KubeConfig, ListWatch, type V1ConfigMap, Watch } from '@kubernetes/client-node';
import { applyControlSwitches, type InjectionConfig } from '../core/inject/config.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';
import { describeError } from './nad-cache.js';

/**
 * Watches the `nri-control-switches` ConfigMap and keeps the effective injection configuration: the
 * command-line configuration with the ConfigMap's switches applied. Deleting the ConfigMap restores the
 * command-line values. Failing to watch (e.g. RBAC) is logged and leaves the command-line values in force.
 */
export class ControlSwitches {
  private effective: InjectionConfig;
  private readonly informer: ListWatch<V1ConfigMap>;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    kc: KubeConfig,
    private readonly base: InjectionConfig,
    private readonly where: { namespace: string; name: string },
    private readonly log: Logger,
    private readonly metrics: WebhookMetrics,
  ) {
    this.effective = base;
    const core = kc.makeApiClient(CoreV1Api);
    const fieldSelector = `metadata.name=${where.name}`;
    this.informer = new ListWatch<V1ConfigMap>(
      `/api/v1/namespaces/${where.namespace}/configmaps`,
      new Watch(kc),
      () => core.listNamespacedConfigMap({ namespace: where.namespace, fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    this.informer.on('add', (cm) => this.apply(cm));
    this.informer.on('update', (cm) => this.apply(cm));
    this.informer.on('delete', () => {
      this.effective = this.base;
      this.metrics.controlSwitchUpdates.inc({ result: 'removed' });
      this.log.info(this.where, 'control switches ConfigMap deleted; using command-line settings');
    });
    this.informer.on('error', (err) => {
      if (this.stopped) return;
      this.log.warn(
        { ...this.where, err: describeError(err) },
        'cannot watch control switches ConfigMap; retrying in 10s',
      );
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.start(), 10_000);
    });
  }

  get config(): InjectionConfig {
    return this.effective;
  }

  start(): void {
    if (this.stopped) return;
    this.informer
      .start()
      .catch((err) => this.log.warn({ err: describeError(err) }, 'control switches watch failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.informer.stop();
  }

  private apply(cm: V1ConfigMap): void {
    const { config, warnings } = applyControlSwitches(this.base, cm.data?.['config.json']);
    this.effective = config;
    for (const warning of warnings) this.log.warn(this.where, warning);
    this.metrics.controlSwitchUpdates.inc({ result: warnings.length > 0 ? 'warning' : 'applied' });
    this.log.info(
      {
        ...this.where,
        honorResources: config.honorResources,
        injectHugepageDownApi: config.injectHugepageDownApi,
        userDefinedInjections: config.userDefinedInjections.map((i) => i.labelKey),
      },
      'control switches applied',
    );
  }
}
