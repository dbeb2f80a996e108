/**
 * Registration with the kubelet's device manager: `v1beta1.Registration/Register` on `kubelet.sock` in the
 * device-plugin directory. The kubelet dials the endpoint back (GetDevicePluginOptions, ListAndWatch) before it
 * answers, so the pool's server must already be serving.
 */
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { registrationService } from './protos.js';
import { DEVICE_PLUGIN_API_VERSION, type RegisterRequest } from './wire.js';

export const KUBELET_SOCKET = 'kubelet.sock';

export interface RegistrationTarget {
  devicePluginDir: string;
  /** Socket file name relative to the device-plugin directory. */
  endpoint: string;
  resourceName: string;
}

interface RegistrationClient {
  Register(
    request: RegisterRequest,
    options: { deadline: number },
    callback: (err: Error | null) => void,
  ): void;
  close(): void;
}

export function registerRequest(target: RegistrationTarget): RegisterRequest {
  return {
    version: DEVICE_PLUGIN_API_VERSION,
    endpoint: target.endpoint,
    resource_name: target.resourceName,
    options: { pre_start_required: false, get_preferred_allocation_available: true },
  };
}

/** Resolves when the kubelet accepted the registration; rejects with the kubelet's reason or a timeout. */
export function register(target: RegistrationTarget, timeoutMs: number): Promise<void> {
  const Client = registrationService();
  const client = new Client(
    `unix:${join(target.devicePluginDir, KUBELET_SOCKET)}`,
    credentials.createInsecure(),
  ) as unknown as RegistrationClient;
  return new Promise<void>((resolve, reject) => {
    client.Register(registerRequest(target), { deadline: Date.now() + timeoutMs }, (err) => {
      client.close();
      if (err)
        reject(
          new Error(`kubelet refused or did not answer Register for ${target.resourceName}: ${err.message}`),
        );
      else resolve();
    });
  });
}
