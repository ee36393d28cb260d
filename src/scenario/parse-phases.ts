/**
 * The `phases:` of a scenario. Each phase is open-loop (`rate`, optionally with `arrival` and `burst`), closed-loop
 * (`concurrency`) or a trace replay (`trace`, `speed`), and runs for its `duration` (a trace: its span / speed
 * unless given). Every duration, bursts' included, is multiplied by the duration scale; a trace's send times are
 * not (that would change its rate), so a scaled trace phase replays only the start of the trace.
 */
import { join, isAbsolute } from 'node:path';
import { ARRIVALS } from './arrivals.js';
import { asFields, type Bounds, checkBounds, Fields, show } from './fields.js';
import { COUNT_LIMITS, RANGES, TEXT_LIMITS, TOTAL_LIMITS } from './limits.js';
import type { ArrivalSpec, LoadSpec, PhasePlan, ShapeSpec, SloSpec } from './plan.js';
import { readPhaseSlo } from './parse-slo.js';
import { readTraceFile } from './parse-trace.js';
import { isMapping, type ConfigPath, type Problems } from './problems.js';
import { createShape } from './shapes.js';
import { formatDuration, parseRate } from './units.js';

/** PHASE_KEYS are the fields a phase may have. */
export const PHASE_KEYS = ['name', 'duration', 'rate', 'concurrency', 'trace', 'speed', 'arrival', 'burst', 'slo'] as const;
/** BURST_KEYS are the fields of a phase's `burst:`. */
export const BURST_KEYS = ['every', 'length', 'rate'] as const;
/** LOAD_KEYS are the keys that say what kind of load a phase offers; a phase has exactly one. */
const LOAD_KEYS = ['rate', 'concurrency', 'trace'] as const;

/** PhaseContext is what phases need from the rest of the scenario. */
export interface PhaseContext {
  problems: Problems;
  /** peak_rps; undefined when absent (then `2x` is a problem). */
  peakRps: number | undefined;
  /** The scenario's folder, for trace paths. */
  baseDir: string;
  durationScale: number;
  slo: SloSpec;
}

/** readPhases validates the phases and lays them end to end from the run's start. */
export function readPhases(f: Fields, ctx: PhaseContext): PhasePlan[] {
  const phases = f.list('phases', (item, path) => readPhase(item, path, ctx), true, COUNT_LIMITS.phases) ?? [];
  if (Array.isArray(f.obj.phases) && f.obj.phases.length === 0) f.problem('phases', 'must have at least one phase');
  const seen = new Map<string, number>();
  (Array.isArray(f.obj.phases) && f.obj.phases.length <= COUNT_LIMITS.phases ? f.obj.phases : []).forEach((p: unknown, i) => {
    const name = (p as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first !== undefined) ctx.problems.add(['phases', i, 'name'], `duplicate phase name ${JSON.stringify(name)} (also phases[${first}])`);
    else seen.set(name, i);
  });
  let startS = 0;
  let planned = 0;
  for (const phase of phases) {
    phase.startS = startS;
    startS += phase.durationS;
    planned += plannedRequests(phase) ?? 0;
  }
  const scaled = ctx.durationScale !== 1 ? ` (with --duration-scale ${ctx.durationScale})` : '';
  if (startS > TOTAL_LIMITS.runDurationS) {
    f.problem('phases', `last ${formatDuration(startS)}${scaled}; a run may last at most ${formatDuration(TOTAL_LIMITS.runDurationS)} (see "Limits" in docs/scenarios.md)`);
  } else if (planned > TOTAL_LIMITS.plannedRequests) {
    f.problem('phases', `plan ${Math.round(planned)} requests${scaled}; a run may plan at most ${TOTAL_LIMITS.plannedRequests} (see "Limits" in docs/scenarios.md)`);
  }
  return phases;
}

/** plannedRequests is the number of requests an open-loop phase plans (Λ over its duration); undefined when closed-loop. */
export function plannedRequests(phase: PhasePlan): number | undefined {
  if (phase.load.kind !== 'open') return undefined;
  if (phase.load.shape.type === 'trace') return phase.load.shape.offsetsS.length;
  return createShape(phase.load.shape, phase.durationS).integral?.(phase.durationS);
}

function readPhase(item: unknown, path: ConfigPath, ctx: PhaseContext): PhasePlan | undefined {
  const f = asFields(item, path, ctx.problems);
  if (!f) return undefined;
  f.allowOnly(PHASE_KEYS);
  const name = f.string('name', true, TEXT_LIMITS.name);
  const kinds = LOAD_KEYS.filter((k) => f.has(k));
  if (kinds.length !== 1) {
    ctx.problems.add(path, kinds.length === 0 ? 'needs one of rate, concurrency or trace' : `has ${kinds.join(' and ')}: give exactly one of rate, concurrency or trace`);
  }
  const kind = kinds[0];
  if (kind !== 'rate') for (const k of ['arrival', 'burst'] as const) if (f.has(k)) f.problem(k, 'is only for phases with a rate');
  if (kind !== 'trace' && f.has('speed')) f.problem('speed', 'is only for trace phases');
  const slo = readPhaseSlo(f.obj.slo, f.at('slo'), ctx.problems, ctx.slo);
  let durationS = f.duration('duration', RANGES['phases[].duration'], kind !== 'trace');
  let load: LoadSpec | undefined;
  if (kind === 'rate') {
    const shape = readShape(f, ctx);
    const arrival = readArrival(f);
    if (shape && arrival) load = { kind: 'open', shape, arrival };
  } else if (kind === 'concurrency') {
    const concurrency = f.integer('concurrency', RANGES['phases[].concurrency']);
    if (concurrency !== undefined) load = { kind: 'closed', concurrency };
  } else if (kind === 'trace') {
    const shape = readTrace(f, ctx);
    if (shape) {
      const spanS = (shape.offsetsS[shape.offsetsS.length - 1] ?? 0) / shape.speed;
      if (durationS === undefined && spanS <= 0) f.problem('trace', 'spans 0 s: give the phase a duration');
      durationS ??= spanS;
      // A trace dictates its send times, so this arrival is a placeholder that createArrivals does not use.
      load = { kind: 'open', shape, arrival: { type: 'constant' } };
    }
  }
  if (name === undefined || durationS === undefined || load === undefined) return undefined;
  const phase: PhasePlan = { name, startS: 0, durationS: durationS * ctx.durationScale, load, slo };
  const planned = plannedRequests(phase) ?? 0;
  if (planned > TOTAL_LIMITS.plannedRequests) {
    ctx.problems.add(path, `plans ${Math.round(planned)} requests (rate × duration); a run may plan at most ${TOTAL_LIMITS.plannedRequests} (see "Limits" in docs/scenarios.md)`);
    return undefined;
  }
  return phase;
}

/** readShape reads `rate` (a rate, or a ramp `{from, to}`) and `burst` of an open-loop phase. */
function readShape(f: Fields, ctx: PhaseContext): ShapeSpec | undefined {
  const rate = f.obj.rate;
  if (typeof rate === 'object' && rate !== null && !Array.isArray(rate)) {
    const r = f.mapping('rate')!.allowOnly(['from', 'to']);
    if (f.has('burst')) f.problem('burst', 'needs a single rate, not a ramp');
    const from = readRate(r, 'from', ctx, RANGES['phases[].rate.from'], true);
    const to = readRate(r, 'to', ctx, RANGES['phases[].rate.to'], true);
    if (from === 0 && to === 0) f.problem('rate', 'from and to cannot both be 0');
    return from !== undefined && to !== undefined && !(from === 0 && to === 0) ? { type: 'ramp', fromRps: from, toRps: to } : undefined;
  }
  const rps = readRate(f, 'rate', ctx, RANGES['phases[].rate'], true);
  const b = f.mapping('burst');
  if (!b) return rps === undefined ? undefined : { type: 'constant', rps };
  b.allowOnly(BURST_KEYS);
  const burstRps = readRate(b, 'rate', ctx, RANGES['phases[].burst.rate'], true);
  const everyS = b.duration('every', RANGES['phases[].burst.every'], true);
  const lengthS = b.duration('length', RANGES['phases[].burst.length'], true);
  if (everyS !== undefined && lengthS !== undefined && lengthS >= everyS) b.problem('length', `must be shorter than every (${b.obj.every}), got ${b.obj.length}`);
  if (rps === undefined || burstRps === undefined || everyS === undefined || lengthS === undefined || lengthS >= everyS) return undefined;
  return { type: 'burst', baseRps: rps, burstRps, everyS: everyS * ctx.durationScale, lengthS: lengthS * ctx.durationScale };
}

/** readRate reads one rate field (absolute or a multiple of peak_rps) within bounds (requests/second either way). */
function readRate(f: Fields, key: string, ctx: PhaseContext, bounds: Bounds, required: boolean): number | undefined {
  const v = f.obj[key];
  if (v === undefined || v === null) return void (required && f.problem(key, 'is required'));
  const parsed = parseRate(v, ctx.peakRps);
  if (!parsed.ok) return void f.problem(key, parsed.message);
  const { rps, multiple } = parsed.value;
  const shown = multiple !== undefined ? `${show(v)} (${rps} rps)` : show(v);
  return checkBounds(rps, bounds, (m) => f.problem(key, m), shown);
}

/** readArrival reads `arrival`: a name (`poisson`) or a mapping (`{type: gamma, burstiness: 4}`); default constant. */
function readArrival(f: Fields): ArrivalSpec | undefined {
  const v = f.obj.arrival;
  const names = ARRIVALS.names();
  if (v === undefined || v === null) return { type: 'constant' };
  if (typeof v === 'string') {
    if (v === 'gamma') return void f.problem('arrival', 'gamma needs a burstiness: write {type: gamma, burstiness: 4}');
    if (v === 'constant' || v === 'poisson') return { type: v };
    return void f.problem('arrival', `must be one of ${names.join(', ')}, got ${JSON.stringify(v)}`);
  }
  if (!isMapping(v)) return void f.problem('arrival', `must be one of ${names.join(', ')} or a mapping like {type: gamma, burstiness: 4}, got ${show(v)}`);
  const a = new Fields(v, f.at('arrival'), f.problems);
  a.allowOnly(['type', 'burstiness']);
  const type = a.oneOf('type', names, true);
  if (type !== 'gamma') {
    if (a.has('burstiness')) a.problem('burstiness', 'is only for gamma arrivals');
    return type === 'constant' || type === 'poisson' ? { type } : undefined;
  }
  const burstiness = a.number('burstiness', RANGES['phases[].arrival.burstiness'], true);
  return burstiness === undefined ? undefined : { type: 'gamma', burstiness };
}

/** readTrace reads `trace` (a file, relative to the scenario) and `speed`. */
function readTrace(f: Fields, ctx: PhaseContext): Extract<ShapeSpec, { type: 'trace' }> | undefined {
  const speed = f.number('speed', RANGES['phases[].speed']) ?? (f.has('speed') ? undefined : 1);
  const ref = f.string('trace');
  if (ref === undefined) return undefined;
  const file = isAbsolute(ref) ? ref : join(ctx.baseDir, ref);
  const offsets = readTraceFile(file);
  if (!offsets.ok) return void f.problem('trace', offsets.message);
  return speed === undefined ? undefined : { type: 'trace', file, offsetsS: offsets.value, speed };
}
