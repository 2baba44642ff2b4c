/**
 * `npm run dev:cluster`: starts the tests' kube-apiserver and etcd by hand (building them first
 * when the cache lacks them), applies crds/, prints the kubeconfig's path and waits for Ctrl-C.
 * Then, in another shell:
 *   KUBECONFIG=<path> npm start -- --kubernetes   (or: node dist/controller/main.js run --kubernetes --local)
 */
import { applyCrd, kubeRest, startKubeCluster } from '../helpers/kube-cluster.js';

const cluster = await startKubeCluster();
const rest = kubeRest(cluster);
await applyCrd(rest);
rest.close();
process.stdout.write(
  `kube-apiserver ${cluster.url} is up, with the IoTJob CRD applied.\n` +
    `kubeconfig: ${cluster.kubeconfig}\n\n` +
    `Try:\n  export KUBECONFIG=${cluster.kubeconfig}\n` +
    `  node dist/controller/main.js run --kubernetes --local\n` +
    `  (kubectl is not needed: the API speaks plain HTTPS; any kubectl within one minor version works)\n\n` +
    `Ctrl-C stops the cluster and deletes its data.\n`,
);
const stop = (): void => {
  void cluster.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
