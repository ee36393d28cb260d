/**
 * Ranking the combinations that meet the constraints, and saying only what the measurements can tell.
 *
 * Each combination's capacity is known to lie in a range: it met the bounds at `rateRps`, and missed them at
 * `notMetRps` (validly), or nothing above was measured (null: the range is open). On throughput, the best is
 * told apart from another only when it met the bounds at a rate the other validly missed; on cost, only when its
 * cost at its own rate is below the other's cost even at the other's best possible rate. Combinations the basis
 * cannot separate from the best are compared on p99, which counts only when the difference is larger than the
 * run-to-run noise measured by repeating each deciding run (`repeats:`), and only when the lower p99 was measured
 * at a rate at least as high (a lower p99 at a lower load proves nothing). What still cannot be told apart is a
 * tie, and there is no winner. Records written before these figures existed (no rateRps) fall back to the old
 * rule: throughputs within 1 % are tied, and the lower p99 wins.
 */
import { type Candidate, type Figures, money, ms, pct, type Recommendation, type RecommendBasis, rps } from './recommend.js';

type Eligible = Candidate & { figures: Figures };
type Decision = Pick<Recommendation, 'id' | 'reason' | 'outcome' | 'tie'>;

/** LEGACY_TIE_SHARE: for records without capacity ranges, throughputs within this share of the best are tied. */
export const LEGACY_TIE_SHARE = 0.01;

/** decide applies the rule to the eligible combinations (every one valid and meeting the constraints). */
export function decide(eligible: Eligible[], basis: RecommendBasis, total: number): Decision {
  if (basis === 'throughput' || basis === 'cost') {
    const tooLow = eligible.filter((c) => c.figures.ceilingTooLow);
    if (tooLow.length) {
      const list = tooLow.map((c) => `${c.id} (met the bounds at ${rps(c.figures.rateRps ?? c.figures.throughputAtSloRps)} rps, the highest rate tried)`).join(', ');
      return {
        id: null,
        outcome: 'ceiling-too-low',
        reason: `No recommendation: the ceiling was too low for ${list}: ${tooLow.length === 1 ? 'its' : 'their'} capacity lies above every rate tried, so the ranking on ${basis} is unknown. Search with to_rps: auto (the default: a probe of each combination sets the ceiling), raise to_rps, or add higher phases.`,
      };
    }
  }
  const sec = secondFor(basis, eligible);
  const ordered = [...eligible].sort((a, b) => primaryOrder(a, b, basis) || p99Of(a, sec) - p99Of(b, sec) || eligible.indexOf(a) - eligible.indexOf(b));
  const best = ordered[0]!;
  const unresolved = ordered.slice(1).filter((c) => !separated(best, c, basis));
  const head = `${best.id} (${best.label}) ${leadText(basis)} among the ${eligible.length} of ${total} combinations that meet the constraints: ${figuresText(best.figures, basis)}`;
  if (unresolved.length === 0) {
    const next = ordered[1];
    return { id: best.id, outcome: 'recommended', reason: `${head}${next ? `; ${whySeparated(best, next, basis)}` : ''}${lowerBounds(ordered, best)}.` };
  }
  const group = [best, ...unresolved];
  if (basis === 'p99') return tie(group, basis, eligible.length, total);
  // The basis cannot tell them apart: the lower p99 (TTFT p99 for tokens/s) decides, if it is lower by more than the noise.
  const lowest = [...group].sort((a, b) => p99Of(a, sec) - p99Of(b, sec) || group.indexOf(a) - group.indexOf(b))[0]!;
  const rest = group.filter((c) => c !== lowest);
  if (rest.every((c) => p99Separated(lowest, c, sec))) {
    const others = rest.map((c) => `${c.id} (${figuresText(c.figures, basis)})`).join(', ');
    const margins = rest.map((c) => `${c.id}'s ${ms(sec.of(c))} ms is ${pctShare(p99Margin(lowest, c, sec))} higher`).join(', ');
    return {
      id: lowest.id,
      outcome: 'recommended',
      reason:
        `${lowest.id} (${lowest.label}): on ${basis} it cannot be told apart from ${others}, as ${overlapText(group, basis)}; its ${sec.name} decides: ${ms(sec.of(lowest))} ms, and ${margins}` +
        `${noiseKnown(group, sec) ? `, beyond the run-to-run noise of ${sec.name} (${noiseText(group, sec)})` : ''}; ${figuresText(lowest.figures, basis)}${lowerBounds(ordered, lowest)}.`,
    };
  }
  return tie(group, basis, eligible.length, total);
}

/** tie is the answer when the measurements cannot separate the group: every member named, no winner. */
function tie(group: Eligible[], basis: RecommendBasis, meeting: number, total: number): Decision {
  const sec = secondFor(basis, group);
  const byP99 = [...group].sort((a, b) => p99Of(a, sec) - p99Of(b, sec));
  const noise = groupNoise(group, sec);
  const marginShare = basis === 'p99' || byP99.length < 2 ? p99Margin(byP99[0]!, byP99[1] ?? byP99[0]!, sec) : primaryMargin(group[0]!, group[group.length - 1]!, basis);
  const list = group.map((c) => `${c.id} (${figuresText(c.figures, basis)})`).join(', ');
  const what = basis === 'p99' ? 'their p99 differ by no more than the run-to-run noise' : `${overlapText(group, basis)}, and their ${sec.name} differ by no more than the run-to-run noise`;
  return {
    id: null,
    outcome: 'tie',
    tie: { ids: group.map((c) => c.id), marginShare, noiseShare: noise },
    reason:
      `Tie: of the ${meeting} of ${total} combinations that meet the constraints, ${group.length} cannot be told apart on this machine: ${list}; ${what} (${noiseText(group, sec)}). ` +
      `Choose among them on other grounds (memory, cost, simplicity), or measure longer (search.step_duration, the phases' durations, repeats) on a quieter machine.`,
  };
}

/** primaryOrder sorts best first on the basis. */
function primaryOrder(a: Eligible, b: Eligible, basis: RecommendBasis): number {
  // LLM targets: at the same rate, the more output tokens/s (0 for KServe targets, so no effect there).
  if (basis === 'throughput') return b.figures.throughputAtSloRps - a.figures.throughputAtSloRps || tokensOf(b) - tokensOf(a);
  if (basis === 'cost') return (a.figures.costPerMillion ?? Infinity) - (b.figures.costPerMillion ?? Infinity);
  if (basis === 'tokens_per_s') return tokensOf(b) - tokensOf(a);
  return p99Of(a) - p99Of(b);
}

function tokensOf(c: Eligible): number {
  return c.figures.tokens?.outputTokensPerS ?? 0;
}

/**
 * tokensSeparated: a's output tokens/s is higher than b's by more than the run-to-run noise of tokens/s measured
 * on either (never when unmeasured): at a fixed load the scenario sets, there is no capacity range to compare.
 */
function tokensSeparated(a: Eligible, b: Eligible): boolean {
  const na = a.figures.tokensNoiseShare;
  const nb = b.figures.tokensNoiseShare;
  if (na == null || nb == null || !(tokensOf(b) > 0)) return false;
  return tokensOf(a) / tokensOf(b) - 1 > Math.max(na, nb);
}

/** separated: the measurements show `a` better than `b` on the basis. */
function separated(a: Eligible, b: Eligible, basis: RecommendBasis): boolean {
  const fa = a.figures;
  const fb = b.figures;
  if (basis === 'p99') return p99Separated(a, b);
  if (basis === 'tokens_per_s') return tokensSeparated(a, b);
  if (fa.rateRps === undefined || fb.notMetRps === undefined) {
    // A record from before capacity ranges: the old 1 % rule.
    if (basis === 'throughput') return fa.throughputAtSloRps > fb.throughputAtSloRps * (1 + LEGACY_TIE_SHARE);
    return (fa.costPerMillion ?? Infinity) * (1 + LEGACY_TIE_SHARE) < (fb.costPerMillion ?? Infinity);
  }
  if (fb.notMetRps === null) return false;
  if (basis === 'throughput') return fa.rateRps >= fb.notMetRps;
  // Cost: a's cost at the rate it sustained against b's cost at the best rate b could possibly sustain.
  if (fa.costPerHour === undefined || fb.costPerHour === undefined || !(fa.throughputAtSloRps > 0)) return false;
  return fa.costPerHour / fa.throughputAtSloRps < fb.costPerHour / fb.notMetRps;
}

/**
 * p99Separated: a's p99 is lower than b's by more than the noise measured on either (never when unmeasured), at
 * a load at least as high: a lower p99 measured at a lower rate says nothing (latency grows with load).
 */
function p99Separated(a: Eligible, b: Eligible, sec: Second = P99): boolean {
  const na = sec.noise(a);
  const nb = sec.noise(b);
  const pa = sec.of(a);
  const pb = sec.of(b);
  if (pa === null || pb === null || pa >= pb) return false;
  if (!sec.fixedLoad && a.figures.rateRps !== undefined && b.figures.rateRps !== undefined && a.figures.rateRps < b.figures.rateRps) return false;
  // Records from before repeats existed (undefined): the lower p99 counted, as it did then.
  if (na === undefined && nb === undefined) return true;
  if (na == null || nb == null) return false;
  return p99Margin(a, b, sec) > Math.max(na, nb);
}

/** Second is the latency that decides between combinations the basis cannot separate: p99, or TTFT p99 on tokens/s. */
interface Second {
  name: string;
  of: (c: Eligible) => number | null;
  noise: (c: Eligible) => number | null | undefined;
  /**
   * The scenario fixes the load (tokens_per_s: the same concurrency or rate for every combination, and the group's
   * tokens/s within the noise), so the achieved request rate is an outcome, not a load to compare at.
   */
  fixedLoad?: boolean;
}
const P99: Second = { name: 'p99', of: (c) => c.figures.p99Ms, noise: (c) => c.figures.p99NoiseShare };
const TTFT_P99: Second = { name: 'TTFT p99', of: (c) => c.figures.tokens?.ttftP99Ms ?? null, noise: (c) => c.figures.ttftNoiseShare ?? null, fixedLoad: true };

/** secondFor: TTFT p99 on tokens/s, and on capacity when every candidate is an LLM (its request p99 is the whole generation's). */
function secondFor(basis: RecommendBasis, group: Eligible[]): Second {
  if (basis === 'tokens_per_s') return TTFT_P99;
  return group.length > 0 && group.every((c) => c.figures.tokens) ? { ...TTFT_P99, fixedLoad: false } : P99;
}

function p99Of(c: Eligible, sec: Second = P99): number {
  return sec.of(c) ?? Infinity;
}

/** p99Margin: how much higher b's p99 (or TTFT p99) is than a's, as a share of a's. */
function p99Margin(a: Eligible, b: Eligible, sec: Second = P99): number {
  const pa = sec.of(a);
  const pb = sec.of(b);
  return pa === null || pb === null || pa <= 0 ? 0 : (pb - pa) / pa;
}

/** primaryMargin: how much better a is than b on the basis, as a share of b. */
function primaryMargin(a: Eligible, b: Eligible, basis: RecommendBasis): number {
  if (basis === 'throughput') return b.figures.throughputAtSloRps > 0 ? a.figures.throughputAtSloRps / b.figures.throughputAtSloRps - 1 : 0;
  if (basis === 'cost') {
    const ca = a.figures.costPerMillion;
    const cb = b.figures.costPerMillion;
    return ca && cb ? cb / ca - 1 : 0;
  }
  if (basis === 'tokens_per_s') return tokensOf(b) > 0 ? tokensOf(a) / tokensOf(b) - 1 : 0;
  return p99Margin(a, b);
}

/** groupNoise is the largest p99 noise measured in the group; null when any member's is unmeasured. */
function groupNoise(group: Eligible[], sec: Second = P99): number | null {
  const all = group.map((c) => sec.noise(c));
  if (all.some((n) => n == null)) return null;
  return Math.max(...(all as number[]));
}

/** noiseKnown: some member's noise was measured or found unmeasurable (records before repeats have none at all). */
function noiseKnown(group: Eligible[], sec: Second = P99): boolean {
  return group.some((c) => sec.noise(c) !== undefined);
}

function noiseText(group: Eligible[], sec: Second = P99): string {
  const parts = group.map((c) => {
    const n = sec.noise(c);
    return `${c.id} ${n == null ? 'not measured' : `±${pctShare(n)} over ${c.figures.noiseRuns ?? 2} runs`}`;
  });
  return `noise: ${parts.join(', ')}`;
}

/** overlapText says why the basis could not separate the group: their capacity ranges overlap. */
function overlapText(group: Eligible[], basis: RecommendBasis): string {
  if (basis === 'tokens_per_s') return `their output tokens/s differ by no more than its run-to-run noise (${tokensNoiseText(group)})`;
  const ranges = group.map((c) => `${c.id} ${range(c.figures)}`).join(', ');
  return `their capacity ranges overlap (${ranges})${basis === 'cost' ? ', and so do their costs per 1M' : ''}`;
}

function range(f: Figures): string {
  if (f.rateRps === undefined) return `${rps(f.throughputAtSloRps)} rps`;
  return f.notMetRps == null ? `>= ${rps(f.rateRps)} rps` : `${rps(f.rateRps)}–${rps(f.notMetRps)} rps`;
}

function tokensNoiseText(group: Eligible[]): string {
  return group
    .map((c) => {
      const n = c.figures.tokensNoiseShare;
      return `${c.id} ${tokensOf(c).toFixed(0)} tokens/s ${n == null ? 'noise not measured' : `±${pctShare(n)} over ${c.figures.noiseRuns ?? 2} runs`}`;
    })
    .join(', ');
}

/** whySeparated names the runner-up and the measurement that separates it. */
function whySeparated(best: Eligible, next: Eligible, basis: RecommendBasis): string {
  const fb = next.figures;
  if (basis === 'tokens_per_s') return `next: ${next.id}, ${figuresText(fb, basis)}: ${best.id} has ${pctShare(primaryMargin(best, next, basis))} more output tokens/s, beyond the run-to-run noise of tokens/s (${tokensNoiseText([best, next])})`;
  if (basis === 'p99') return `next: ${next.id} with p99 ${ms(fb.p99Ms)} ms, ${pctShare(p99Margin(best, next))} higher${noiseKnown([best, next]) ? `, beyond the run-to-run noise (${noiseText([best, next])})` : ''}`;
  const where = fb.notMetRps != null ? `, and missed the bounds at ${rps(fb.notMetRps)} rps, which ${best.id} met` : '';
  return `next: ${next.id}, ${figuresText(fb, basis)}${where}`;
}

function leadText(basis: RecommendBasis): string {
  if (basis === 'tokens_per_s') return 'has the highest output tokens/s meeting the SLO';
  return basis === 'throughput' ? 'has the highest throughput at the SLO' : basis === 'cost' ? 'has the lowest cost per 1M inferences at the SLO' : 'has the lowest p99';
}

/** figuresText: the figures a reason quotes, the basis's first. */
function figuresText(f: Figures, basis: RecommendBasis): string {
  const thr = `${f.lowerBound ? 'at least ' : ''}${rps(f.throughputAtSloRps)} rps at the SLO`;
  const lat = `p99 ${ms(f.p99Ms)} ms (p50 ${ms(f.p50Ms)} ms), ${pct(f.errorRate)} errors`;
  const mem = f.memoryMib !== null ? `, ${f.memoryMib.toFixed(0)} MiB` : '';
  const acc = f.accuracy && f.accuracy.maxAbsError > 0 ? `, cosine ${f.accuracy.cosine} against fp32` : '';
  const cost = f.costPerMillion != null ? `${money(f.costPerMillion)} per 1M at ${money(f.costPerHour ?? 0)}/h` : '';
  const g = f.generation;
  const gen = g && g.tokenAgreement < 1 ? `, token agreement ${g.tokenAgreement.toFixed(3)} with fp32 (first divergence at token ${g.meanFirstDivergence.toFixed(1)} of ${g.tokensPerPrompt})` : '';
  const t = f.tokens;
  if (t) {
    const tok = `${t.outputTokensPerS.toFixed(0)} output tokens/s, TTFT p99 ${ms(t.ttftP99Ms)} ms, TPOT p50 ${ms(t.tpotP50Ms)} ms, goodput ${pct(t.goodput)}`;
    return `${tok}${gen}, ${rps(f.throughputAtSloRps)} requests/s with ${lat}${mem}${cost ? `, ${cost}` : ''}`;
  }
  if (basis === 'cost') return `${cost}, ${thr}, ${lat}${mem}${acc}`;
  return `${thr} with ${lat}${mem}${acc}${cost ? `, ${cost}` : ''}`;
}

function lowerBounds(ordered: Eligible[], best: Eligible): string {
  const unsure = ordered.filter((c) => c !== best && c.figures.lowerBound);
  return unsure.length ? `; ${unsure.map((c) => c.id).join(', ')} may sustain more than measured (lower bound${unsure.length > 1 ? 's' : ''}): a quieter machine or more load workers would tell` : '';
}

function pctShare(v: number): string {
  return `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;
}
