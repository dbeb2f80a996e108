import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCriLine, readCriRecord } from './real-node-cri.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const sandbox = { metadata: { name: 'p1', uid: 'u-1', namespace: 'default', attempt: 0 } };

/** Shaped as fakecri writes a kubelet's CreateContainer (protojson), trimmed to the fields read. */
const createContainer = {
  time: '2026-12-01T11:28:02.716519035Z',
  method: 'CreateContainer',
  request: {
    podSandboxId: 'p1_default_u-1_0',
    config: {
      metadata: { name: 'c' },
      image: { image: 'example.invalid/none:1' },
      envs: [
        { key: 'PCIDEVICE_WIRESPEED_IO_POOL_A', value: b64('0000:3b:02.0,0000:3b:02.1') },
        { key: 'EMPTY' },
      ],
      mounts: [
        { containerPath: '/etc/hosts', hostPath: '/var/lib/kubelet/pods/u-1/etc-hosts' },
        { containerPath: '/ro', hostPath: '/host/ro', readonly: true },
      ],
      devices: [{ containerPath: '/dev/vfio/12', hostPath: '/dev/vfio/12', permissions: 'rw' }],
      annotations: { 'wirespeed.io/pool': 'pool-a' },
      linux: { resources: { cpuShares: '1024', cpusetCpus: '1' } },
      CDIDevices: [{ name: 'wirespeed.io/vf=0000:3b:02.0' }],
    },
    sandboxConfig: sandbox,
  },
};

describe('parseCriLine', () => {
  it('decodes a CreateContainer: pod, base64 env values, mounts, devices, annotations, CDI devices, cpuset', () => {
    const parsed = parseCriLine(createContainer);
    expect(parsed.method).toBe('CreateContainer');
    expect(parsed.time).toBe('2026-12-01T11:28:02.716519035Z');
    expect(parsed.pod).toEqual({ name: 'p1', namespace: 'default', uid: 'u-1' });
    expect(parsed.container).toEqual({
      name: 'c',
      image: 'example.invalid/none:1',
      envs: { PCIDEVICE_WIRESPEED_IO_POOL_A: '0000:3b:02.0,0000:3b:02.1', EMPTY: '' },
      mounts: [
        { containerPath: '/etc/hosts', hostPath: '/var/lib/kubelet/pods/u-1/etc-hosts', readonly: false },
        { containerPath: '/ro', hostPath: '/host/ro', readonly: true },
      ],
      devices: [{ containerPath: '/dev/vfio/12', hostPath: '/dev/vfio/12', permissions: 'rw' }],
      annotations: { 'wirespeed.io/pool': 'pool-a' },
      cdiDevices: ['wirespeed.io/vf=0000:3b:02.0'],
      cpusetCpus: '1',
    });
    expect(parsed.error).toBeUndefined();
  });

  it('gives a RunPodSandbox its pod and no container', () => {
    const parsed = parseCriLine({ time: 't', method: 'RunPodSandbox', request: { config: sandbox } });
    expect(parsed.pod).toEqual({ name: 'p1', namespace: 'default', uid: 'u-1' });
    expect(parsed.container).toBeUndefined();
  });

  it('keeps other methods as they are, with the error of a failed call', () => {
    const parsed = parseCriLine({
      time: 't',
      method: 'StartContainer',
      request: { containerId: 'x' },
      error: 'container not found',
    });
    expect(parsed).toEqual({
      time: 't',
      method: 'StartContainer',
      request: { containerId: 'x' },
      error: 'container not found',
    });
  });

  it('leaves out a cpuset the kubelet did not set', () => {
    const noCpuset = { ...createContainer.request.config, linux: { resources: { cpuShares: '2' } } };
    const parsed = parseCriLine({
      ...createContainer,
      request: { ...createContainer.request, config: noCpuset },
    });
    expect(parsed.container && 'cpusetCpus' in parsed.container).toBe(false);
  });

  it('reads fields of the wrong type as empty rather than failing', () => {
    const parsed = parseCriLine({
      method: 'CreateContainer',
      request: { config: { envs: 'x', mounts: [1] } },
    });
    expect(parsed.container).toEqual({
      name: '',
      image: '',
      envs: {},
      mounts: [{ containerPath: '', hostPath: '', readonly: false }],
      devices: [],
      annotations: {},
      cdiDevices: [],
    });
  });
});

describe('readCriRecord', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads JSON lines, skipping blank lines and a torn last line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'wirespeed-cri-'));
    const path = join(dir, 'record.jsonl');
    const start = { time: 't2', method: 'StartContainer', request: { containerId: 'c1' } };
    writeFileSync(path, `${JSON.stringify(createContainer)}\n\n${JSON.stringify(start)}\n{"time":"t3","meth`);
    const record = await readCriRecord(path);
    expect(record.map((r) => r.method)).toEqual(['CreateContainer', 'StartContainer']);
  });

  it('reads a record not written yet as empty', async () => {
    expect(await readCriRecord(join(tmpdir(), 'wirespeed-no-such-record.jsonl'))).toEqual([]);
  });
});
