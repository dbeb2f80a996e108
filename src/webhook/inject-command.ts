import { Command, Option } from 'commander';
import fastJsonPatch from 'fast-json-patch';
import { stringify } from 'yaml';
import type { Pod } from '../api/core-v1.js';
import type { NetworkAttachmentDefinition } from '../api/nad.js';
import { NAD_KIND } from '../api/nad.js';
import { CommandExit, EXIT, UsageError } from '../cli/errors.js';
import { parseObjects, readSource } from '../cli/objects.js';
import { applyControlSwitches } from '../core/inject/config.js';
import { nadKey, planInjection } from '../core/inject/plan.js';
import { addDecisionOptions, type DecisionOptions, decisionConfig } from './options.js';

const sourceName = (path: string): string => (path === '-' ? 'standard input' : path);

/**
 * Labels and annotations are strings in the API; YAML reads `networks: 1`, `null` or `true` as other types,
 * which the API server would refuse ("cannot unmarshal number into ... of type string"). Say so, and how to
 * write it, rather than deciding on a value the cluster would never see.
 */
function checkStringMap(map: unknown, where: string): void {
  if (map === undefined) return;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new UsageError(`${where} must be a map of strings`);
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') {
      const shown = value === null ? 'null' : `the ${typeof value} ${JSON.stringify(value) ?? String(value)}`;
      throw new UsageError(
        `${where} ${JSON.stringify(key)} is ${shown}, but values there are strings; quote it in the YAML`,
      );
    }
  }
}

function checkMetadata(metadata: unknown, where: string): void {
  if (metadata === undefined) return;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new UsageError(`${where}: metadata must be a map`);
  const { labels, annotations } = metadata as { labels?: unknown; annotations?: unknown };
  checkStringMap(labels, `${where}: metadata.labels`);
  checkStringMap(annotations, `${where}: metadata.annotations`);
}

export function readPod(objects: unknown[], source: string): Pod {
  const pods = objects.filter((o) => (o as { kind?: unknown } | null)?.kind === 'Pod');
  if (pods.length !== 1) throw new UsageError(`${source} must hold exactly one Pod, found ${pods.length}`);
  const pod = pods[0] as Pod;
  if (!Array.isArray(pod.spec?.containers)) throw new UsageError(`${source}: the Pod has no spec.containers`);
  checkMetadata(pod.metadata, source);
  checkStringMap(pod.spec.nodeSelector, `${source}: spec.nodeSelector`);
  return pod;
}

export function readNads(
  objects: unknown[],
  source: string,
  defaultNamespace: string,
): NetworkAttachmentDefinition[] {
  return objects.map((o, i) => {
    const nad = o as (Partial<NetworkAttachmentDefinition> & { kind?: unknown }) | null;
    if (nad?.kind !== NAD_KIND || typeof nad.metadata?.name !== 'string') {
      throw new UsageError(`${source} item ${i + 1} is not a ${NAD_KIND} with metadata.name`);
    }
    checkMetadata(nad.metadata, `${source} item ${i + 1} (${nad.metadata.name})`);
    return {
      ...nad,
      metadata: { ...nad.metadata, namespace: nad.metadata.namespace ?? defaultNamespace },
    } as NetworkAttachmentDefinition;
  });
}

async function readAll(path: string): Promise<unknown[]> {
  return parseObjects(await readSource(path), sourceName(path));
}

interface InjectOptions extends DecisionOptions {
  file: string;
  nads?: string;
  config?: string;
  namespace?: string;
  output: 'yaml' | 'json' | 'patch';
}

export function injectCommand(): Command {
  const command = new Command('inject')
    .description(
      'Decide offline what the webhook would do to a pod: print the mutated pod, or the JSON patch',
    )
    .requiredOption('-f, --file <pod>', 'the Pod, YAML or JSON ("-" for standard input)')
    .option(
      '--nads <file>',
      'NetworkAttachmentDefinitions: a List, an array, or multi-document YAML ("-" for standard input)',
    )
    .option('--config <file>', 'nri-control-switches: the ConfigMap, or its config.json')
    .option('-n, --namespace <namespace>', 'namespace of the pod when it names none', 'default')
    .addOption(
      new Option('-o, --output <format>', 'what to print').choices(['yaml', 'json', 'patch']).default('yaml'),
    );
  addDecisionOptions(command);
  command.addHelpText(
    'after',
    `
Exit codes: 0 allowed (with or without changes), 3 denied (the reason on stderr), 2 unreadable or unusable
input (not YAML or JSON, not a Pod, an annotation that is not a string, a refused flag).

Examples:
  wirespeed inject -f pod.yaml --nads nads.yaml
  kubectl get net-attach-def -A -o yaml | wirespeed inject -f pod.yaml --nads - -o patch`,
  );
  command.action(async (opts: InjectOptions) => {
    await runInject(
      opts,
      (text) => process.stdout.write(text),
      (text) => process.stderr.write(text),
    );
  });
  return command;
}

/**
 * Decides and prints. Bad input throws a UsageError (exit 2, the message printed by the CLI's entry); a deny
 * prints its reason and throws CommandExit(3).
 */
export async function runInject(
  opts: InjectOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<void> {
  if (opts.file === '-' && opts.nads === '-')
    throw new UsageError('only one of --file and --nads can read standard input');
  const pod = readPod(await readAll(opts.file), sourceName(opts.file));
  const namespace = pod.metadata?.namespace ?? opts.namespace ?? 'default';
  const nads = opts.nads ? readNads(await readAll(opts.nads), sourceName(opts.nads), namespace) : [];
  let config = decisionConfig(opts);
  if (opts.config) {
    const applied = applyControlSwitches(config, await readSwitches(opts.config));
    for (const warning of applied.warnings) err(`warning: ${warning}\n`);
    config = applied.config;
  }
  const index = new Map(
    nads.map((n) => [nadKey({ namespace: n.metadata.namespace!, name: n.metadata.name }), n]),
  );
  const decision = planInjection(pod, index, config, { namespace });
  if (!decision.ok) {
    err(`denied (${decision.problem.code}): ${decision.problem.message}\n`);
    throw new CommandExit(EXIT.denied);
  }
  const { ops } = decision.value;
  if (opts.output === 'patch') {
    out(`${JSON.stringify(ops, null, 2)}\n`);
    return;
  }
  const mutated = fastJsonPatch.applyPatch(
    structuredClone(pod),
    ops as fastJsonPatch.Operation[],
    true,
    false,
  ).newDocument;
  out(opts.output === 'json' ? `${JSON.stringify(mutated, null, 2)}\n` : stringify(mutated));
}

async function readSwitches(path: string): Promise<string> {
  const text = await readSource(path);
  const objects = parseObjects(text, sourceName(path));
  const configMap = objects.find((o) => (o as { kind?: unknown } | null)?.kind === 'ConfigMap') as
    | { data?: Record<string, unknown> }
    | undefined;
  if (!configMap) return text;
  const json = configMap.data?.['config.json'];
  if (typeof json !== 'string')
    throw new UsageError(`${sourceName(path)}: the ConfigMap has no string data."config.json"`);
  return json;
}
