#!/usr/bin/env node
/**
 * iot-jobs-emulator: runs the local AWS IoT Jobs service (control plane and jobs data plane on one
 * port) with an optional simulated fleet. The first line on stdout is `listening on http://HOST:PORT`.
 */
import { HELP, optionsFromArgs } from './cli-options.js';
import { startEmulator, type EmulatorOptions, type Fleet } from './index.js';

/** `12 things in group fleet`, or with several groups `40 things in groups canary (10), fleet (40)`. */
function describeFleet(fleet: Fleet): string {
  const groups = fleet.layout.groups;
  if (groups.length === 1) return `${fleet.devices.size} things in group ${groups[0]}`;
  return `${fleet.devices.size} things in groups ${groups.map((g) => `${g} (${fleet.devicesIn(g).length})`).join(', ')}`;
}

async function main(): Promise<void> {
  let opts: EmulatorOptions | 'help';
  try {
    opts = optionsFromArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`iot-jobs-emulator: ${(err as Error).message}\nRun with --help for usage.\n`);
    process.exit(2);
  }
  if (opts === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const emulator = await startEmulator(opts);
  process.stdout.write(`listening on ${emulator.url}\n`);
  const fleet = emulator.fleet ? `, fleet of ${describeFleet(emulator.fleet)}` : '';
  process.stderr.write(
    `iot-jobs-emulator: account ${emulator.service.partition.account}, region ${emulator.service.partition.region}, time scale ${emulator.service.clock.scale}${fleet}\n`,
  );
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stderr.write(`iot-jobs-emulator: ${signal}, shutting down\n`);
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`iot-jobs-emulator: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
