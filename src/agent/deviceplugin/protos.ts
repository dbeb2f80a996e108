/**
 * Loads the kubelet's vendored gRPC definitions (src/api/proto, copied to dist by the build) at runtime, relative
 * to this module, so the same code runs from a checkout (tsx) and from dist.
 *
 * Loader options matter: `keepCase` keeps the wire names the kubelet's Go code uses (`ID`, `available_deviceIDs`);
 * `defaults` fills proto3 zero values, without which NUMA node 0 arrives as a NUMANode with no `ID`.
 */
import { fileURLToPath } from 'node:url';
import { type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const PROTO_ROOT = fileURLToPath(new URL('../../api/proto/', import.meta.url));

export const DEVICE_PLUGIN_PROTO = 'deviceplugin/v1beta1/api.proto';
export const POD_RESOURCES_PROTO = 'podresources/v1/api.proto';
export const PLUGIN_REGISTRATION_PROTO = 'pluginregistration/v1/api.proto';

const cache = new Map<string, GrpcObject>();

/** The package object of one vendored proto file (loaded once per process). */
export function loadKubeletProto(file: string): GrpcObject {
  let loaded = cache.get(file);
  if (!loaded) {
    const definition = loadSync(file, {
      includeDirs: [PROTO_ROOT],
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    loaded = loadPackageDefinition(definition);
    cache.set(file, loaded);
  }
  return loaded;
}

function service(file: string, pkg: string, name: string): ServiceClientConstructor {
  const ns = loadKubeletProto(file)[pkg] as GrpcObject | undefined;
  const ctor = ns?.[name] as ServiceClientConstructor | undefined;
  if (!ctor?.service) throw new Error(`${file} has no service ${pkg}.${name}`);
  return ctor;
}

/** `v1beta1.DevicePlugin`: the service each pool serves to the kubelet. */
export const devicePluginService = (): ServiceClientConstructor =>
  service(DEVICE_PLUGIN_PROTO, 'v1beta1', 'DevicePlugin');

/** `v1beta1.Registration`: the kubelet's service on `kubelet.sock`. */
export const registrationService = (): ServiceClientConstructor =>
  service(DEVICE_PLUGIN_PROTO, 'v1beta1', 'Registration');

/** `v1.PodResourcesLister`: the kubelet's pod-resources service. */
export const podResourcesService = (): ServiceClientConstructor =>
  service(POD_RESOURCES_PROTO, 'v1', 'PodResourcesLister');
