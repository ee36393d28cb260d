/**
 * The generator's lag at the gate (the effect rule): which repetitions a metric's samples leave out, whether a
 * regression is larger than the lag could explain, and whether a failed SLO check of the candidate could be the
 * lag's doing. Every decision carries a note in numbers, naming the repetitions.
 */
import { inDoubt } from '../run/judge-validity.js';
import { type MetricValidity, pctText, type ValidityMetric } from '../run/metric-validity.js';
import type { ResultsFile, SloCheck } from '../results/results-schema.js';
import { AT_LEAST_METRICS } from '../run/token-figures.js';
import type { MetricSamples } from './baseline.js';
import { lateByStrictRule, lateText, metricValidity, phaseValidity, runLabel } from './run-validity.js';
import type { MetricVerdict } from './verdict.js';

/** UNIT says in what unit a metric's samples (and the generator's part of them) are: ms, rps or a ratio. */
const UNIT: Record<keyof MetricSamples, string> = { throughput: 'rps', p50: 'ms', p95: 'ms', p99: 'ms', error_rate: '', ttft_p99: 'ms', itl_p99: 'ms', output_tokens_per_s: 'tokens/s', goodput: '' };

function amount(x: number, metric: keyof MetricSamples): string {
  return metric === 'error_rate' || metric === 'goodput' ? pctText(x) : `${+x.toPrecision(3)} ${UNIT[metric]}`;
}

/** LagView is what the gate knows of the candidate runs' lag for one phase. */
export class LagView {
  constructor(
    private readonly runs: ResultsFile[],
    private readonly names: string[],
    private readonly phase: string,
  ) {}

  private validity(run: number, metric: keyof MetricSamples): MetricValidity | undefined {
    return metricValidity(this.runs[run]!, this.phase, metric as ValidityMetric);
  }

  /** keep says whether a run's figure may be in the metric's samples: not when the lag made it invalid. */
  keep = (run: number, metric: keyof MetricSamples): boolean => this.validity(run, metric)?.status !== 'invalid';

  /** dropped lists the runs left out of a metric, with why. */
  dropped(metric: keyof MetricSamples): string[] {
    return this.runs.flatMap((_, i) => (this.keep(i, metric) ? [] : [`${runLabel(this.names[i], i)} dropped from ${metric}: ${this.validity(i, metric)!.reason}`]));
  }

  /**
   * check holds a REGRESSED verdict against the lag: the most any kept run's lag could have added to the metric
   * (a shift of every run by at most its own part moves the median by at most the largest). A change no larger
   * turns the verdict UNKNOWN and undecided; a larger one stands, with a note per marginal or late run.
   */
  check(v: MetricVerdict, metric: keyof MetricSamples): { verdict: MetricVerdict; undecided: boolean; notes: string[] } {
    if (v.verdict !== 'REGRESSED') return { verdict: v, undecided: false, notes: [] };
    const kept = this.runs.map((_, i) => i).filter((i) => this.keep(i, metric));
    const parts = kept.map((i) => ({ i, v: this.validity(i, metric) }));
    const worst = parts.reduce((a, b) => ((b.v?.generatorPart ?? 0) > (a?.v?.generatorPart ?? 0) ? b : a), parts[0]);
    const bound = worst?.v?.generatorPart ?? 0;
    const change = Math.abs(v.candidate - v.baseline);
    const moved = `${metric} ${v.candidate > v.baseline ? 'rose' : 'fell'} ${amount(change, metric)}`;
    if (change <= bound) {
      const who = runLabel(this.names[worst!.i], worst!.i);
      return {
        verdict: { ...v, verdict: 'UNKNOWN', reason: `${v.reason}; but ${moved}, no more than the generator's lag could account for (up to ${amount(bound, metric)} in ${who}: ${worst!.v!.reason}): a change of the target cannot be told from the generator's lateness` },
        undecided: true,
        notes: [],
      };
    }
    const notes = parts
      .filter((p) => p.v?.status === 'marginal' || lateByStrictRule(this.runs[p.i]!))
      .map((p) => {
        const r = this.runs[p.i]!;
        const part = p.v ? `, up to ${amount(p.v.generatorPart, metric)} of its ${metric} (${p.v.status})` : '';
        return `${runLabel(this.names[p.i], p.i)}: ${lateText(r)}${part}; ${moved}, more than the lag could add (at most ${amount(bound, metric)}): it did not matter`;
      });
    return { verdict: v, undecided: false, notes };
  }

  /** emptied says why a metric has no candidate samples when every run was dropped from it. */
  emptied(metric: keyof MetricSamples, samples: number): string | undefined {
    const dropped = this.dropped(metric);
    return samples === 0 && dropped.length > 0 ? `every candidate run was dropped from ${metric}: the generator's lag made the figure invalid in each` : undefined;
  }
}

/**
 * sloDoubt gives why a failed SLO check of a run could be the generator's lag (undefined: it cannot). A token
 * check is in doubt when the check would pass without the generator's part (added back to a minimum, taken off a
 * maximum), or when the lag made its figure invalid.
 */
export function sloDoubt(r: ResultsFile, check: SloCheck): string | undefined {
  const p = r.phases.find((x) => x.name === check.phase);
  if (!p) return undefined;
  const v = TOKEN_SLO.has(check.metric) ? tokenDoubt(r, check) : inDoubt(check, phaseValidity(r, p));
  return v ? `${v.reason}; without it the check could pass` : undefined;
}

const TOKEN_SLO = new Set(['ttft_p99', 'itl_p99', 'output_tokens_per_s', 'goodput']);

function tokenDoubt(r: ResultsFile, c: SloCheck): MetricValidity | undefined {
  const v = metricValidity(r, c.phase, c.metric);
  if (c.pass !== false || c.actual === null || !Number.isFinite(c.actual) || !v || v.generatorPart <= 0) return undefined;
  if (v.status === 'invalid') return v;
  const atLeast = AT_LEAST_METRICS.includes(c.metric);
  const without = atLeast ? c.actual + v.generatorPart : c.actual - v.generatorPart;
  return (atLeast ? without >= c.threshold : without <= c.threshold) ? v : undefined;
}
