/** Global test setup: nothing to start yet for unit tests; backends register here as they are added. */
export default async function setup(): Promise<() => Promise<void>> {
  return async () => undefined;
}
