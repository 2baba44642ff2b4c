/**
 * Global test setup: starts the third-party servers the suites need once for the whole run and
 * hands their addresses to the tests through vitest's provide/inject. A server that cannot be
 * installed or started fails the run; nothing is skipped silently.
 */
import type { TestProject } from 'vitest/node';
import { startMinistack } from './python-tools.js';

declare module 'vitest' {
  export interface ProvidedContext {
    ministackUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ministack = await startMinistack();
  project.provide('ministackUrl', ministack.url);
  return async () => {
    await ministack.stop();
  };
}
