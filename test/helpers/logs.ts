/** Loggers for unit tests: one that writes nothing, and one that keeps its lines to be asserted on. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../controller/observability/logger.js';

/** A logger that drops everything. */
export function quietLogger(): Logger {
  return createLogger('silent');
}

/** One log line as pino writes it: its level name, its message and its fields. */
export interface LogLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  msg: string;
  [field: string]: unknown;
}

const LEVELS: Record<number, LogLine['level']> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** A logger at debug level whose lines are parsed into `lines` as they are written (synchronously). */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (!text) continue;
        const parsed = JSON.parse(text) as { level: number; msg: string };
        lines.push({ ...parsed, level: LEVELS[parsed.level] ?? 'info' } as LogLine);
      }
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}
