import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import fastJsonPatch from 'fast-json-patch';
import { parseAllDocuments, stringify } from 'yaml';
import { applyControlSwitches } from '../core/inject/config.js';
import { nadKey, planInjection } from '../core/inject/plan.js';
import type { NetworkAttachmentDefinition, Pod } from '../core/kube.js';
import { NAD_KIND } from '../kube/nad.js';
import { addDecisionOptions, type DecisionOptions, decisionConfig } from './options.js';

export const EXIT_DENIED = 3;
export const EXIT_BAD_INPUT = 2;

/** Input the command cannot use; reported on stderr with exit code 2. */
export class InputError extends Error {}

async function readSource(path: string): Promise<string> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${path === '-' ? 'standard input' : path}: ${(err as Error).message}`);
  }
}

/** YAML or JSON (JSON is YAML), one or more documents; Lists and arrays are flattened. */
export function parseObjects(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text);
  const objects: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0)
      throw new InputError(`${source} is not valid YAML or JSON: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) objects.push(...value);
    else if (typeof value === 'object' && Array.isArray((value as { items?: unknown }).items)) {
      objects.push(...(value as { items: unknown[] }).items);
    } else objects.push(value);
  }
  return objects;
}

export function readPod(objects: unknown[], source: string): Pod {
  const pods = objects.filter((o) => (o as { kind?: unknown }).kind === 'Pod');
  if (pods.length !== 1) throw new InputError(`${source} must hold exactly one Pod, found ${pods.length}`);
  const pod = pods[0] as Pod;
  if (!Array.isArray(pod.spec?.containers)) throw new InputError(`${source}: the Pod has no spec.containers`);
  return pod;
}

export function readNads(
  objects: unknown[],
  source: string,
  defaultNamespace: string,
): NetworkAttachmentDefinition[] {
  return objects.map((o, i) => {
    const nad = o as Partial<NetworkAttachmentDefinition> & { kind?: unknown };
    if (nad.kind !== NAD_KIND || typeof nad.metadata?.name !== 'string') {
      throw new InputError(`${source} item ${i + 1} is not a ${NAD_KIND} with metadata.name`);
    }
    return {
      ...nad,
      metadata: { ...nad.metadata, namespace: nad.metadata.namespace ?? defaultNamespace },
    } as NetworkAttachmentDefinition;
  });
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
Exit codes: 0 allowed (with or without changes), 3 denied (the reason on stderr), 2 unreadable input.

Examples:
  wirespeed inject -f pod.yaml --nads nads.yaml
  kubectl get net-attach-def -A -o yaml | wirespeed inject -f pod.yaml --nads - -o patch`,
  );
  command.action(async (opts: InjectOptions) => {
    const code = await runInject(
      opts,
      (text) => process.stdout.write(text),
      (text) => process.stderr.write(text),
    );
    process.exitCode = code;
  });
  return command;
}

export async function runInject(
  opts: InjectOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    if (opts.file === '-' && opts.nads === '-')
      throw new InputError('only one of --file and --nads can read standard input');
    const pod = readPod(parseObjects(await readSource(opts.file), opts.file), opts.file);
    const namespace = pod.metadata?.namespace ?? opts.namespace ?? 'default';
    const nads = opts.nads
      ? readNads(parseObjects(await readSource(opts.nads), opts.nads), opts.nads, namespace)
      : [];
    let config = decisionConfig(opts);
    if (opts.config) {
      const switches = await readSwitches(opts.config);
      const applied = applyControlSwitches(config, switches);
      for (const warning of applied.warnings) err(`warning: ${warning}\n`);
      config = applied.config;
    }
    const index = new Map(
      nads.map((n) => [nadKey({ namespace: n.metadata.namespace!, name: n.metadata.name }), n]),
    );
    const decision = planInjection(pod, index, config, { namespace });
    if ('deny' in decision) {
      err(`denied (${decision.deny.code}): ${decision.deny.message}\n`);
      return EXIT_DENIED;
    }
    if (opts.output === 'patch') {
      out(`${JSON.stringify(decision.ops, null, 2)}\n`);
    } else {
      const mutated = fastJsonPatch.applyPatch(
        structuredClone(pod),
        decision.ops as fastJsonPatch.Operation[],
        true,
        false,
      ).newDocument;
      out(opts.output === 'json' ? `${JSON.stringify(mutated, null, 2)}\n` : stringify(mutated));
    }
    return 0;
  } catch (e) {
    if (e instanceof InputError || (e as { code?: string }).code === 'commander.invalidArgument') {
      err(`wirespeed inject: ${(e as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
}

async function readSwitches(path: string): Promise<string> {
  const text = await readSource(path);
  const objects = parseObjects(text, path);
  const configMap = objects.find((o) => (o as { kind?: unknown }).kind === 'ConfigMap') as
    | { data?: Record<string, string> }
    | undefined;
  if (!configMap) return text;
  const json = configMap.data?.['config.json'];
  if (json === undefined) throw new InputError(`${path}: the ConfigMap has no data."config.json"`);
  return json;
}
