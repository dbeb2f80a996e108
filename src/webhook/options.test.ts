import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addDecisionOptions, type DecisionOptions, decisionConfig } from './options.js';

function configFrom(...args: string[]) {
  const command = addDecisionOptions(new Command('x').exitOverride());
  command.parse(args, { from: 'user' });
  return decisionConfig(command.opts<DecisionOptions>());
}

describe('decision flags', () => {
  it('default to the dataplane allow-list, no trusted namespaces and 64 networks', () => {
    const config = configFrom();
    expect(config.allowedHostPaths.map((r) => r.path)).toEqual([
      '/var/run/vhost-user',
      '/var/lib/vhost_sockets',
      '/run/memif',
      '/dev/vfio',
    ]);
    expect(config.trustedNadNamespaces).toEqual([]);
    expect(config.maxNetworks).toBe(64);
  });

  it('read the allow-list, trusted namespaces and cap', () => {
    const config = configFrom(
      '--allowed-host-paths',
      '/srv/sock:rw:Socket',
      '--trusted-nad-namespaces',
      'infra, net-admin',
      '--max-networks',
      '8',
    );
    expect(config.allowedHostPaths).toEqual([{ path: '/srv/sock', writable: true, type: 'Socket' }]);
    expect(config.trustedNadNamespaces).toEqual(['infra', 'net-admin']);
    expect(config.maxNetworks).toBe(8);
    expect(configFrom('--allowed-host-paths', '').allowedHostPaths).toEqual([]);
  });

  it('refuse at start-up an allow-list naming what would hand over the node, with a clear error', () => {
    for (const entry of ['/', '/etc', '/var/run/docker.sock', '/var/lib/kubelet', '/proc', '/sys']) {
      expect(() => configFrom('--allowed-host-paths', `/run/memif:rw,${entry}`), entry).toThrow(
        `--allowed-host-paths entry "${entry}": `,
      );
    }
    expect(() => configFrom('--allowed-host-paths', '/run/containerd/containerd.sock')).toThrow(
      "is within /run/containerd, which holds containerd's API socket; it may never be mounted into pods, so remove it",
    );
    expect(() => configFrom('--trusted-nad-namespaces', 'Bad_NS')).toThrow(
      '--trusted-nad-namespaces entry "Bad_NS" is not a namespace name',
    );
    expect(() => configFrom('--max-networks', '0')).toThrow('"0" is not a whole number from 1 to 4096');
  });
});
