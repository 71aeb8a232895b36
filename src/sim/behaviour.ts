/**
 * How a simulated host misbehaves, and the spec that assigns behaviours to a fleet. Pure.
 *  - normal: answers every round trip at once (from the recordings);
 *  - slow:   waits `delayMs` before each answer;
 *  - silent: accepts the TCP connection and never says a word (not even the SSH banner);
 *  - hang:   answers `afterTrips` round trips, then never answers again (the connection stays up);
 *  - drop:   answers `afterTrips` round trips, then cuts the connection in the middle of the next answer.
 */
export type Behaviour = { kind: 'normal' } | { kind: 'slow'; delayMs: number } | { kind: 'silent' } | { kind: 'hang'; afterTrips: number } | { kind: 'drop'; afterTrips: number };

/**
 * "slow:5:2000,silent:2,hang:1:1,drop:3:1" -> the first 5 hosts slow (2 s), the next 2 silent, 1
 * hanging after 1 round trip, 3 dropping after 1; every other host normal.
 */
export function parseBehaviours(spec: string): { count: number; behaviour: Behaviour }[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((part) => {
    const [kind, countText, argText] = part.trim().split(':');
    const count = Number(countText);
    const arg = Number(argText);
    if (!Number.isInteger(count) || count < 1) throw new Error(`Invalid host count in "${part}": use kind:count[:value]`);
    switch (kind) {
      case 'silent':
        return { count, behaviour: { kind } };
      case 'slow':
        if (!Number.isFinite(arg) || arg < 0) throw new Error(`"${part}": slow takes a delay in ms (slow:count:ms)`);
        return { count, behaviour: { kind, delayMs: arg } };
      case 'hang':
      case 'drop':
        if (!Number.isInteger(arg) || arg < 0) throw new Error(`"${part}": ${kind} takes a number of round trips (${kind}:count:trips)`);
        return { count, behaviour: { kind, afterTrips: arg } };
      default:
        throw new Error(`Unknown host behaviour "${kind}" in "${part}": use normal hosts, slow, silent, hang or drop`);
    }
  });
}

/** Behaviour of each of `n` hosts: the spec's groups first, in order, then normal hosts. */
export function assignBehaviours(n: number, groups: { count: number; behaviour: Behaviour }[]): Behaviour[] {
  const out: Behaviour[] = [];
  for (const g of groups) for (let i = 0; i < g.count && out.length < n; i++) out.push(g.behaviour);
  while (out.length < n) out.push({ kind: 'normal' });
  return out;
}

export function describeBehaviour(b: Behaviour): string {
  switch (b.kind) {
    case 'normal':
      return 'normal';
    case 'slow':
      return `slow (${b.delayMs} ms per answer)`;
    case 'silent':
      return 'silent (never speaks)';
    case 'hang':
      return `hangs after ${b.afterTrips} round trip(s)`;
    case 'drop':
      return `drops the connection after ${b.afterTrips} round trip(s)`;
  }
}
