import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { nodeReadySince } from './kubelet.js';

function node(status: string, heartbeat: string): V1Node {
  return {
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status, lastHeartbeatTime: new Date(heartbeat) },
      ],
    },
  };
}

describe('nodeReadySince', () => {
  const restart = Date.parse('2026-12-01T10:00:05.400Z');

  it('takes any Ready node at first start', () => {
    expect(nodeReadySince(node('True', '2026-12-01T09:00:00Z'), 0)).toBe(true);
    expect(nodeReadySince(node('False', '2026-12-01T09:00:00Z'), 0)).toBe(false);
    expect(nodeReadySince(undefined, 0)).toBe(false);
  });

  it('after a restart wants a heartbeat from a later whole second than the old kubelet could send', () => {
    // Heartbeats are whole seconds: 10:00:05 may come from the kubelet that was stopped at 10:00:05.4.
    expect(nodeReadySince(node('True', '2026-12-01T10:00:05Z'), restart)).toBe(false);
    expect(nodeReadySince(node('True', '2026-12-01T10:00:06Z'), restart)).toBe(true);
    expect(nodeReadySince(node('Unknown', '2026-12-01T10:00:07Z'), restart)).toBe(false);
  });
});
