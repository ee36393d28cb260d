/**
 * promDuration writes seconds as a Prometheus duration (`1h30m`, `2m`, `15s`, `500ms`): whole units only, largest
 * first, as Prometheus's duration syntax takes them (no fractions).
 */
const UNITS: [string, number][] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** promDuration renders a duration in seconds, rounded to whole milliseconds. */
export function promDuration(seconds: number): string {
  let ms = Math.round(seconds * 1000);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(ms / size);
    if (n > 0) out += `${n}${unit}`;
    ms -= n * size;
  }
  return out;
}
