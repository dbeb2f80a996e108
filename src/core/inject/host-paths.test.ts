import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_HOST_PATHS, forbiddenReason, parseAllowedHostPaths, ruleFor } from './host-paths.js';

describe('parseAllowedHostPaths', () => {
  it('reads the default: socket directories writable, /dev/vfio read-only, all of type Directory', () => {
    expect(parseAllowedHostPaths(DEFAULT_ALLOWED_HOST_PATHS, '--allowed-host-paths')).toEqual({
      ok: true,
      value: [
        { path: '/var/run/vhost-user', writable: true, type: 'Directory' },
        { path: '/var/lib/vhost_sockets', writable: true, type: 'Directory' },
        { path: '/run/memif', writable: true, type: 'Directory' },
        { path: '/dev/vfio', writable: false, type: 'Directory' },
      ],
    });
  });

  it('normalises entries and reads options in either order', () => {
    expect(parseAllowedHostPaths(['//srv/dpdk/./sock/', '/srv/x:Socket:rw'], 'config.json')).toEqual({
      ok: true,
      value: [
        { path: '/srv/dpdk/sock', writable: false, type: 'Directory' },
        { path: '/srv/x', writable: true, type: 'Socket' },
      ],
    });
    expect(parseAllowedHostPaths('', 'x')).toEqual({ ok: true, value: [] });
  });

  it('refuses, even when listed, what would hand over the node', () => {
    const cases: Array<[string, string]> = [
      ['/', "/ is the node's root or a top-level directory"],
      ['/etc', "/etc holds the node's configuration and credentials"],
      ['/./etc/', "/etc holds the node's configuration and credentials"],
      ['/var/run/docker.sock', "/var/run/docker.sock is Docker's API socket"],
      ['/run/docker.sock:ro', "/run/docker.sock is Docker's API socket"],
      ['/var/lib/kubelet', "/var/lib/kubelet holds the kubelet's state"],
      ['/var/lib/kubelet/pods', '/var/lib/kubelet/pods is within /var/lib/kubelet'],
      ['/var/lib', '/var/lib contains /var/lib/kubelet'],
      ['/var', "/var is the node's root or a top-level directory"],
      ['/proc', "/proc exposes the node's processes"],
      ['/sys/bus/pci', '/sys/bus/pci is within /sys'],
      [
        '/var/run/containerd/containerd.sock',
        '/var/run/containerd/containerd.sock is within /run/containerd',
      ],
      ['/run/crio/crio.sock', '/run/crio/crio.sock is within /run/crio'],
      ['/dev', "/dev is the node's root or a top-level directory"],
    ];
    for (const [entry, why] of cases) {
      const parsed = parseAllowedHostPaths(`/run/memif:rw,${entry}`, '--allowed-host-paths');
      expect(parsed.ok, entry).toBe(false);
      if (!parsed.ok) {
        expect(parsed.problem.code).toBe('InvalidConfig');
        expect(parsed.problem.message).toContain(`--allowed-host-paths entry "${entry}": ${why}`);
        expect(parsed.problem.message).toContain('it may never be mounted into pods, so remove it');
      }
    }
  });

  it('refuses relative paths, .., unknown options and conflicting duplicates', () => {
    const message = (text: string) => {
      const parsed = parseAllowedHostPaths(text, 'f');
      return parsed.ok ? undefined : parsed.problem.message;
    };
    expect(message('srv/x')).toBe(`f entry "srv/x": the path must be absolute, without '..' or whitespace`);
    expect(message('/srv/a/../b')).toContain('without');
    expect(message('/srv/x:wr')).toContain('"wr" is not ro, rw or a hostPath type');
    expect(message('/srv/x:rw:ro')).toContain('or is given twice');
    expect(message('/srv/x:rw,/srv/x/')).toBe('f lists /srv/x twice with different settings');
  });
});

describe('ruleFor and forbiddenReason', () => {
  const rules = [
    { path: '/srv', writable: false, type: 'Directory' as const },
    { path: '/srv/sock', writable: true, type: 'Socket' as const },
  ];
  it('picks the most specific entry at a path boundary', () => {
    expect(ruleFor(rules, '/srv/sock/a')?.path).toBe('/srv/sock');
    expect(ruleFor(rules, '/srv/socks')?.path).toBe('/srv');
    expect(ruleFor(rules, '/srvx')).toBeUndefined();
  });
  it('allows the dataplane directories', () => {
    for (const path of ['/var/run/vhost-user', '/run/memif', '/dev/vfio', '/var/lib/vhost_sockets'])
      expect(forbiddenReason(path), path).toBeUndefined();
  });
});
