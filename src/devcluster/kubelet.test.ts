import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { checkNodeName, nodeReadyFrom } from './kubelet.js';

function node(status: string, heartbeat: string, port = 10250): V1Node {
  return {
    status: {
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status, lastHeartbeatTime: new Date(heartbeat) },
      ],
    },
  };
}

describe('nodeReadyFrom', () => {
  const restart = Date.parse('2026-12-01T10:00:05.400Z');

  it('at first start takes a Ready node that names our kubelet port', () => {
    expect(nodeReadyFrom(node('True', '2026-12-01T09:00:00Z'), { port: 10250 })).toBe(true);
    expect(nodeReadyFrom(node('False', '2026-12-01T09:00:00Z'), { port: 10250 })).toBe(false);
    expect(nodeReadyFrom(undefined, { port: 10250 })).toBe(false);
  });

  it('ignores a Node left Ready by an earlier kubelet of the same name', () => {
    expect(nodeReadyFrom(node('True', '2026-12-01T09:00:00Z', 40000), { port: 10250 })).toBe(false);
  });

  it('after a restart wants a heartbeat from a later whole second than the old kubelet could send', () => {
    // Heartbeats are whole seconds: 10:00:05 may come from the kubelet that was stopped at 10:00:05.4.
    expect(nodeReadyFrom(node('True', '2026-12-01T10:00:05Z'), { port: 10250, after: restart })).toBe(false);
    expect(nodeReadyFrom(node('True', '2026-12-01T10:00:06Z'), { port: 10250, after: restart })).toBe(true);
    expect(nodeReadyFrom(node('Unknown', '2026-12-01T10:00:07Z'), { port: 10250, after: restart })).toBe(
      false,
    );
  });
});

describe('checkNodeName', () => {
  it.each(['real-a', 'n1', 'worker.zone-1'])('accepts %j', (name) => {
    expect(() => checkNodeName(name)).not.toThrow();
  });

  it.each(['', 'Real', 'a_b', '-a', 'a-', 'a..b', 'x'.repeat(254)])('rejects %j', (name) => {
    expect(() => checkNodeName(name)).toThrow(
      `node name ${JSON.stringify(name)} is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')`,
    );
  });
});
