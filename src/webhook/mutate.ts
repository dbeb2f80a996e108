import type { AdmissionRequest } from '../api/admission-v1.js';
import type { NetworkAttachmentDefinition } from '../api/nad.js';
import {
  allowed,
  checkPodCreate,
  decodeAdmissionReview,
  denied,
  patched,
  statusBody,
} from '../core/admission.js';
import type { InjectionConfig } from '../core/inject/config.js';
import { nadKey, type ParsedNad, parseNad, planPrepared, prepareInjection } from '../core/inject/plan.js';
import { type Problem, problem } from '../core/problem.js';
import { NadLookupError, type NadSource } from './nad-source.js';

export type Outcome = 'patched' | 'unchanged' | 'denied' | 'invalid' | 'error';

export interface AdmissionResult {
  httpStatus: number;
  body: unknown;
  outcome: Outcome;
  request?: AdmissionRequest;
  problem?: Problem;
  ops?: number;
}

export interface MutateDeps {
  nads: NadSource;
  config: () => InjectionConfig;
}

/**
 * One AdmissionReview in, one answer out. Anything wrong with the pod is a deny inside a 200 AdmissionReview
 * (so the user sees our message whatever the failurePolicy); only a body that is not an AdmissionReview v1
 * gets an HTTP 400, since there is no uid to answer.
 */
export async function handleAdmission(body: unknown, deps: MutateDeps): Promise<AdmissionResult> {
  const decoded = decodeAdmissionReview(body);
  if (!decoded.ok) {
    return {
      httpStatus: 400,
      body: statusBody(400, decoded.problem.message),
      outcome: 'invalid',
      problem: decoded.problem,
    };
  }
  const request = decoded.value;
  const deny = (p: Problem): AdmissionResult => ({
    httpStatus: 200,
    body: denied(request.uid, p),
    outcome: 'denied',
    request,
    problem: p,
  });
  const pod = checkPodCreate(request);
  if (!pod.ok) return deny(pod.problem);
  if (request.operation !== 'CREATE')
    return { httpStatus: 200, body: allowed(request.uid), outcome: 'unchanged', request };

  const config = deps.config();
  const ctx = request.namespace ? { namespace: request.namespace } : {};
  const prepared = prepareInjection(request.object, config, ctx);
  if (!prepared.ok) return deny(prepared.problem);

  // Each NAD as the source parsed it on arrival; one the source did not parse is parsed here.
  const nads = new Map<string, ParsedNad>();
  const add = (key: string, nad: NetworkAttachmentDefinition | undefined): void => {
    if (nad) nads.set(key, deps.nads.parsed?.(nad) ?? parseNad(nad, key, config.resourceNameKeys));
  };
  const pending: Array<Promise<void>> = [];
  for (const ref of prepared.value.references) {
    const key = nadKey(ref);
    const found = deps.nads.get(ref.namespace, ref.name);
    if (found instanceof Promise) pending.push(found.then((nad) => add(key, nad)));
    else add(key, found);
  }
  if (pending.length > 0) {
    try {
      await Promise.all(pending);
    } catch (err) {
      if (err instanceof NadLookupError)
        return deny(problem('LookupFailed', `${err.message}; retry shortly`));
      throw err;
    }
  }

  const decision = planPrepared(prepared.value, nads);
  if (!decision.ok) return deny(decision.problem);
  const { ops } = decision.value;
  return {
    httpStatus: 200,
    body: patched(request.uid, ops),
    outcome: ops.length > 0 ? 'patched' : 'unchanged',
    request,
    ops: ops.length,
  };
}
