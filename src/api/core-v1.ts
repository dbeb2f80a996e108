/**
 * The few core/v1 object shapes Wirespeed reads and writes. Own types (not the client library's) keep
 * src/core free of I/O dependencies; fields the core does not read pass through untouched as unknown members.
 * Types only: the core and the shells both import them.
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  [key: string]: unknown;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  [key: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  env?: EnvVar[];
  /** `Always` on an init container makes it a sidecar (restartable init container). */
  restartPolicy?: string;
  [key: string]: unknown;
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path: string; type?: string };
  downwardAPI?: { items?: unknown[] };
  [key: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  nodeSelector?: Record<string, string>;
  nodeName?: string;
  schedulerName?: string;
  [key: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: PodSpec;
  status?: { phase?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A Kubernetes `Status` failure body: what the API server expects from an HTTP-level refusal. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  code: number;
  message: string;
}
