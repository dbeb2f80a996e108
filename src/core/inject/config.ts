import { RESOURCE_NAME_ANNOTATION } from '../../api/annotations.js';
import { isDns1123Label } from '../names.js';
import { isPlainObject, own } from '../own.js';
import { fail, ok, type Result } from '../problem.js';
import { DEFAULT_ALLOWED_HOST_PATHS, type HostPathRule, parseAllowedHostPaths } from './host-paths.js';

export { RESOURCE_NAME_ANNOTATION };

/** A label-selected annotation injection from the `nri-control-switches` ConfigMap, as network-resources-injector has. */
export interface UserDefinedInjection {
  labelKey: string;
  annotations: Record<string, string>;
}

/** Every switch that changes a decision. The webhook server, the CLI and tests build it the same way. */
export interface InjectionConfig {
  /** NAD annotation keys whose values name a device pool; each present key adds 1 device per attachment. */
  resourceNameKeys: string[];
  /** Add to quantities a container already sets instead of leaving such resources alone. */
  honorResources: boolean;
  /** Expose hugepages requests and limits through the podnetinfo Downward API volume. */
  injectHugepageDownApi: boolean;
  /** Namespace of the default-network NAD when the annotation names none; undefined means the pod's namespace. */
  defaultNetworkNamespace?: string;
  /** Mount path of the hugepages volume when the pod uses one page size. */
  hugepagesMountPath: string;
  /** Mount path of the podnetinfo Downward API volume. */
  podnetinfoMountPath: string;
  userDefinedInjections: UserDefinedInjection[];
  /**
   * Most network selection elements (networks annotation plus default network) one pod may name. Multus users
   * have a handful; the cap keeps one hostile pod's decision small and is checked before any NAD lookup.
   */
  maxNetworks: number;
  /** Host paths NAD mounts may name (`--allowed-host-paths`); anything else is denied. */
  allowedHostPaths: HostPathRule[];
  /**
   * Namespaces whose NADs may give pods of other namespaces host mounts and hugepages
   * (`--trusted-nad-namespaces`); a NAD in the pod's own namespace always may.
   */
  trustedNadNamespaces: string[];
}

/** `--max-networks` default: well above any real pod (a CNF has a handful), far below what costs time. */
export const DEFAULT_MAX_NETWORKS = 64;

export function defaultInjectionConfig(overrides: Partial<InjectionConfig> = {}): InjectionConfig {
  return {
    resourceNameKeys: [RESOURCE_NAME_ANNOTATION],
    honorResources: false,
    injectHugepageDownApi: false,
    hugepagesMountPath: '/dev/hugepages',
    podnetinfoMountPath: '/etc/podnetinfo',
    userDefinedInjections: [],
    maxNetworks: DEFAULT_MAX_NETWORKS,
    allowedHostPaths: defaultAllowedHostPaths(),
    trustedNadNamespaces: [],
    ...overrides,
  };
}

export function defaultAllowedHostPaths(): HostPathRule[] {
  const rules = parseAllowedHostPaths(DEFAULT_ALLOWED_HOST_PATHS, 'the default allow-list');
  if (!rules.ok) throw new Error(rules.problem.message); // a bug in the constant, caught by every test
  return rules.value;
}

/** `--trusted-nad-namespaces` and the ConfigMap's `trusted-nad-namespaces`: namespace names. */
export function parseTrustedNamespaces(
  entries: string | readonly unknown[],
  where: string,
): Result<string[]> {
  const list = typeof entries === 'string' ? entries.split(',') : entries;
  const names = new Set<string>();
  for (const raw of list) {
    const name = typeof raw === 'string' ? raw.trim() : undefined;
    if (name === '') continue;
    if (name === undefined || !isDns1123Label(name)) {
      return fail('InvalidConfig', `${where} entry ${JSON.stringify(raw)} is not a namespace name`);
    }
    names.add(name);
  }
  return ok([...names]);
}

/** `--network-resource-name-keys`: comma-separated, each trimmed, none empty (as network-resources-injector). */
export function parseResourceNameKeys(text: string): Result<string[]> {
  const keys = text.split(',').map((k) => k.trim());
  if (keys.some((k) => k === '')) {
    return fail(
      'InvalidConfig',
      `--network-resource-name-keys "${text}" has an empty key; give a comma-separated list`,
    );
  }
  return ok([...new Set(keys)]);
}

/**
 * Applies the `nri-control-switches` ConfigMap's `config.json` over the command-line configuration.
 * Like network-resources-injector, a missing key keeps the command-line value and invalid JSON falls back to
 * the command-line values entirely; unlike it, every ignored part is reported so the shell can log it.
 */
export function applyControlSwitches(
  base: InjectionConfig,
  configJson: string | undefined,
): { config: InjectionConfig; warnings: string[] } {
  if (configJson === undefined) return { config: base, warnings: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(configJson);
  } catch (err) {
    return {
      config: base,
      warnings: [`config.json is not valid JSON (${(err as Error).message}); using command-line settings`],
    };
  }
  if (!isPlainObject(doc))
    return { config: base, warnings: ['config.json must be a JSON object; using command-line settings'] };
  const warnings: string[] = [];
  const config: InjectionConfig = { ...base, userDefinedInjections: [] };
  const features = doc.features;
  if (features !== undefined) {
    if (!isPlainObject(features)) warnings.push('config.json "features" must be an object; ignored');
    else {
      for (const [key, value] of Object.entries(features)) {
        const field = FEATURE_SWITCHES.get(key);
        if (!field) {
          warnings.push(`config.json feature "${key}" is unknown; ignored`);
        } else if (typeof value !== 'boolean') {
          warnings.push(
            `config.json feature "${key}" must be true or false, not ${JSON.stringify(value)}; ignored`,
          );
        } else {
          config[field] = value;
        }
      }
    }
  }
  applyTrustSwitches(config, doc, warnings);
  const injections = doc['user-defined-injections'];
  if (injections !== undefined) {
    if (!isPlainObject(injections))
      warnings.push('config.json "user-defined-injections" must be an object; ignored');
    else {
      for (const [labelKey, spec] of Object.entries(injections).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const parsed = parseUserDefinedInjection(labelKey, spec);
        if (parsed.ok) config.userDefinedInjections.push(parsed.value);
        else warnings.push(`${parsed.problem.message}; ignored`);
      }
    }
  }
  return { config, warnings };
}

/**
 * `allowed-host-paths` and `trusted-nad-namespaces` (a list of strings, or one comma-separated string) replace
 * the command-line values. An entry that is refused (a forbidden path, a bad namespace name) leaves the
 * command-line value in force for that key, rather than dropping one entry and keeping the rest.
 */
function applyTrustSwitches(config: InjectionConfig, doc: Record<string, unknown>, warnings: string[]): void {
  const paths = listSwitch(
    doc,
    'allowed-host-paths',
    parseAllowedHostPaths,
    'the command-line allow-list',
    warnings,
  );
  if (paths) config.allowedHostPaths = paths;
  const namespaces = listSwitch(
    doc,
    'trusted-nad-namespaces',
    parseTrustedNamespaces,
    'the command-line namespaces',
    warnings,
  );
  if (namespaces) config.trustedNadNamespaces = namespaces;
}

/** One key's replacement list; undefined when absent, or refused with a warning saying what stays in force. */
function listSwitch<T>(
  doc: Record<string, unknown>,
  key: string,
  parse: (entries: string | readonly string[], where: string) => Result<T>,
  kept: string,
  warnings: string[],
): T | undefined {
  const value = own(doc, key);
  if (value === undefined) return undefined;
  const where = `config.json "${key}"`;
  const parsed = isTextList(value)
    ? parse(value, where)
    : fail<T>('InvalidConfig', `${where} must be a list of strings`);
  if (parsed.ok) return parsed.value;
  warnings.push(`${parsed.problem.message}; using ${kept}`);
  return undefined;
}

const isTextList = (v: unknown): v is string | string[] =>
  typeof v === 'string' || (Array.isArray(v) && v.every((e) => typeof e === 'string'));

const FEATURE_SWITCHES = new Map<string, 'injectHugepageDownApi' | 'honorResources'>([
  ['enableHugePageDownApi', 'injectHugepageDownApi'],
  ['enableHonorExistingResources', 'honorResources'],
]);

function parseUserDefinedInjection(labelKey: string, spec: unknown): Result<UserDefinedInjection> {
  const where = `config.json user-defined injection "${labelKey}"`;
  if (!isPlainObject(spec)) return fail('InvalidConfig', `${where} must be an object`);
  if (spec.op !== 'add' || spec.path !== '/metadata/annotations') {
    return fail('InvalidConfig', `${where}: only {"op":"add","path":"/metadata/annotations"} is supported`);
  }
  if (!isPlainObject(spec.value) || !Object.values(spec.value).every((v) => typeof v === 'string')) {
    return fail('InvalidConfig', `${where}: "value" must map annotation keys to strings`);
  }
  return ok({ labelKey, annotations: spec.value as Record<string, string> });
}
