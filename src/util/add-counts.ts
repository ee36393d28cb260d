/**
 * addByKey: one tally added into another, key by key (errors by code, requests by finish reason, …).
 */

/** addByKey adds each count of `from` into `into`, creating the keys `into` lacks. */
export function addByKey(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}
