/**
 * A baseline for the benchmark: a bare node:http server that answers every request with one fixed
 * DescribeJob body. The ratio of the emulator's rate to this server's, measured with the same
 * client in the same run, shows what the emulator's own work costs, whatever the machine's noise.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({
  job: {
    jobArn: 'arn:aws:iot:us-east-1:123456789012:job/stub',
    jobId: 'stub',
    status: 'IN_PROGRESS',
    targetSelection: 'SNAPSHOT',
    targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/g'],
    createdAt: 1780000000.25,
    lastUpdatedAt: 1780000000.25,
    jobProcessDetails: { numberOfQueuedThings: 10, numberOfSucceededThings: 0 },
  },
});

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
