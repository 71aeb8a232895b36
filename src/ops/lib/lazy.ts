/**
 * `once(build)`: a function that calls `build` the first time it is called and returns that same
 * value ever after. The operations' zod schemas are built this way, on first use, not when their
 * module loads: a run evaluates every operation's module at start-up but often needs none of the
 * schemas before its first connection (roles come from a cache), and building ~26 of them cost
 * ~10 ms of every start (docs/startup.md).
 */
export function once<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}
