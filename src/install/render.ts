/**
 * Everything `kubectl apply` needs for a cluster, from the kustomize base in `manifests/`: the objects in the
 * base's order, the image reference replaced, the webhook's serving Secret added and every webhook's
 * `caBundle` filled in. Pure: the command reads the files and the certificates, this assembles.
 */

/** The image every manifest names; `--image` replaces it in one place. */
export const DEFAULT_IMAGE = 'wirespeed:dev';

export interface ManifestObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface InstallInput {
  /** The base's objects, in the order of its `resources:` list. */
  objects: ManifestObject[];
  image: string;
  /** The webhook's serving Secret (kubernetes.io/tls with ca.crt), added after the Namespace. */
  tlsSecret: ManifestObject;
  /** base64 PEM of the CA, written to every webhook's clientConfig.caBundle. */
  caBundle: string;
}

const WEBHOOK_KINDS = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

export function renderInstall(input: InstallInput): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const object of input.objects) {
    let o = replaceImage(object, input.image);
    if (WEBHOOK_KINDS.has(o.kind ?? '')) o = withCaBundle(o, input.caBundle);
    out.push(o);
    if (o.kind === 'Namespace' && o.metadata?.name === input.tlsSecret.metadata?.namespace)
      out.push(input.tlsSecret);
  }
  if (!out.includes(input.tlsSecret)) out.unshift(input.tlsSecret);
  return out;
}

/** Every `image:` equal to the default (containers, init containers, sidecars) becomes `image`. */
function replaceImage<T>(value: T, image: string): T {
  if (Array.isArray(value)) return value.map((v) => replaceImage(v, image)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === 'image' && v === DEFAULT_IMAGE ? image : replaceImage(v, image);
  }
  return out as T;
}

function withCaBundle(config: ManifestObject, caBundle: string): ManifestObject {
  const webhooks = (config.webhooks as { clientConfig?: Record<string, unknown> }[] | undefined) ?? [];
  return {
    ...config,
    webhooks: webhooks.map((w) => ({ ...w, clientConfig: { ...(w.clientConfig ?? {}), caBundle } })),
  };
}

/** The `resources:` of a Kustomization, which must be plain files in the same folder. */
export function kustomizationResources(kustomization: unknown, source: string): string[] {
  const resources = (kustomization as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string' || r.includes('/'))) {
    throw new Error(`${source}: resources must be a list of file names in the same folder`);
  }
  return resources as string[];
}
