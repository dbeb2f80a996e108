import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../cli/errors.js';
import { intOption } from '../cli/flags.js';
import {
  DEFAULT_MAX_NETWORKS,
  defaultInjectionConfig,
  type InjectionConfig,
  parseResourceNameKeys,
  parseTrustedNamespaces,
  RESOURCE_NAME_ANNOTATION,
} from '../core/inject/config.js';
import { DEFAULT_ALLOWED_HOST_PATHS, parseAllowedHostPaths } from '../core/inject/host-paths.js';

/** The flags that change decisions, shared by `wirespeed webhook` and `wirespeed inject` so both decide alike. */
export interface DecisionOptions {
  networkResourceNameKeys: string;
  honorResources: boolean;
  injectHugepageDownApi: boolean;
  defaultNetworkNamespace?: string;
  hugepagesMountPath: string;
  maxNetworks: number;
  allowedHostPaths: string;
  trustedNadNamespaces: string;
}

export function addDecisionOptions(command: Command): Command {
  return command
    .option(
      '--network-resource-name-keys <keys>',
      'comma-separated NAD annotation keys naming device pools; each adds 1 device per attachment',
      RESOURCE_NAME_ANNOTATION,
    )
    .option(
      '--honor-resources',
      'add to resource quantities a container already sets instead of leaving them alone',
      false,
    )
    .option(
      '--injectHugepageDownApi',
      'expose hugepages requests/limits in the podnetinfo Downward API volume',
      false,
    )
    .option(
      '--default-network-namespace <namespace>',
      "namespace of the v1.multus-cni.io/default-network NAD when it names none (default: the pod's namespace)",
    )
    .option(
      '--hugepages-mount-path <path>',
      'where the hugepages volume is mounted (one page size)',
      '/dev/hugepages',
    )
    .addOption(
      intOption(
        '--max-networks <n>',
        'most network selection elements one pod may name (networks annotation plus default network); more is denied before any lookup',
        DEFAULT_MAX_NETWORKS,
        1,
        4096,
      ),
    )
    .option(
      '--allowed-host-paths <entries>',
      'host paths NAD mounts may name, comma-separated <path>[:ro|:rw][:<hostPath type>]; read-only unless rw, type Directory unless given; "" allows none; /, /etc, /proc, /sys, kubelet and runtime state and sockets are refused',
      DEFAULT_ALLOWED_HOST_PATHS,
    )
    .option(
      '--trusted-nad-namespaces <namespaces>',
      "comma-separated namespaces whose NADs may give pods of other namespaces host mounts and hugepages (a NAD in the pod's own namespace always may)",
      '',
    );
}

/**
 * The decision configuration from parsed flags. Called when a command runs (after commander's own parsing),
 * so a refused value is a UsageError: the CLI prints it and exits 2.
 */
export function decisionConfig(opts: DecisionOptions): InjectionConfig {
  const keys = parseResourceNameKeys(opts.networkResourceNameKeys);
  if (!keys.ok) throw new UsageError(keys.problem.message);
  if (!opts.hugepagesMountPath.startsWith('/')) {
    throw new UsageError(`--hugepages-mount-path "${opts.hugepagesMountPath}" must be an absolute path`);
  }
  const allowed = parseAllowedHostPaths(
    opts.allowedHostPaths ?? DEFAULT_ALLOWED_HOST_PATHS,
    '--allowed-host-paths',
  );
  if (!allowed.ok) throw new UsageError(allowed.problem.message);
  const trusted = parseTrustedNamespaces(opts.trustedNadNamespaces ?? '', '--trusted-nad-namespaces');
  if (!trusted.ok) throw new UsageError(trusted.problem.message);
  return defaultInjectionConfig({
    resourceNameKeys: keys.value,
    allowedHostPaths: allowed.value,
    trustedNadNamespaces: trusted.value,
    honorResources: opts.honorResources,
    injectHugepageDownApi: opts.injectHugepageDownApi,
    hugepagesMountPath: opts.hugepagesMountPath,
    maxNetworks: opts.maxNetworks ?? DEFAULT_MAX_NETWORKS,
    ...(opts.defaultNetworkNamespace ? { defaultNetworkNamespace: opts.defaultNetworkNamespace } : {}),
  });
}

export function portOption(flags: string, description: string, fallback: number, allowZero = false): Option {
  return new Option(flags, description).default(fallback).argParser((text: string) => {
    const port = Number(text);
    if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
      throw new InvalidArgumentError(`"${text}" is not a port number (${allowZero ? 0 : 1}-65535)`);
    }
    return port;
  });
}

export function durationOption(flags: string, description: string, fallbackMs: number): Option {
  return new Option(flags, description)
    .default(fallbackMs, `${fallbackMs / 1000}s`)
    .argParser(parseDurationMs);
}

export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not a duration; use e.g. 500ms, 10s, 5m`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
