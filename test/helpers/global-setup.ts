/**
 * Global test setup: starts the third-party servers the suites need once for the whole run and
 * hands their addresses to the tests through vitest's provide/inject. A server that cannot be
 * installed or started fails the run; nothing is skipped silently.
 */
import type { TestProject } from 'vitest/node';
import { applyCrd, kubeRest, startKubeCluster } from './kube-cluster.js';
import { installAwsCli, startMinistack } from './python-tools.js';

declare module 'vitest' {
  export interface ProvidedContext {
    ministackUrl: string;
    /** The shared kube-apiserver: its URL, CA and an admin (system:masters) token; the IoTJob CRD is applied. */
    kube: { url: string; caPem: string; adminToken: string; kubeconfig: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Once, before the test files run in parallel: every emulator's calls are checked against the AWS models it ships (aws-model.ts).
  installAwsCli();
  const [ministack, cluster] = await Promise.all([startMinistack(), startKubeCluster()]);
  const rest = kubeRest(cluster);
  await applyCrd(rest);
  rest.close();
  project.provide('ministackUrl', ministack.url);
  project.provide('kube', { url: cluster.url, caPem: cluster.caPem, adminToken: cluster.adminToken, kubeconfig: cluster.kubeconfig });
  return async () => {
    await Promise.all([ministack.stop(), cluster.stop()]);
  };
}
