import type { TestProject } from 'vitest/node';
import { resolveK8sBinaries } from '../../src/devcluster/binaries.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Directory holding etcd, kube-apiserver and kube-scheduler. */
    k8sBinDir: string;
  }
}

/** Resolves (and on a cold cache builds) the Kubernetes binaries once, before any test file starts. */
export default async function setup(project: TestProject): Promise<void> {
  const dir = await resolveK8sBinaries();
  process.env.WIRESPEED_K8S_BIN = dir;
  project.provide('k8sBinDir', dir);
}
