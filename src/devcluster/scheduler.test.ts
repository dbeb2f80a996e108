import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { probeSchedulerName, renderSchedulerConfig, schedulerArgs } from './scheduler.js';

describe('renderSchedulerConfig', () => {
  it('puts the kubeconfig inside the file and turns leader election off', () => {
    const config = parse(renderSchedulerConfig('/state/admin.kubeconfig'));
    expect(config).toEqual({
      apiVersion: 'kubescheduler.config.k8s.io/v1',
      kind: 'KubeSchedulerConfiguration',
      leaderElection: { leaderElect: false },
      clientConnection: { kubeconfig: '/state/admin.kubeconfig' },
    });
  });

  it('lays extra fields over the defaults but always keeps its own kubeconfig', () => {
    const extenders = [{ urlPrefix: 'https://127.0.0.1:9443/scheduler', filterVerb: 'filter', weight: 1 }];
    const config = parse(
      renderSchedulerConfig('/state/admin.kubeconfig', {
        extenders,
        clientConnection: { kubeconfig: '/elsewhere', qps: 200 },
      }),
    );
    expect(config.extenders).toEqual(extenders);
    expect(config.clientConnection).toEqual({ kubeconfig: '/state/admin.kubeconfig', qps: 200 });
    expect(config.leaderElection).toEqual({ leaderElect: false });
  });
});

describe('schedulerArgs', () => {
  it('passes the config file and serves no port', () => {
    expect(schedulerArgs('/state/kube-scheduler.yaml')).toEqual(
      expect.arrayContaining([
        '--config=/state/kube-scheduler.yaml',
        '--secure-port=0',
        '--leader-elect=false',
      ]),
    );
  });
});

describe('probeSchedulerName', () => {
  it('is the default scheduler without profiles', () => {
    expect(probeSchedulerName()).toBe('default-scheduler');
    expect(probeSchedulerName({ profiles: [] })).toBe('default-scheduler');
  });

  it('is the first profile name when profiles rename the scheduler', () => {
    expect(
      probeSchedulerName({ profiles: [{ schedulerName: 'wirespeed' }, { schedulerName: 'other' }] }),
    ).toBe('wirespeed');
  });
});
