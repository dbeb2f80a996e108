import { collectDefaultMetrics, Registry } from 'prom-client';

/** A component's own registry, with Node's process metrics (CPU, memory, event-loop lag) unless turned off. */
export function componentRegistry(opts: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'wirespeed_' });
  return registry;
}
