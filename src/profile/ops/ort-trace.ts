/**
 * parseOrtTrace: read the Chrome-trace JSON that ONNX Runtime's profiler writes and collect, per graph node,
 * its kernel times (events of category "Node" named `<node>_kernel_time`, `dur` in µs) and the shapes it ran at.
 */
import { GauntletError } from '../../errors.js';

/** TraceNode is one node's kernel executions in a trace, in the order they ran. */
export interface TraceNode {
  name: string;
  opType: string;
  provider: string;
  durUs: number[];
  /** The shapes of its outputs as ORT recorded them (the last run's), with ORT's element type names. */
  outputs: { type: string; dims: number[] }[];
}

/** ORT_TRACE_LIMITS caps what a trace may hold: events and shape entries per event. */
export const ORT_TRACE_LIMITS = { maxEvents: 5_000_000, maxShapes: 256 } as const;

const KERNEL_SUFFIX = '_kernel_time';

function shapes(v: unknown): { type: string; dims: number[] }[] {
  if (!Array.isArray(v)) return [];
  const out: { type: string; dims: number[] }[] = [];
  for (const entry of v.slice(0, ORT_TRACE_LIMITS.maxShapes)) {
    if (entry === null || typeof entry !== 'object') continue;
    const [type, dims] = Object.entries(entry as Record<string, unknown>)[0] ?? [];
    if (typeof type === 'string' && Array.isArray(dims) && dims.every((d) => Number.isInteger(d) && d >= 0)) out.push({ type, dims: dims as number[] });
  }
  return out;
}

/** parseOrtTrace returns the nodes of an ORT profile, in first-run order; a malformed trace is a GauntletError. */
export function parseOrtTrace(text: string, source = 'ORT profile'): TraceNode[] {
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (err) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${source}: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(events)) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${source}: not a Chrome-trace event array`);
  if (events.length > ORT_TRACE_LIMITS.maxEvents) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${source}: more than ${ORT_TRACE_LIMITS.maxEvents} events`);
  const nodes = new Map<string, TraceNode>();
  for (const e of events as unknown[]) {
    if (e === null || typeof e !== 'object') continue;
    const ev = e as { cat?: unknown; name?: unknown; dur?: unknown; args?: Record<string, unknown> };
    if (ev.cat !== 'Node' || typeof ev.name !== 'string' || !ev.name.endsWith(KERNEL_SUFFIX)) continue;
    if (typeof ev.dur !== 'number' || !Number.isFinite(ev.dur) || ev.dur < 0) continue;
    const name = ev.name.slice(0, -KERNEL_SUFFIX.length);
    const args = ev.args ?? {};
    let node = nodes.get(name);
    if (node === undefined) {
      node = { name, opType: String(args.op_name ?? '?'), provider: String(args.provider ?? '?'), durUs: [], outputs: [] };
      nodes.set(name, node);
    }
    node.durUs.push(ev.dur);
    const outs = shapes(args.output_type_shape);
    if (outs.length > 0) node.outputs = outs;
  }
  return [...nodes.values()];
}

/** ORT_TYPE_CODES maps ORT's element type names in traces to TensorProto.DataType codes. */
export const ORT_TYPE_CODES: Record<string, number> = {
  float: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, double: 11, uint32: 12, uint64: 13, bfloat16: 16,
};
