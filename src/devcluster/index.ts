export { resolveK8sBinaries } from './binaries.js';
export {
  type ComponentName,
  type ControlPlane,
  type ControlPlaneOptions,
  startControlPlane,
} from './controlplane.js';
export { createFakeNode } from './nodes.js';
export { waitFor } from './wait.js';
export { registerMutatingWebhook } from './webhooks.js';
