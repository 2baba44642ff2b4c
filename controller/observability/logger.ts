/** The pino root logger; every module gets a child with its own bindings. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** A JSON logger at `level`, writing to `destination` (stdout by default). */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { app: 'iot-jobs-controller' }, timestamp: pino.stdTimeFunctions.isoTime }, destination as never);
}
