/** Lets pending promise chains run: each round is a macrotask turn, which drains the microtasks queued before it. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
