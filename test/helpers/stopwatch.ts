/** Times named steps of a lab test, in seconds (0.1 s), for the figures a test prints at the end. */
export function stopwatch(): { seconds: Record<string, number>; timed: <T>(label: string, fn: () => Promise<T>) => Promise<T> } {
  const seconds: Record<string, number> = {};
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      seconds[label] = Math.round((Date.now() - t0) / 100) / 10;
    }
  };
  return { seconds, timed };
}
