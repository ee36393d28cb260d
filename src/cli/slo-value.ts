/**
 * How the terminal shows an SLO check's figures: error rates (unit `ratio` in results.json) as percentages,
 * latencies in ms, rates in rps.
 */
import type { SloCheck } from '../results/results-schema.js';

/** percent shows a share (0.001) as a percentage ("0.10 %"), keeping two significant digits of very small shares. */
export function percent(share: number): string {
  const p = share * 100;
  if (p === 0) return '0 %';
  return `${Math.abs(p) >= 0.01 ? p.toFixed(2) : p.toPrecision(2)} %`;
}

/** sloValue shows a value of an SLO check in its unit: a `ratio` as a percentage, ms and rps with their unit. */
export function sloValue(unit: SloCheck['unit'], value: number): string {
  if (unit === 'ratio') return percent(value);
  return `${+value.toFixed(2)} ${unit}`;
}
