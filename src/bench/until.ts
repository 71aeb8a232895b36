/** Polls `fn` every `stepMs` until `ok` holds, or throws after `seconds` naming what it waited for and the last value. */
export async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, seconds: number, stepMs = 500): Promise<T> {
  const t0 = Date.now();
  let v = await fn();
  while (!ok(v)) {
    if (Date.now() - t0 > seconds * 1000) throw new Error(`${what}: still ${JSON.stringify(v).slice(0, 400)} after ${seconds} s`);
    await new Promise((r) => setTimeout(r, stepMs));
    v = await fn();
  }
  return v;
}
