/**
 * The `phases:` of a scenario. Each phase is open-loop (`rate`, optionally with `arrival` and `burst`), closed-loop
 * (`concurrency`) or a trace replay (`trace`, `from`/`to`, `speed`, `loop`), and runs for its `duration` (a trace:
 * its last send's time unless given; `loop: true` needs one). Every duration, bursts' included, is multiplied by the duration scale; a trace's send times are
 * not (that would change its rate), so a scaled trace phase replays only the start of the trace.
 */
import { join, isAbsolute } from 'node:path';
import { ARRIVALS } from './arrivals.js';
import { asFields, type Bounds, checkBounds, Fields, show } from './fields.js';
import { COUNT_LIMITS, MAX_DURATION_S, RANGES, TEXT_LIMITS, TOTAL_LIMITS } from './limits.js';
import type { ArrivalSpec, LoadSpec, PhasePlan, ShapeSpec, SloSpec, TraceShapeSpec } from './plan.js';
import { readPhaseSlo } from './parse-slo.js';
import { type RawTrace, readTraceFile, timestampSeconds, type TraceModel } from './parse-trace.js';
import { isMapping, type ConfigPath, type Problems } from './problems.js';
import { createShape } from './shapes.js';
import { loopPeriodS, replayLines, replayTimes, type TraceVariant } from './trace-replay.js';
import { formatDuration, parseRate } from './units.js';

/** PHASE_KEYS are the fields a phase may have. */
export const PHASE_KEYS = ['name', 'duration', 'rate', 'concurrency', 'trace', 'speed', 'loop', 'from', 'to', 'models', 'arrival', 'burst', 'slo'] as const;
/** TRACE_KEYS are the fields only a trace phase may have. */
const TRACE_KEYS = ['speed', 'loop', 'from', 'to', 'models'] as const;
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
  if (kind !== 'trace') for (const k of TRACE_KEYS) if (f.has(k)) f.problem(k, 'is only for trace phases');
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
    const shape = readTrace(f, ctx, durationS);
    if (shape) {
      const times = replayTimes(shape.offsetsS, shape.speed, shape.loop, durationS ?? 0);
      const spanS = times.count > 0 ? times.timeOf(times.count - 1) : 0;
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

/**
 * readTrace reads `trace` (a file, relative to the scenario) and how to replay it: `from`/`to` (a window of it),
 * `speed` and `loop`, applied in that order. durationS is the phase's, when given (`loop: true` needs one).
 */
function readTrace(f: Fields, ctx: PhaseContext, durationS: number | undefined): TraceShapeSpec | undefined {
  const speed = f.number('speed', RANGES['phases[].speed']) ?? (f.has('speed') ? undefined : 1);
  const loop = readLoop(f, durationS);
  const ref = f.string('trace');
  if (ref === undefined) return undefined;
  const file = isAbsolute(ref) ? ref : join(ctx.baseDir, ref);
  const raw = readTraceFile(file);
  if (!raw.ok) return void f.problem('trace', raw.message);
  const models = readModelMap(f);
  if (models !== undefined) raw.value.models = raw.value.models.map((m) => mapModel(m, models));
  const window = readWindow(f, raw.value);
  if (window === undefined || speed === undefined || loop === null) return undefined;
  const lines = replayLines(raw.value, window);
  if (lines.offsetsS.length === 0) {
    const key = f.has('from') ? 'from' : 'to';
    const span = formatDuration(raw.value.offsetsS[raw.value.offsetsS.length - 1]!);
    return void f.problem(key, `the window ${describeWindow(window)} holds no send of the trace (it spans 0 s to ${span})`);
  }
  if (loop !== undefined && loopPeriodS(lines.offsetsS) <= 0) return void f.problem('loop', `the trace${window.fromS !== undefined || window.toS !== undefined ? "'s window" : ''} spans 0 s (${lines.offsetsS.length} send(s)): there is nothing to loop`);
  const budget = variantBytes(lines.variants);
  if (budget > TOTAL_LIMITS.payloadBytes) return void f.problem('trace', `its request sizes add up to ${budget} bytes to build before the run; at most ${TOTAL_LIMITS.payloadBytes} (see "Limits" in docs/scenarios.md)`);
  return {
    type: 'trace',
    file,
    offsetsS: lines.offsetsS,
    speed,
    ...(loop !== undefined && { loop }),
    ...((window.fromS !== undefined || window.toS !== undefined) && { window }),
    ...(lines.variants && { variants: lines.variants, picks: lines.picks! }),
  };
}

/** readLoop reads `loop`: a count, or true (until the phase's duration, then required); null when it is wrong. */
function readLoop(f: Fields, durationS: number | undefined): number | true | undefined | null {
  const v = f.obj.loop;
  if (v === undefined || v === null) return undefined;
  if (v === true) return durationS === undefined ? (f.problem('loop', 'true repeats the trace until the phase ends: give the phase a duration'), null) : true;
  if (v === false) return undefined;
  return f.integer('loop', RANGES['phases[].loop']) ?? null;
}

/** readModelMap reads `models`: the trace's model names to send to other models (`"*"` maps every other name). */
function readModelMap(f: Fields): Map<string, string> | undefined {
  const m = f.mapping('models', false, COUNT_LIMITS.models);
  if (m === undefined) return undefined;
  const out = new Map<string, string>();
  for (const key of Object.keys(m.obj)) {
    const to = m.string(key, true, TEXT_LIMITS.name);
    if (key.length === 0 || key.length > TEXT_LIMITS.name) m.problem(key, `a model name of 1 to ${TEXT_LIMITS.name} characters`);
    else if (to !== undefined) out.set(key, to);
  }
  return out;
}

/** mapModel is a trace line's model after `models`: renamed (its version dropped) when the map names it or has `"*"`. */
function mapModel(m: TraceModel, map: Map<string, string>): TraceModel {
  const to = map.get(m.model) ?? map.get('*');
  return to === undefined ? m : { model: to };
}

/** readWindow reads `from` and `to`: offsets from the trace's start (durations), or ISO timestamps when the trace has them. */
function readWindow(f: Fields, trace: RawTrace): { fromS?: number; toS?: number } | undefined {
  const at = (key: 'from' | 'to'): number | undefined | null => {
    const v = f.obj[key];
    if (v === undefined || v === null) return undefined;
    const stamp = v instanceof Date ? v.getTime() / 1000 : typeof v === 'string' ? timestampSeconds(v.trim()) : undefined;
    if (stamp !== undefined) {
      if (trace.kind !== 'timestamps') return (f.problem(key, `${show(v)} is a timestamp, but the trace's times are seconds: give an offset like 1h`), null);
      return stamp - trace.originS;
    }
    return f.duration(key, { min: 0, max: MAX_DURATION_S }) ?? null;
  };
  const fromS = at('from');
  const toS = at('to');
  if (fromS === null || toS === null) return undefined;
  if (fromS !== undefined && toS !== undefined && toS <= fromS) return void f.problem('to', `must be after from (${show(f.obj.from)}), got ${show(f.obj.to)}`);
  return { ...(fromS !== undefined && { fromS }), ...(toS !== undefined && { toS }) };
}

function describeWindow(w: { fromS?: number; toS?: number }): string {
  return `${w.fromS !== undefined ? formatDuration(w.fromS) : 'start'}–${w.toS !== undefined ? formatDuration(w.toS) : 'end'}`;
}

/** variantBytes is about what a trace's sized requests take to build (their sizes added up). */
function variantBytes(variants: readonly TraceVariant[] | undefined): number {
  let sum = 0;
  for (const v of variants ?? []) sum += v.requestBytes ?? 0;
  return sum;
}
