import { describe, expect, it } from 'vitest';
import { applyControlSwitches, defaultInjectionConfig } from './config.js';

describe('applyControlSwitches: trust settings', () => {
  const base = defaultInjectionConfig({ trustedNadNamespaces: ['infra'] });

  it('replaces the allow-list and trusted namespaces from config.json', () => {
    const { config, warnings } = applyControlSwitches(
      base,
      JSON.stringify({ 'allowed-host-paths': ['/srv/sock:rw'], 'trusted-nad-namespaces': 'net, infra2' }),
    );
    expect(warnings).toEqual([]);
    expect(config.allowedHostPaths).toEqual([{ path: '/srv/sock', writable: true, type: 'Directory' }]);
    expect(config.trustedNadNamespaces).toEqual(['net', 'infra2']);
  });

  it('keeps the command-line values when an entry is refused, saying why', () => {
    const { config, warnings } = applyControlSwitches(
      base,
      JSON.stringify({ 'allowed-host-paths': ['/srv/sock', '/'], 'trusted-nad-namespaces': [7] }),
    );
    expect(config.allowedHostPaths).toBe(base.allowedHostPaths);
    expect(config.trustedNadNamespaces).toEqual(['infra']);
    expect(warnings).toEqual([
      `config.json "allowed-host-paths" entry "/": / is the node's root or a top-level directory, which holds far more than a dataplane needs; it may never be mounted into pods, so remove it; using the command-line allow-list`,
      'config.json "trusted-nad-namespaces" must be a list of strings; using the command-line namespaces',
    ]);
  });
});
