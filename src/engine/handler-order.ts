/**
 * The order of a flush when handlers notify handlers: each handler runs once per flush, after
 * every handler still due that may notify it (directly or through others), so that what a
 * changed handler notifies runs in the same flush, as in Ansible. Pure: the graph is the
 * handlers' `notify` lists, resolved as tasks' are (by name or `listen`).
 */

/** Whether handler `from` may notify handler `to`, directly or through other handlers. */
export type Reaches = (from: number, to: number) => boolean;

/** `targets(h)`: the handlers `h` notifies. The transitive closure, computed once per handler asked about. */
export function handlerReach(targets: (h: number) => readonly number[]): Reaches {
  const closure = new Map<number, Set<number>>();
  const of = (h: number): Set<number> => {
    let seen = closure.get(h);
    if (seen) return seen;
    seen = new Set<number>();
    const todo = [...targets(h)];
    while (todo.length) {
      const t = todo.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      todo.push(...targets(t));
    }
    closure.set(h, seen);
    return seen;
  };
  return (from, to) => of(from).has(to);
}

/**
 * The next batch of a flush: the due handlers, in definition order, that no other due handler
 * may notify. When every due handler may be notified by another (handlers notifying each other
 * in a circle, possible across roles; the loader refuses one within a role), the first one by
 * definition order goes alone, so a flush always moves on.
 */
export function nextHandlerBatch(due: ReadonlySet<number>, reaches: Reaches): number[] {
  const sorted = [...due].sort((a, b) => a - b);
  const free = sorted.filter((h) => !sorted.some((o) => o !== h && reaches(o, h)));
  return free.length ? free : sorted.slice(0, 1);
}

/**
 * The handlers `due` may bring in, beyond themselves (what --check reports as "would run if …
 * changes something"): each with the first due or brought-in handler, by definition order, that
 * notifies it.
 */
export function chainedHandlers(due: ReadonlySet<number>, targets: (h: number) => readonly number[]): Map<number, number> {
  const by = new Map<number, number>();
  const todo = [...due].sort((a, b) => a - b);
  while (todo.length) {
    const h = todo.shift()!;
    for (const t of targets(h)) {
      if (due.has(t) || by.has(t)) continue;
      by.set(t, h);
      todo.push(t);
    }
  }
  return by;
}
