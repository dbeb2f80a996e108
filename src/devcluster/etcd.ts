import { join } from 'node:path';
import { httpGet } from './probe.js';

export interface EtcdEndpoints {
  clientPort: number;
  peerPort: number;
}

export const etcdUrl = (e: EtcdEndpoints): string => `http://127.0.0.1:${e.clientPort}`;

export function etcdArgs(dir: string, e: EtcdEndpoints): string[] {
  const client = etcdUrl(e);
  const peer = `http://127.0.0.1:${e.peerPort}`;
  return [
    '--name=default',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // The data is thrown away with the cluster; fsync only slows every write down.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

/** `true` once etcd reports itself healthy, `undefined` before. */
export async function etcdHealthy(e: EtcdEndpoints): Promise<true | undefined> {
  const res = await httpGet(`${etcdUrl(e)}/health`);
  if (res.status !== 200) return undefined;
  return (JSON.parse(res.body) as { health?: string }).health === 'true' ? true : undefined;
}
