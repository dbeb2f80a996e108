import { describe, expect, it } from 'vitest';
import type { PolicyOutcome } from '../core/pools/outcomes.js';
import { policySync } from './policy-outcomes.js';

const valid = { type: 'Valid', status: 'True', reason: 'Valid', message: 'the spec is valid' } as const;
const noConflict = {
  type: 'Conflict',
  status: 'False',
  reason: 'NoConflict',
  message: 'no other policy claims its VFs',
} as const;

describe('policySync', () => {
  it('Succeeded with the generations of applied policies; not selected and no NIC are not failures', () => {
    const outcomes: PolicyOutcome[] = [
      {
        policy: 'ws/a',
        generation: 3,
        applied: true,
        conditions: [
          valid,
          { type: 'Applicable', status: 'True', reason: 'Matched', message: 'm' },
          noConflict,
        ],
      },
      {
        policy: 'ws/b',
        generation: 1,
        applied: false,
        conditions: [valid, { type: 'Applicable', status: 'False', reason: 'NodeNotSelected', message: 'm' }],
      },
      {
        policy: 'ws/c',
        generation: 2,
        applied: false,
        conditions: [
          valid,
          { type: 'Applicable', status: 'False', reason: 'NoMatchingNic', message: 'm' },
          noConflict,
        ],
      },
    ];
    expect(policySync(outcomes)).toEqual({ syncStatus: 'Succeeded', policyGenerations: { 'ws/a': 3 } });
  });

  it('Failed naming each invalid, conflicting or oversized policy', () => {
    const outcomes: PolicyOutcome[] = [
      {
        policy: 'ws/bad',
        applied: false,
        conditions: [
          { type: 'Valid', status: 'False', reason: 'InvalidSpec', message: 'numVfs must be ≥ 0' },
        ],
      },
      {
        policy: 'ws/big',
        generation: 1,
        applied: false,
        conditions: [
          valid,
          {
            type: 'Applicable',
            status: 'False',
            reason: 'NumVfsAboveTotalVfs',
            message: 'numVfs 99 is more than PF p supports',
          },
        ],
      },
      {
        policy: 'ws/lost',
        generation: 4,
        applied: true,
        conditions: [
          valid,
          { type: 'Conflict', status: 'True', reason: 'OverriddenByPriority', message: 'VFs 0-3 go to ws/x' },
        ],
      },
    ];
    expect(policySync(outcomes)).toEqual({
      syncStatus: 'Failed',
      syncMessage:
        'policy ws/bad InvalidSpec: numVfs must be ≥ 0; policy ws/big NumVfsAboveTotalVfs: numVfs 99 is more than PF p supports; policy ws/lost OverriddenByPriority: VFs 0-3 go to ws/x',
      policyGenerations: { 'ws/lost': 4 },
    });
  });

  it('caps the message', () => {
    const outcomes: PolicyOutcome[] = Array.from({ length: 50 }, (_, i) => ({
      policy: `ws/p${i}`,
      applied: false,
      conditions: [{ type: 'Valid', status: 'False', reason: 'InvalidSpec', message: 'x'.repeat(40) }],
    }));
    const sync = policySync(outcomes);
    expect(sync.syncMessage?.length).toBe(1024);
    expect(sync.syncMessage?.endsWith('…')).toBe(true);
  });
});
