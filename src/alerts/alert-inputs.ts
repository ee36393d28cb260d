/**
 * AlertInputs: the figures alert thresholds are made from, each with where it came from, read either from a
 * scenario (its SLOs, peak rate and replicas) or from a baseline (one phase's measured figures × a margin).
 */
import type { Baseline } from '../compare/baseline.js';
import { peakOpenRps } from '../load/load-pool.js';
import type { Plan, SloSpec } from '../scenario/plan.js';
import { median } from '../compare/stats.js';

/** Figure is a threshold's value and, in words, where it came from. */
export interface Figure {
  value: number;
  why: string;
}

/** AlertInputs are what the rules are made from; a figure that is absent leaves its rule out (or at a default). */
export interface AlertInputs {
  /** The scenario's or baseline's name (the rule group is named for it). */
  name: string;
  /** Which metric names the target exports: Triton's (KServe v2) or vLLM's (OpenAI). */
  metrics: 'triton' | 'vllm';
  p99Ms?: Figure;
  ttftP99Ms?: Figure;
  errorRate?: Figure;
  peakRps?: Figure;
  /** Replicas behind the router; 1 is a single server (no router). */
  replicas: Figure;
  /** Whether any latency or error SLO was found (a scenario without one still gets error and replica rules). */
  hasSlo: boolean;
}

/** fromPlan reads a scenario's SLOs (scenario-wide, else the loosest phase's), peak rate and replicas. */
export function fromPlan(plan: Plan): AlertInputs {
  const file = plan.file ?? plan.name;
  const slo = (key: keyof SloSpec, field: string): Figure | undefined => {
    const own = plan.slo[key];
    if (own !== undefined) return { value: own, why: `the SLO ${field}: ${own} of ${file}` };
    const phases = plan.phases.filter((p) => p.slo?.[key] !== undefined);
    if (phases.length === 0) return undefined;
    const loosest = phases.reduce((a, b) => (b.slo![key]! > a.slo![key]! ? b : a));
    return { value: loosest.slo![key]!, why: `the SLO ${field}: ${loosest.slo![key]} of phase ${loosest.name} of ${file} (the loosest phase)` };
  };
  const embedded = 'embedded' in plan.target ? plan.target : undefined;
  const protocol = embedded ? embedded.protocol : plan.target.protocol;
  const peak = plan.peakRps ?? peakOpenRps(plan);
  const replicas = embedded?.replicas ?? 1;
  const inputs: AlertInputs = {
    name: plan.name,
    metrics: protocol === 'openai' ? 'vllm' : 'triton',
    replicas: { value: replicas, why: embedded ? `target.replicas: ${replicas} of ${file}` : `${file} names an external target: one server assumed (--min-replicas sets it)` },
    hasSlo: false,
  };
  const p99 = slo('p99Ms', 'p99_ms');
  const ttft = slo('ttftP99Ms', 'ttft_p99_ms') ?? slo('ttftMs', 'ttft_ms');
  const errorRate = slo('errorRate', 'error_rate');
  if (p99) inputs.p99Ms = p99;
  if (ttft) inputs.ttftP99Ms = ttft;
  if (errorRate) inputs.errorRate = errorRate;
  if (peak > 0) inputs.peakRps = { value: peak, why: plan.peakRps !== undefined ? `peak_rps: ${peak} of ${file}` : `the highest planned rate of ${file} (${peak} rps)` };
  inputs.hasSlo = p99 !== undefined || ttft !== undefined || errorRate !== undefined;
  return inputs;
}

/**
 * fromBaseline reads one phase of a baseline: the median over its repetitions of p99, TTFT p99 and the error rate,
 * times `margin` (an error rate of 0 becomes 0.1 %, a budget that can be breached), and its median throughput as
 * the peak rate. `phase` absent: the phase with the most per-second samples (the longest, steadiest one).
 */
export function fromBaseline(b: Baseline, file: string, margin: number, phase?: string): AlertInputs {
  const chosen = phase === undefined ? b.phases.reduce((x, y) => (y.intervals.throughput.length > x.intervals.throughput.length ? y : x)) : b.phases.find((p) => p.name === phase)!;
  const where = `phase ${chosen.name} of baseline ${file}`;
  const measured = (list: number[] | undefined, what: string, scale = margin): Figure | undefined => {
    if (!list?.length) return undefined;
    const m = median(list);
    return { value: round(m * scale), why: `the median ${what} of ${where}, ${round(m)}, × the margin ${scale}` };
  };
  const r = chosen.repetitions;
  const inputs: AlertInputs = {
    name: b.name,
    metrics: b.target.protocol === 'openai' ? 'vllm' : 'triton',
    replicas: { value: 1, why: 'a baseline does not record replicas: one server assumed (--min-replicas sets it)' },
    hasSlo: true,
  };
  const p99 = measured(r.p99, 'p99 (ms)');
  const ttft = measured(r.ttft_p99, 'TTFT p99 (ms)');
  const errors = measured(r.error_rate, 'error rate');
  const peak = measured(r.throughput, 'throughput (rps)', 1);
  if (p99) inputs.p99Ms = p99;
  if (ttft) inputs.ttftP99Ms = ttft;
  if (errors) inputs.errorRate = errors.value > 0 ? errors : { value: 0.001, why: `${errors.why} is 0, so the budget is 0.1 %` };
  if (peak && peak.value > 0) inputs.peakRps = peak;
  return inputs;
}

function round(v: number): number {
  return Number(v.toPrecision(4));
}
