/**
 * describePlan renders a Plan for people (`gauntlet run --dry-run`): the target, the request, the SLO, and one
 * table row per phase with its start, duration, load, arrival process, expected request count and thresholds.
 */
import { describeMix } from './describe-mix.js';
import type { RequestSpec, TargetSpec } from '../targets/target-spec.js';
import { integralOf } from './integral.js';
import type { ArrivalSpec, EmbeddedTarget, FaultPlan, PhasePlan, Plan, ShapeSpec, SloSpec, TraceShapeSpec } from './plan.js';
import { DRILL_DEFAULTS } from './parse-faults.js';
import { SLO_KEYS } from './parse-slo.js';
import { createShape } from './shapes.js';
import { PROTOCOL_ENTRIES } from '../targets/protocols.js';
import { describeRepositoryFault } from './describe-repository-fault.js';
import { formatDuration, formatRps, round } from './units.js';

/** describePlan renders a plan as lines of text (no trailing newline). */
export function describePlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`Scenario ${plan.name}${plan.file ? ` (${plan.file})` : ''}`);
  if (plan.description) lines.push(`  ${plan.description.trim().replace(/\s*\n\s*/g, ' ')}`);
  const facts = [`seed ${plan.seed}`, ...(plan.peakRps !== undefined ? [`peak ${formatRps(plan.peakRps)}`] : []), `duration ${formatDuration(plan.durationS)}`];
  if (plan.durationScale !== 1) facts.push(`durations scaled by ${plan.durationScale}`);
  lines.push(`  ${facts.join(' · ')}`);
  lines.push(`Target: ${describeTarget(plan.target)}`);
  lines.push(`Request: ${plan.request.mix ? `a mix of ${plan.request.mix.length} template${plan.request.mix.length === 1 ? '' : 's'}` : describeRequest(plan.request, plan.target)}`);
  lines.push(...describeMix(plan.request));
  lines.push(`SLO: ${describeSlo(plan.slo) || 'none'}`);
  lines.push('Phases:');
  const rows = plan.phases.map((p, i) => phaseRow(p, i, plan));
  const header = ['#', 'name', 'start', 'duration', 'load', 'arrival', 'requests', 'slo'];
  // No spreads into calls: a plan's phases are user-sized (see "Limits" in docs/scenarios.md).
  for (const l of table([header, ...rows.map((r) => r.cells)])) lines.push(`  ${l}`);
  const expected = rows.reduce((sum, r) => sum + (r.expected ?? 0), 0);
  const closed = rows.some((r) => r.expected === undefined);
  lines.push(`Expected requests: ${expected}${closed ? ' (open-loop phases; closed-loop phases send as fast as replies come)' : ''}`);
  if (plan.faults.length > 0) {
    lines.push('Faults:');
    for (const fault of plan.faults) lines.push(`  at ${formatDuration(fault.atS)}${fault.durationS !== undefined ? ` for ${formatDuration(fault.durationS)}` : ''}: ${describeFault(fault)}`);
    const drill = plan.drill ?? DRILL_DEFAULTS;
    lines.push(`Drill: recovery window ${formatDuration(drill.recoveryWindowS)} · compare window ${formatDuration(drill.compareWindowS)}`);
  }
  if (plan.drill?.requireGraceful) lines.push('Graceful degradation required: an overloaded phase that does not degrade gracefully fails the run (exit 1)');
  if (plan.alerts) {
    const a = plan.alerts;
    const ref = (r: { fault: number } | { phase: string }): string => ('fault' in r ? `fault ${r.fault}` : `phase ${r.phase}`);
    lines.push(`Alerting drill: ${a.prometheus} evaluates ${a.rulesFile} (1 s scrape and evaluation)${a.quietPhases.length ? `; quiet: ${a.quietPhases.join(', ')}` : ''}`);
    for (const e of a.expect) lines.push(`  ${e.alert} fires within ${formatDuration(e.withinS)} of ${ref(e.after)}${e.resolveAfter && e.resolveWithinS !== undefined ? `, resolves within ${formatDuration(e.resolveWithinS)} of ${ref(e.resolveAfter)}${'fault' in e.resolveAfter ? "'s end" : ''}` : ''}`);
  }
  return lines.join('\n');
}

function phaseRow(p: PhasePlan, i: number, plan: Plan): { cells: string[]; expected: number | undefined } {
  const slo = p.slo === null ? 'off' : sameSlo(p.slo, plan.slo) ? 'scenario' : describeSlo(p.slo) || 'none';
  const base = [String(i + 1), p.name, formatDuration(p.startS), formatDuration(p.durationS)];
  if (p.load.kind === 'closed') return { cells: [...base, `${p.load.concurrency} concurrent (closed loop)`, '-', '-', slo], expected: undefined };
  const shape = createShape(p.load.shape, p.durationS);
  const lambda = shape.integral ? shape.integral(p.durationS) : integralOf(shape, p.durationS).at(p.durationS);
  const trace = p.load.shape.type === 'trace';
  // Constant arrivals send the k-th request at Λ = k − ½ before the end: exactly ⌈Λ − ½⌉; a trace's Λ is its count.
  const expected = trace ? lambda : p.load.arrival.type === 'constant' ? Math.max(0, Math.ceil(lambda - 0.5)) : Math.round(lambda);
  const arrival = trace ? 'trace' : describeArrival(p.load.arrival);
  return { cells: [...base, describeShape(p.load.shape, plan.peakRps), arrival, String(expected), slo], expected };
}

/** describeShape renders a load shape: `150 rps (1x)`, `150 rps (1x) → 750 rps (5x)`, bursts, traces. */
export function describeShape(s: ShapeSpec, peakRps?: number): string {
  switch (s.type) {
    case 'constant':
      return formatRps(s.rps, peakRps);
    case 'ramp':
      return `${formatRps(s.fromRps, peakRps)} → ${formatRps(s.toRps, peakRps)}`;
    case 'burst':
      return `${formatRps(s.baseRps, peakRps)}, bursts of ${formatRps(s.burstRps, peakRps)} for ${formatDuration(s.lengthS)} every ${formatDuration(s.everyS)}`;
    case 'trace':
      return describeTrace(s);
  }
}

/** describeTrace renders a trace replay: `trace t.csv 1h–2h (12,034 sends, 7 sizes 1.1–64 KiB, 2 models) at 1x speed, 3 loops`. */
export function describeTrace(s: TraceShapeSpec): string {
  const w = s.window;
  const window = w ? ` ${w.fromS !== undefined ? formatDuration(w.fromS) : 'start'}–${w.toS !== undefined ? formatDuration(w.toS) : 'end'}` : '';
  const parts = [`${s.offsetsS.length.toLocaleString('en-US')} sends`];
  const sizes = [...new Set((s.variants ?? []).flatMap((v) => (v.requestBytes !== undefined ? [v.requestBytes] : [])))].sort((a, b) => a - b);
  if (sizes.length > 0) parts.push(`${sizes.length} size${sizes.length === 1 ? '' : 's'} ${formatBytes(sizes[0]!)}${sizes.length > 1 ? `–${formatBytes(sizes[sizes.length - 1]!)}` : ''}`);
  const models = new Set((s.variants ?? []).flatMap((v) => (v.model !== undefined ? [`${v.model}@${v.modelVersion ?? ''}`] : [])));
  if (models.size > 0) parts.push(`${models.size} model${models.size === 1 ? '' : 's'}`);
  const loop = s.loop === true ? ', looped to the phase\'s end' : s.loop !== undefined && s.loop > 1 ? `, ${s.loop} loops` : '';
  return `trace ${s.file}${window} (${parts.join(', ')}) at ${round(s.speed, 3)}x speed${loop}`;
}

/** formatBytes renders a size: `980 B`, `1.1 KiB`, `64 KiB`, `2.5 MiB`. */
function formatBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  const [v, unit] = b < 1 << 20 ? [b / 1024, 'KiB'] : [b / (1 << 20), 'MiB'];
  return `${v < 10 ? round(v, 1) : Math.round(v)} ${unit}`;
}

/** describeFault renders a fault's action and parameters: `kill-replica r1`, `network +50 ms ± 10 ms`. */
export function describeFault(f: FaultPlan): string {
  switch (f.action) {
    case 'kill-replica':
    case 'stop-replica':
    case 'restore-replica':
      return `${f.action} ${f.params.replica}`;
    case 'command':
      return `command ${JSON.stringify(f.params.run)} (timeout ${formatDuration(f.params.timeoutS)})`;
    case 'network':
      return `network +${round(f.params.latencyMs, 3)} ms${f.params.jitterMs > 0 ? ` ± ${round(f.params.jitterMs, 3)} ms` : ''}`;
    case 'kubernetes': {
      const p = f.params;
      const what = p.op === 'delete-pod' ? `delete ${p.count === 'all' ? 'all pods' : `${p.count} pod${p.count === 1 ? '' : 's'}`} ${p.selector}` : p.op === 'cordon-node' ? `cordon node ${p.node}` : `scale deployment ${p.deployment} to ${p.replicas}`;
      return `kubernetes ${what}${p.namespace ? ` in ${p.namespace}` : ''}${p.context ? ` (context ${p.context})` : ''}`;
    }
    case 'load-model':
    case 'unload-model':
    case 'set-version-policy':
      return describeRepositoryFault(f);
  }
}

function describeArrival(a: ArrivalSpec): string {
  return a.type === 'gamma' ? `gamma (burstiness ${a.burstiness})` : a.type;
}

function describeTarget(t: TargetSpec | EmbeddedTarget): string {
  const limits = `timeout ${t.timeoutMs} ms · max in flight ${t.maxInFlight}`;
  if ('embedded' in t) {
    const models = t.models && t.models.length > 0 ? ` · models ${t.models.join(', ')}` : '';
    const stack = t.replicas !== undefined ? ` · ${t.replicas} replicas (${[`router ${t.router ?? 'least-outstanding'}`, ...(t.restartDelayS !== undefined ? [t.restartDelayS === 'never' ? 'no automatic restarts' : `restart after ${formatDuration(t.restartDelayS)}`] : [])].join(', ')})` : '';
    const a = t.autoscale;
    const scaler = a ? ` · autoscaled ${a.min}..${a.max} replicas on ${a.metric}${a.target !== undefined ? ` (target ${a.target} per replica)` : ''}` : '';
    const extra = t.coldStartExtraS !== undefined ? ` · cold starts +${formatDuration(t.coldStartExtraS)}` : '';
    return `embedded reference server${stack}${scaler}${extra} · ${t.protocol}${PROTOCOL_ENTRIES[t.protocol].describe(t).wire}${models} · ${limits}`;
  }
  const { wire, details } = PROTOCOL_ENTRIES[t.protocol].describe(t);
  const parts = [`${t.name}${t.file ? ` (${t.file})` : ''}`, `${t.protocol} ${t.url}${wire}`, ...details];
  parts.push(limits, `connections ${t.connections === 0 ? 'as needed' : t.connections}`);
  if (t.metricsUrl) parts.push(`metrics ${t.metricsUrl}`);
  if (t.costPerHour !== undefined) parts.push(`cost ${t.costPerHour}/h`);
  return parts.join(' · ');
}

/** describeRequest renders the request through the target's request kind (request-kinds.ts). */
function describeRequest(r: RequestSpec, t: TargetSpec | EmbeddedTarget): string {
  return PROTOCOL_ENTRIES[t.protocol].request.describe(r);
}

/** describeSlo renders thresholds as `p99 ≤ 50 ms · error rate ≤ 0.1%` (empty when there are none). */
export function describeSlo(slo: SloSpec): string {
  const out: string[] = [];
  for (const [name, { key }] of Object.entries(SLO_KEYS)) {
    const v = slo[key];
    if (v === undefined) continue;
    if (key === 'errorRate') out.push(`error rate ≤ ${round(v * 100, 4)}%`);
    else if (key === 'badOutputRate') out.push(`wrong answers ≤ ${round(v * 100, 4)}%`);
    else if (key === 'minRps') out.push(`rate ≥ ${round(v, 3)} rps`);
    else if (key === 'minOutputTokensPerS') out.push(`output ≥ ${round(v, 3)} tokens/s`);
    else if (key === 'minGoodput') out.push(`goodput ≥ ${round(v * 100, 4)}%`);
    else if (key === 'ttftMs' || key === 'itlMs' || key === 'tpotMs' || key === 'e2eMs') out.push(`${name.replace(/_ms$/, '')} ≤ ${v} ms per request`);
    else out.push(`${name.replace(/_ms$/, '')} ≤ ${v} ms`);
  }
  return out.join(' · ');
}

function sameSlo(a: SloSpec, b: SloSpec): boolean {
  return Object.values(SLO_KEYS).every(({ key }) => a[key] === b[key]);
}

/** table pads cells into left-aligned columns. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => rows.reduce((w, r) => Math.max(w, (r[c] ?? '').length), 0));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
}
