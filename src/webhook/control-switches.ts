import { applyControlSwitches, type InjectionConfig } from '../core/inject/config.js';
import type { KubeEndpoint } from '../kube/endpoint.js';
import { ListWatch } from '../kube/list-watch.js';
import { CONFIG_MAPS, collectionPath } from '../kube/paths.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';

interface ConfigMap {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/**
 * Watches the `nri-control-switches` ConfigMap and keeps the effective injection configuration: the
 * command-line configuration with the ConfigMap's switches applied. Deleting the ConfigMap restores the
 * command-line values. Failing to watch (e.g. RBAC) is logged and leaves the command-line values in force.
 */
export class ControlSwitches {
  private effective: InjectionConfig;
  private readonly informer: ListWatch<ConfigMap>;

  constructor(
    endpoint: KubeEndpoint,
    private readonly base: InjectionConfig,
    private readonly where: { namespace: string; name: string },
    private readonly log: Logger,
    private readonly metrics: WebhookMetrics,
  ) {
    this.effective = base;
    this.informer = new ListWatch<ConfigMap>(endpoint, collectionPath(CONFIG_MAPS, where.namespace), {
      fieldSelector: `metadata.name=${where.name}`,
      retryDelayMs: 10_000,
    });
    this.informer.on('add', (cm) => this.apply(cm));
    this.informer.on('update', (cm) => this.apply(cm));
    this.informer.on('delete', () => {
      this.effective = this.base;
      this.metrics.controlSwitchUpdates.inc({ result: 'removed' });
      this.log.info(this.where, 'control switches ConfigMap deleted; using command-line settings');
    });
    this.informer.onError((error) =>
      this.log.warn(
        { ...this.where, err: error.message },
        'cannot watch control switches ConfigMap; retrying in 10s',
      ),
    );
  }

  get config(): InjectionConfig {
    return this.effective;
  }

  start(): void {
    void this.informer.start();
  }

  async stop(): Promise<void> {
    this.informer.stop();
  }

  private apply(cm: ConfigMap): void {
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
        allowedHostPaths: config.allowedHostPaths.map((r) => `${r.path}${r.writable ? ':rw' : ''}:${r.type}`),
        trustedNadNamespaces: config.trustedNadNamespaces,
      },
      'control switches applied',
    );
  }
}
