/**
 * Text for people: the combinations a sweep would run (`--dry-run`), and the table of a finished sweep with the
 * Pareto frontier and the recommendation. Read from the sweep record's data only.
 */
import { describeExternal } from './describe-external.js';
import { describeVariables } from './variable-combinations.js';
import type { Plan } from '../scenario/plan.js';
import { formatDuration } from '../scenario/units.js';
import { CONFIG_ORDER, type CombinationList, describeConfig } from './combinations.js';
import { CONSTRAINT_KEYS } from './parse-sweep.js';
import { hasStepBound, searchBounds } from './search-bounds.js';
import { money } from './recommend.js';
import { type ComboRecord, comboState, type SweepRecord } from './sweep-record.js';
import type { ComboConfig, StepBounds, SweepSpec } from './sweep-spec.js';

/** SETTING_HEADERS are the table's column headers of the swept settings. */
const SETTING_HEADERS: Record<keyof ComboConfig, string> = {
  dynamicBatching: 'batching',
  maxBatchSize: 'max batch',
  maxQueueDelayUs: 'delay µs',
  llmBatching: 'llm batching',
  maxNumSeqs: 'max seqs',
  kvCacheTokens: 'kv tokens',
  maxQueue: 'queue',
  maxQueueDelayMs: 'wait ms',
  precision: 'precision',
  instanceCount: 'instances',
  intraOpThreads: 'threads',
  replicas: 'replicas',
  executionProvider: 'provider',
};

/** describeSweep lists what a sweep would run, for --dry-run. */
export function describeSweep(spec: SweepSpec, plan: Plan, list: CombinationList): string[] {
  const out = [`Sweep ${spec.name}${spec.file ? ` (${spec.file})` : ''}`];
  if (spec.description) out.push(`  ${spec.description.trim().replace(/\s*\n\s*/g, ' ')}`);
  out.push(`Scenario: ${plan.name} (${plan.file ?? spec.scenario})${spec.search ? ': its request and SLO; the search replaces its phases' : `: ${plan.phases.length} phase(s), ${formatDuration(plan.durationS)}`}`);
  if (spec.external) out.push(...describeExternal(spec.external, plan));
  else out.push(spec.targets ? `Targets: ${spec.targets.length}` : `Model: ${spec.model}`);
  if (spec.search) {
    const s = spec.search;
    const b = searchBounds(spec, plan);
    const ceiling = s.toRps !== undefined ? `${s.toRps} rps` : `a ceiling of 1.5x what a ${formatDuration(s.probeS)} closed-loop probe of each combination sustains`;
    out.push(`Search: ${s.fromRps} rps to ${ceiling}, ${s.steps} bisection step(s) of ${formatDuration(s.stepDurationS)} after the first, warm-up ${formatDuration(s.warmupS)}; feasible: valid, ${boundsText(b)}`);
  }
  const c = spec.constraints;
  const cons = Object.entries(CONSTRAINT_KEYS).flatMap(([name, { key }]) => (c[key] !== undefined ? [`${name} ${c[key]}`] : []));
  out.push(`Constraints: ${cons.length ? cons.join(', ') : 'none'}`);
  out.push(`Recommend on: ${spec.recommend}${spec.repeats ? `; each deciding run repeated ${spec.repeats} time(s) to measure run-to-run noise` : '; repeats: 0, so run-to-run noise is not measured and p99 differences cannot decide'}`);
  out.push(`Combinations: ${list.combinations.length}${list.duplicates ? ` (${list.duplicates} duplicate(s) left out: with batching off the queue delay, and with llm_batching none max_num_seqs, have no effect)` : ''}`);
  for (const combo of list.combinations) out.push(`  ${combo.id}  ${combo.variables ? describeVariables(combo.variables) : combo.target ? `${combo.target.spec.name} (${combo.target.spec.protocol} ${combo.target.spec.url})` : describeConfig(combo.config)}`);
  const s = spec.search;
  const repeatS = s ? spec.repeats * s.stepDurationS : spec.repeats * Math.max(0, ...plan.phases.map((p) => p.durationS));
  const perCombo = (s ? s.warmupS + (s.toRps === undefined ? s.probeS : 0) + (s.steps + 1) * s.stepDurationS : plan.durationS) + repeatS;
  out.push(`Measuring time: about ${formatDuration(perCombo * list.combinations.length)} (${formatDuration(perCombo)} per combination${spec.search ? ' without retries' : ''}), plus server starts`);
  return out;
}

/** boundsText says what a search step must meet, e.g. `TTFT p99 <= 200 ms, goodput >= 90.0 %, errors <= 0.10 %`. */
export function boundsText(b: StepBounds): string {
  const parts = [b.p99Ms !== undefined || !hasStepBound(b) ? `p99 <= ${b.p99Ms ?? '?'} ms` : ''];
  if (b.ttftP99Ms !== undefined) parts.push(`TTFT p99 <= ${b.ttftP99Ms} ms`);
  if (b.itlP99Ms !== undefined) parts.push(`ITL p99 <= ${b.itlP99Ms} ms`);
  if (b.tpotP99Ms !== undefined) parts.push(`TPOT p99 <= ${b.tpotP99Ms} ms`);
  if (b.minGoodput !== undefined) parts.push(`goodput >= ${(b.minGoodput * 100).toFixed(1)} %`);
  parts.push(`errors <= ${(b.errorRate * 100).toFixed(2)} %`);
  return parts.filter((p) => p !== '').join(', ');
}

/** formatSweep renders a finished (or running) sweep: the table, the Pareto frontier, misses and the recommendation. */
export function formatSweep(r: SweepRecord, dir: string): string[] {
  const settings = CONFIG_ORDER.filter((k) => r.combinations.some((c) => c.config[k] !== undefined));
  const precision = r.combinations.some((c) => c.accuracy && c.accuracy.maxAbsError > 0);
  const cost = r.combinations.some((c) => c.figures?.costPerHour !== undefined);
  const noise = r.combinations.some((c) => c.figures?.p99NoiseShare !== undefined);
  const llm = r.combinations.some((c) => c.figures?.tokens);
  const gen = r.combinations.some((c) => c.generation && c.generation.tokenAgreement < 1);
  const header = ['combination', ...settings.map((k) => SETTING_HEADERS[k]), ...(r.sweep.mode === 'targets' ? ['target'] : []), ...(r.sweep.mode === 'external' ? ['variables'] : []), 'rps@SLO', 'missed at', 'p50 ms', 'p99 ms', ...(noise ? ['p99 noise'] : []), 'errors', 'MiB', ...(llm ? LLM_HEADERS : []), ...(gen ? GEN_HEADERS : []), ...(cost ? ['cost/h', 'cost/1M'] : []), ...(precision ? ['cosine', 'max err'] : []), 'valid', 'constraints', ''];
  const rows = r.combinations.map((c) => [
    c.id,
    ...settings.map((k) => setting(c.config, k)),
    ...(r.sweep.mode === 'targets' ? [c.target?.url ?? ''] : []),
    ...(r.sweep.mode === 'external' ? [c.label] : []),
    ...figureCells(c, noise),
    ...(llm ? tokenCells(c) : []),
    ...(gen ? generationCells(c) : []),
    ...(cost ? costCells(c) : []),
    ...(precision ? accuracyCells(c) : []),
    comboState(c),
    c.verdict ? (c.verdict.failures.length === 0 ? 'ok' : 'MISSED') : '',
    notes(c, r),
  ]);
  const right = new Set([...LLM_HEADERS, ...GEN_HEADERS, 'max seqs', 'rps@SLO', 'missed at', 'p99 noise', 'cost/h', 'cost/1M', 'p50 ms', 'p99 ms', 'errors', 'MiB', 'cosine', 'max err', 'max batch', 'delay µs', 'instances', 'threads', 'replicas']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (right.has(header[i]!) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = ['', line(header), ...rows.map(line), ''];
  const rec = r.recommendation;
  if (rec) out.push(`Pareto frontier (throughput at the SLO against p99): ${rec.frontier.length ? rec.frontier.join(', ') : 'none'}`);
  const missed = r.combinations.filter((c) => c.verdict && c.verdict.failures.length > 0 && c.status === 'done');
  if (missed.length) {
    out.push('Constraints missed:');
    for (const c of missed) out.push(`  ${c.id}: ${c.verdict!.failures.join(', ')}`);
  }
  const failed = r.combinations.filter((c) => c.status === 'failed');
  if (failed.length) {
    out.push('Failed:');
    for (const c of failed) out.push(`  ${c.id}: ${(c.error ?? '').split('\n').join(' | ')}`);
  }
  const invalid = r.combinations.filter((c) => c.figures && !c.figures.valid);
  if (invalid.length) out.push(`Invalid measurements (${invalid.map((c) => c.id).join(', ')}): their figures are shown, ${r.sweep.allowInvalid ? 'and were considered (--allow-invalid)' : 'but not considered for the recommendation (--allow-invalid to consider them)'}.`);
  const onCapacity = (r.sweep.recommend ?? 'throughput') === 'throughput' || r.sweep.recommend === 'cost';
  const tooLow = onCapacity ? r.combinations.filter((c) => c.figures?.ceilingTooLow) : [];
  if (tooLow.length) out.push(`Ceiling too low (${tooLow.map((c) => c.id).join(', ')}): met the bounds at every rate tried, so the capacity lies above it ('missed at' shows '-'); their throughput is no ranking figure.`);
  const bounds = r.combinations.filter((c) => c.figures?.valid && c.figures.lowerBound);
  if (bounds.length) out.push(`Lower bounds (${bounds.map((c) => c.id).join(', ')}): a search step above the rate shown stayed invalid after its retry (the load generator fell behind); the rate shown was measured validly and was considered as the least these combinations sustain.`);
  if (rec) out.push(`${rec.basis && rec.basis !== 'throughput' ? `Ranked on ${rec.basis}. ` : ''}${rec.id ? `Recommended: ${rec.reason}` : rec.reason}`);
  if (r.status === 'interrupted') out.push('Sweep INTERRUPTED: the combinations not run are marked skipped.');
  out.push(`Sweep: ${dir}/sweep.json`);
  return out;
}

function setting(c: ComboConfig, k: keyof ComboConfig): string {
  const v = c[k];
  if (v === undefined) return k === 'maxQueueDelayUs' && c.dynamicBatching === false ? '-' : 'base';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v);
}

function figureCells(c: ComboRecord, noise: boolean): string[] {
  const f = c.figures;
  if (!f) return ['-', '-', '-', '-', ...(noise ? ['-'] : []), '-', '-'];
  const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(v < 10 ? 2 : 1));
  const rate = (v: number): string => v.toFixed(v >= 100 ? 0 : 1);
  return [
    `${f.lowerBound || (f.ceilingTooLow && !f.tokens) ? '>=' : ''}${rate(f.throughputAtSloRps)}`,
    f.notMetRps == null ? '-' : rate(f.notMetRps),
    ms(f.p50Ms),
    ms(f.p99Ms),
    ...(noise ? [f.p99NoiseShare == null ? '-' : `±${(f.p99NoiseShare * 100).toFixed(0)} %`] : []),
    `${(f.errorRate * 100).toFixed(2)} %`,
    f.memoryMib === null ? '-' : f.memoryMib.toFixed(0),
  ];
}

/** LLM_HEADERS are the token columns of an LLM sweep; GEN_HEADERS its precision variants' generation agreement with fp32. */
const LLM_HEADERS = ['tok/s', 'tok/s noise', 'TTFT p99', 'ITL p99', 'TPOT p50', 'goodput'];
const GEN_HEADERS = ['agreement', '1st div'];

function tokenCells(c: ComboRecord): string[] {
  const t = c.figures?.tokens;
  if (!t) return LLM_HEADERS.map(() => '-');
  const n = c.figures?.tokensNoiseShare;
  const ms = (v: number | null | undefined): string => (v == null ? '-' : v.toFixed(v < 10 ? 2 : 1));
  return [t.outputTokensPerS.toFixed(0), n == null ? '-' : `±${(n * 100).toFixed(0)} %`, ms(t.ttftP99Ms), ms(t.itlP99Ms), ms(t.tpotP50Ms), `${(t.goodput * 100).toFixed(1)} %`];
}

function generationCells(c: ComboRecord): string[] {
  const g = c.generation;
  if (!g) return ['-', '-'];
  if (g.tokenAgreement === 1 && g.meanFirstDivergence >= g.tokensPerPrompt) return ['ref', 'ref'];
  return [g.tokenAgreement.toFixed(3), `${g.meanFirstDivergence.toFixed(1)}/${g.tokensPerPrompt}`];
}

function costCells(c: ComboRecord): string[] {
  const f = c.figures;
  if (f?.costPerHour === undefined) return ['-', '-'];
  return [money(f.costPerHour), f.costPerMillion == null ? '-' : money(f.costPerMillion)];
}

function accuracyCells(c: ComboRecord): string[] {
  const a = c.accuracy;
  if (!a) return ['-', '-'];
  if (a.maxAbsError === 0) return ['ref', 'ref'];
  return [`${a.cosine.toFixed(5)}${a.top1 !== undefined ? ` (top-1 ${(a.top1 * 100).toFixed(0)} %)` : ''}`, a.maxAbsError.toPrecision(3)];
}

function notes(c: ComboRecord, r: SweepRecord): string {
  const out: string[] = [];
  if (r.recommendation?.id === c.id) out.push('<< recommended');
  if (r.recommendation?.tie?.ids.includes(c.id)) out.push('<< tied');
  if (c.figures?.ceilingTooLow && (r.sweep.recommend === undefined || r.sweep.recommend === 'throughput' || r.sweep.recommend === 'cost')) out.push('CEILING TOO LOW');
  if (c.verdict?.pareto) out.push('pareto');
  return out.join(', ');
}
