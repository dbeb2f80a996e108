/**
 * Checks one NetworkNodePolicy on its own (fields, ranges, formats); checks against the host (numVfs above
 * `sriov_totalvfs`) and against other policies (overlapping VF ranges) are pool selection's. Takes anything,
 * never throws, and reports every problem, each naming its field.
 */
import { DEVICE_TYPES, type NetworkNodePolicy } from '../../api/wirespeed-v1alpha1.js';
import { fail, ok, type Result } from '../problem.js';
import {
  DEFAULT_PRIORITY,
  DEFAULT_RESOURCE_PREFIX,
  fullResourceName,
  isDeviceType,
  isRecord,
  looseKey,
  type PfNameSelector,
  POLICY_LIMITS,
  parsePfName,
  policyPatterns,
  resourceNameProblem,
  type ValidPolicy,
} from './policy.js';

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The policy normalised, or one problem whose message lists everything wrong with it. */
export function validatePolicy(
  policy: unknown,
  resourcePrefix = DEFAULT_RESOURCE_PREFIX,
): Result<ValidPolicy> {
  const problems: string[] = [];
  const valid = checkPolicy(policy, resourcePrefix, problems);
  if (problems.length > 0 || valid === null)
    return fail('InvalidPolicy', `NetworkNodePolicy ${looseKey(policy)}: ${problems.join('; ')}`);
  return ok(valid);
}

function checkPolicy(policy: unknown, prefix: string, problems: string[]): ValidPolicy | null {
  const meta = isRecord(policy) && isRecord(policy.metadata) ? policy.metadata : null;
  if (!meta || typeof meta.name !== 'string' || meta.name === '') problems.push('metadata.name is missing');
  const spec = isRecord(policy) && isRecord(policy.spec) ? policy.spec : null;
  if (!spec) {
    problems.push(
      'spec is missing; a policy needs at least spec.resourceName, spec.nicSelector and spec.numVfs',
    );
    return null;
  }
  const resourceName = checkResourceName(spec.resourceName, problems);
  const numVfs = checkNumVfs(spec.numVfs, problems);
  const priority = spec.priority ?? DEFAULT_PRIORITY;
  if (!isInt(priority, 0, 99))
    problems.push(`spec.priority ${show(spec.priority)} must be a whole number 0-99 (0 wins)`);
  const deviceType = spec.deviceType ?? 'netdevice';
  if (!isDeviceType(deviceType))
    problems.push(`spec.deviceType ${show(spec.deviceType)} must be one of ${DEVICE_TYPES.join(', ')}`);
  if (spec.mtu !== undefined && !isInt(spec.mtu, 68, 65535))
    problems.push(`spec.mtu ${show(spec.mtu)} must be a whole number 68-65535`);
  const nodeSelector = checkNodeSelector(spec.nodeSelector, problems);
  const nicSelector = checkNicSelector(spec.nicSelector, numVfs, problems);
  const hugepages = checkHugepages(spec.hugepages, problems);
  if (problems.length > 0 || resourceName === null || numVfs === null || nicSelector === null) return null;
  const p = policy as NetworkNodePolicy;
  return {
    key: looseKey(policy),
    ...(typeof p.metadata.generation === 'number' ? { generation: p.metadata.generation } : {}),
    resourceName: fullResourceName(resourceName, prefix),
    priority: priority as number,
    nodeSelector,
    deviceType: isDeviceType(deviceType) ? deviceType : 'netdevice',
    numVfs,
    ...(spec.mtu !== undefined ? { mtu: spec.mtu as number } : {}),
    nicSelector,
    ...(hugepages ? { hugepages } : {}),
  };
}

function show(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = typeof v; // a cycle or a BigInt: name the kind rather than fail
  }
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function checkResourceName(v: unknown, problems: string[]): string | null {
  if (typeof v !== 'string' || v === '') {
    problems.push('spec.resourceName is missing; name the pool, e.g. sriov_a or example.com/sriov_a');
    return null;
  }
  const problem = resourceNameProblem(v);
  if (problem) problems.push(`spec.resourceName ${problem}`);
  return problem ? null : v;
}

function checkNumVfs(v: unknown, problems: string[]): number | null {
  if (isInt(v, 0, POLICY_LIMITS.numVfs)) return v;
  problems.push(
    `spec.numVfs ${v === undefined ? 'is missing' : show(v)}; it must be a whole number 0-${POLICY_LIMITS.numVfs}`,
  );
  return null;
}

function checkNodeSelector(v: unknown, problems: string[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    problems.push('spec.nodeSelector must map label names to string values');
    return {};
  }
  return { ...(v as Record<string, string>) };
}

function checkNicSelector(
  v: unknown,
  numVfs: number | null,
  problems: string[],
): ValidPolicy['nicSelector'] | null {
  if (!isRecord(v)) {
    problems.push(
      'spec.nicSelector is missing; select PFs by vendor, deviceID, pfNames, rootDevices or netFilter',
    );
    return null;
  }
  const out: ValidPolicy['nicSelector'] = {};
  for (const field of ['vendor', 'deviceID'] as const) {
    if (v[field] === undefined) continue;
    if (typeof v[field] === 'string' && policyPatterns.HEX_ID.test(v[field]))
      out[field] = v[field].toLowerCase();
    else
      problems.push(`spec.nicSelector.${field} ${show(v[field])} must be 4 hex digits without 0x, e.g. 8086`);
  }
  const pfNames = stringList(v.pfNames, 'pfNames', problems);
  if (pfNames) out.pfNames = pfNames.flatMap((text, i) => checkPfName(text, i, numVfs, problems));
  const roots = stringList(v.rootDevices, 'rootDevices', problems);
  if (roots) {
    roots.forEach((r, i) => {
      if (!policyPatterns.PCI_ADDRESS.test(r))
        problems.push(
          `spec.nicSelector.rootDevices[${i}] ${show(r)} is not a PCI address, e.g. 0000:3b:00.0`,
        );
    });
    out.rootDevices = roots.map((r) => r.toLowerCase());
  }
  if (v.netFilter !== undefined) {
    if (typeof v.netFilter === 'string' && v.netFilter !== '') out.netFilter = v.netFilter;
    else
      problems.push('spec.nicSelector.netFilter must be a non-empty string, e.g. openstack/NetworkID:<uuid>');
  }
  if (Object.keys(out).length === 0 && problems.length === 0)
    problems.push(
      'spec.nicSelector selects nothing; set vendor, deviceID, pfNames, rootDevices or netFilter',
    );
  return out;
}

function stringList(v: unknown, field: string, problems: string[]): string[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    problems.push(`spec.nicSelector.${field} must be a list of strings`);
    return null;
  }
  if (v.length > POLICY_LIMITS.listItems) {
    problems.push(`spec.nicSelector.${field} has ${v.length} entries; at most ${POLICY_LIMITS.listItems}`);
    return null;
  }
  return v as string[];
}

function checkPfName(text: string, i: number, numVfs: number | null, problems: string[]): PfNameSelector[] {
  const parsed = parsePfName(text);
  if (!parsed.ok) {
    problems.push(`spec.nicSelector.pfNames[${i}] ${parsed.problem.message}`);
    return [];
  }
  const range = parsed.value.range;
  if (range && numVfs !== null && range.last >= numVfs)
    problems.push(
      `spec.nicSelector.pfNames[${i}] "${text}" reaches VF ${range.last}, but numVfs ${numVfs} makes VFs 0-${numVfs - 1}; raise numVfs or lower the range`,
    );
  return [parsed.value];
}

function checkHugepages(v: unknown, problems: string[]): ValidPolicy['hugepages'] | null {
  if (v === undefined || v === null) return null;
  const example = 'e.g. { "1Gi": { "0": 4, "1": 4 } }';
  if (!isRecord(v)) {
    problems.push(`spec.hugepages must map a page size to NUMA node → pages, ${example}`);
    return null;
  }
  for (const [size, nodes] of Object.entries(v)) {
    if (!policyPatterns.PAGE_SIZE.test(size))
      problems.push(`spec.hugepages: "${size}" is not a page size like 2Mi or 1Gi`);
    if (!isRecord(nodes)) {
      problems.push(`spec.hugepages.${size} must map NUMA node → pages, ${example}`);
      continue;
    }
    for (const [node, pages] of Object.entries(nodes)) {
      if (!/^\d{1,4}$/.test(node))
        problems.push(`spec.hugepages.${size}: "${node}" is not a NUMA node number`);
      if (!isInt(pages, 0, POLICY_LIMITS.hugepages))
        problems.push(
          `spec.hugepages.${size}.${node}: ${show(pages)} pages must be a whole number 0-${POLICY_LIMITS.hugepages}`,
        );
    }
  }
  return v as Record<string, Record<string, number>>;
}
