/**
 * Per-figure validity of a phase's token metrics at the gate (docs/gates.md, "Token metrics"), read from results
 * files like the latency figures' (src/run/metric-validity.ts), by the same shares: valid while the generator's
 * part is at most half the gate's minimum effect, invalid past a quarter of the figure.
 * - TTFT is timed from the intended send, so it carries the send lag as latency does: at most the send lag one
 *   step further into the tail (p99.9 for p99), and never more than the TTFT itself.
 * - ITL is measured between chunks and is not moved by send lag, but a stalled client reads a chunk late and
 *   stretches a gap by up to the stall: the longest stall the watchdog saw in the phase's seconds, counted only
 *   when the gaps the stalls could have stretched (one per stream open per stall, streams by Little's law) reach
 *   0.1 % of the gaps (one step further into the tail than p99). Without the watchdog's record it is not judged.
 * - Output tokens/s loses what the generator did not send in the phase's time (throughput's share of it), and
 *   goodput what it gave up unsent (DROPPED, the error rate's part), or TTFT's verdict when goodput judges TTFT.
 */
import { type MetricValidity, msText, pctText, type ValidityStatus } from '../run/metric-validity.js';
import type { PhaseResult, ResultsFile } from '../results/results-schema.js';
import type { TokenSampleKey } from './baseline.js';

/** TOKEN_VALID_SHARE: half each token metric's default minimum effect (gate.ts DEFAULT_MIN_EFFECT). */
const TOKEN_VALID_SHARE: Record<TokenSampleKey, number> = { ttft_p99: 0.05, itl_p99: 0.05, output_tokens_per_s: 0.025, goodput: 0.01 };
const INVALID_SHARE = 0.25;
/** STRETCHED_SHARE: stalls that could stretch fewer than this share of the gaps cannot move ITL p99. */
const STRETCHED_SHARE = 0.001;

function statusOf(metric: TokenSampleKey, share: number, absolute = share): ValidityStatus {
  if (absolute <= TOKEN_VALID_SHARE[metric]) return 'valid';
  return share > INVALID_SHARE ? 'invalid' : 'marginal';
}

/**
 * tokenValidity judges a phase's token figures; `base` is the phase's latency, throughput and error-rate verdicts
 * (phaseValidity), which output tokens/s and goodput follow. A figure the phase does not have is absent.
 */
export function tokenValidity(r: ResultsFile, p: PhaseResult, base: Partial<Record<string, MetricValidity>>): Partial<Record<TokenSampleKey, MetricValidity>> {
  const t = p.tokens;
  const out: Partial<Record<TokenSampleKey, MetricValidity>> = {};
  if (!t || t.requests === 0) return out;
  if (t.ttftUs.count > 0) {
    const value = t.ttftUs.p99;
    const lag = p.kind === 'closed' ? 0 : p.sendLagUs.p999;
    const partUs = Math.max(0, Math.min(lag, value));
    const share = value > 0 ? partUs / value : 0;
    out.ttft_p99 = { status: statusOf('ttft_p99', share), generatorPart: partUs / 1000, unit: 'ms', share, reason: `TTFT p99 ${msText(value)}, of which up to ${msText(partUs)} (${pctText(share)}) could be the generator's send lag (send lag p99.9 ${msText(lag)}; TTFT is timed from the intended send)` };
  }
  const itl = itlValidity(r, p);
  if (itl) out.itl_p99 = itl;
  const thr = base['throughput'];
  if (thr) {
    const part = thr.share * t.outputTokensPerS;
    out.output_tokens_per_s = { status: statusOf('output_tokens_per_s', thr.share), generatorPart: part, unit: 'rps', share: thr.share, reason: `${pctText(thr.share)} of the planned requests were not sent within the phase's time: up to ${part.toFixed(1)} of ${t.outputTokensPerS.toFixed(1)} output tokens/s` };
  }
  const err = base['error_rate'];
  if (err) {
    const given = err.generatorPart;
    const share = t.goodput.fraction + given > 0 ? given / (t.goodput.fraction + given) : 0;
    let g: MetricValidity = { status: statusOf('goodput', share, given), generatorPart: given, unit: 'ratio', share, reason: `${pctText(given)} of the requests were given up unsent by the generator (DROPPED), not good: goodput ${pctText(t.goodput.fraction)}` };
    const ttft = out.ttft_p99;
    if (t.goodput.criteria.ttftMs !== undefined && ttft && rank(ttft.status) > rank(g.status)) g = { ...ttft, generatorPart: g.generatorPart, unit: 'ratio', reason: `goodput judges TTFT (ttft_ms ${t.goodput.criteria.ttftMs}), and ${ttft.reason}` };
    out.goodput = g;
  }
  return out;
}

function rank(s: ValidityStatus): number {
  return s === 'valid' ? 0 : s === 'marginal' ? 1 : 2;
}

/** itlValidity judges ITL p99 against the machine's stalls in the phase's seconds (undefined: not judged). */
function itlValidity(r: ResultsFile, p: PhaseResult): MetricValidity | undefined {
  const t = p.tokens!;
  const stalls = r.generator.stalls;
  if (t.itlUs.count === 0 || !stalls || stalls.watchdog === 'off') return undefined;
  const from = Math.floor(p.startS);
  const to = p.startS + (p.elapsedS ?? p.durationS);
  const seconds = stalls.seconds.filter((s) => s.t >= from && s.t < to);
  const count = seconds.reduce((n, s) => n + s.stalls, 0);
  const longest = seconds.reduce((m, s) => Math.max(m, s.maxUs), 0);
  // Streams open at a time, by Little's law: completions per second × mean time from intended send to the end.
  const open = Math.max(1, Math.ceil(p.throughputRps * (p.latencyUs.mean / 1e6)));
  const stretched = count * open;
  const value = t.itlUs.p99;
  const partUs = stretched >= STRETCHED_SHARE * t.itlUs.count ? Math.min(longest, value) : 0;
  const share = value > 0 ? partUs / value : 0;
  const why = count === 0 ? 'the watchdog saw no stall of the machine in the phase' : `${count} stall(s) of the machine in the phase (longest ${msText(longest)}) could stretch up to ${stretched} of ${t.itlUs.count} gaps (about ${open} stream(s) open)`;
  return { status: statusOf('itl_p99', share), generatorPart: partUs / 1000, unit: 'ms', share, reason: `ITL p99 ${msText(value)}, of which up to ${msText(partUs)} (${pctText(share)}) could be the client's stalls (${why}; send lag does not move a gap between chunks)` };
}
