/**
 * The requests a trace replay sends (src/scenario/trace-replay.ts): one per variant (a model and a size class),
 * built and encoded once before the run like every other payload. A sized variant is the template's request with
 * its first input's leading (batch) dimension set so that the encoded body is as close as possible to the
 * variant's size: the body is measured with the client's own encoder at one and at two rows, which gives its
 * fixed part and its size per row. Every input whose leading dimension equals the first input's is resized with
 * it (a batch dimension is shared across inputs); given data is repeated to fill the new shape.
 */
import { GauntletError } from '../errors.js';
import { TOTAL_LIMITS } from '../scenario/limits.js';
import type { TraceVariant } from '../scenario/trace-replay.js';
import { modelOf } from './kserve-http-client.js';
import type { Encode, Prepared } from './request-mix.js';
import { hasOutputChecks, type ResponseCheck } from './response-check.js';
import type { InputSpec, RequestSpec, RequestTemplate, TargetSpec } from './target-spec.js';
import { buildPayloads, elementCount, MAX_PAYLOAD_BYTES, payloadBytes, payloadCount } from './tensor-data.js';

/** REFINE_STEPS bounds the corrections of a sized request's row count (each builds the request once more). */
const REFINE_STEPS = 3;

/** TraceRequest is the prepared request of one variant, and the model it goes to (for messages). */
export interface TraceRequest<P> extends Prepared<P> {
  model: string;
  version?: string;
  /** The body's size in bytes, as sent. */
  bodyBytes: number;
  rows?: number;
}

/** prepareTraceRequests builds the request of each variant, in order; bodyBytes measures an encoded request's body. */
export function prepareTraceRequests<P>(
  target: TargetSpec,
  request: RequestSpec,
  variants: readonly TraceVariant[],
  seed: number,
  encode: Encode<P>,
  bodyBytes: (p: P) => number,
): TraceRequest<P>[] {
  const perRow = new Map<string, { fixed: number; row: number; elements: number }>();
  // First what each variant sends (sizing builds one- and two-row requests only), then the budget, then the builds.
  const plans = variants.map((v) => {
    const { spec, check, template } = baseRequest(target, request, v);
    const base = modelOf(target, spec);
    const model = v.model ?? base.model;
    const version = v.model === undefined ? base.version : v.modelVersion ?? (v.model === base.model ? base.version : undefined);
    const build = (inputs: InputSpec[]): P => encode(model, version, { ...spec, inputs }, buildPayloads({ ...spec, inputs, payloads: 1 }, seed)[0]!);
    let rows: number | undefined;
    let inputs = spec.inputs;
    if (v.requestBytes !== undefined) {
      const key = `${template}\u0000${model}\u0000${version ?? ''}`;
      let size = perRow.get(key);
      if (size === undefined) {
        const one = bodyBytes(build(resize(spec.inputs, 1, model)));
        const two = bodyBytes(build(resize(spec.inputs, 2, model)));
        size = { fixed: one, row: Math.max(1, two - one), elements: resize(spec.inputs, 1, model).reduce((n, i) => n + elementCount(i.shape), 0) };
        perRow.set(key, size);
      }
      rows = Math.max(1, Math.round((v.requestBytes - size.fixed) / size.row) + 1);
      if (rows * size.elements > TOTAL_LIMITS.requestElements) {
        throw config(`trace: a request of ${v.requestBytes} bytes to model ${model} needs ${rows} rows of ${size.elements} tensor elements; a request may have at most ${TOTAL_LIMITS.requestElements} (see "Limits" in docs/scenarios.md)`);
      }
      inputs = resize(spec.inputs, rows, model, false);
    }
    return { key: `${template}\u0000${model}\u0000${version ?? ''}\u0000${rows ?? ''}`, model, version, rows, inputs, check, build, spec, want: v.requestBytes, size: perRow.get(`${template}\u0000${model}\u0000${version ?? ''}`) };
  });
  // The budget is shared with the payloads the client builds for its usual request (or mix).
  let total = builtPayloadBytes(request);
  const counted = new Set<string>();
  for (const p of plans) if (!counted.has(p.key) && counted.add(p.key)) total += payloadBytes(p.inputs);
  if (total > MAX_PAYLOAD_BYTES) {
    throw config(`trace: the requests of its models and sizes add up to about ${total} bytes with the scenario's own, more than the ${MAX_PAYLOAD_BYTES / 2 ** 20} MiB of tensor data a run may build; replay a window of the trace, or fewer sizes`);
  }
  const built = new Map<string, TraceRequest<P>>();
  return plans.map(({ key, model, version, rows: estimate, inputs, check, build, spec, want, size }) => {
    let rows = estimate;
    const cached = built.get(key);
    if (cached) return cached;
    // A resized request keeps only the accepted statuses of its template: the expected outputs are for its own size.
    const kept: ResponseCheck | undefined = rows === undefined ? check : check?.expect?.status !== undefined ? { expect: { ...check.expect, outputs: [] } } : undefined;
    let payload = build(rows === undefined ? inputs : resize(spec.inputs, rows, model));
    let sent = bodyBytes(payload);
    if (rows !== undefined && want !== undefined && size !== undefined) {
      // The size per row measured at one and two rows is off by what changes with the count (digits of shapes and
      // sizes, varint lengths, the JSON of random values): correct it with the body actually built, by secant steps.
      const tried = new Set([rows]);
      for (let step = 0; step < REFINE_STEPS && sent !== want; step++) {
        const slope = rows > 1 ? Math.max(1e-9, (sent - size.fixed) / (rows - 1)) : size.row;
        const next = Math.max(1, rows + Math.round((want - sent) / slope));
        if (tried.has(next) || next * size.elements > TOTAL_LIMITS.requestElements) break;
        tried.add(next);
        const candidate = build(resize(spec.inputs, next, model));
        const got = bodyBytes(candidate);
        if (Math.abs(got - want) >= Math.abs(sent - want)) break;
        [rows, payload, sent] = [next, candidate, got];
      }
    }
    const prepared: TraceRequest<P> = { payload, model, ...(version !== undefined && { version }), bodyBytes: sent, decode: kept !== undefined && hasOutputChecks(kept), ...(kept && { check: kept }), ...(rows !== undefined && { rows }) };
    built.set(key, prepared);
    return prepared;
  });
}

/** builtPayloadBytes is about what a client builds for a request's usual payloads (tensor-data.ts payloadBytes). */
export function builtPayloadBytes(request: RequestSpec): number {
  if (request.mix === undefined) return payloadCount(request) * payloadBytes(request.inputs);
  let total = 0;
  for (const t of request.mix) {
    if (t.samples !== undefined) for (const s of t.samples) total += payloadBytes(s.inputs);
    else total += payloadBytes(t.inputs) * (t.inputs.some((i) => i.data.kind === 'random') ? request.payloads : 1);
  }
  return total;
}

/** firstOfEachModel is the first variant's request to each model (each model is checked once before a run). */
export function firstOfEachModel<P>(variants: readonly TraceRequest<P>[]): TraceRequest<P>[] {
  const seen = new Set<string>();
  return variants.filter((v) => {
    const key = `${v.model}\u0000${v.version ?? ''}`;
    return !seen.has(key) && seen.add(key) !== undefined;
  });
}

/** baseRequest is what a variant starts from: the mix's template for its model (else its first), or the scenario's request. */
function baseRequest(target: TargetSpec, request: RequestSpec, v: TraceVariant): { spec: RequestSpec; check?: ResponseCheck; template: number } {
  const mix = request.mix;
  if (mix === undefined || mix.length === 0) {
    const { mix: _mix, expect: _expect, ...spec } = request;
    return { spec: { ...spec, payloads: 1 }, template: -1 };
  }
  const modelOfTemplate = (t: RequestTemplate): string | undefined => t.model ?? request.model ?? target.model;
  let i = v.model === undefined ? 0 : mix.findIndex((t) => modelOfTemplate(t) === v.model);
  if (i < 0) i = 0;
  const t = mix[i]!;
  const sample = t.samples?.[0];
  const model = modelOfTemplate(t);
  const modelVersion = t.model !== undefined ? t.modelVersion : (t.modelVersion ?? request.modelVersion);
  const spec: RequestSpec = {
    ...(model !== undefined && { model }),
    ...(modelVersion !== undefined && { modelVersion }),
    inputs: sample?.inputs ?? t.inputs,
    ...(t.outputs !== undefined && { outputs: t.outputs }),
    ...(t.parameters !== undefined && { parameters: t.parameters }),
    payloads: 1,
  };
  const check: ResponseCheck | undefined = t.expect !== undefined || sample?.expected !== undefined ? { ...(t.expect && { expect: t.expect }), ...(sample?.expected && { expected: sample.expected }) } : undefined;
  return { spec, ...(check && { check }), template: i };
}

/**
 * resize sets the leading dimension of the first input, and of every input that shares it, to `rows`, repeating
 * given data to fill them (unless `fill` is false: then only the shapes are right, to count their bytes).
 */
function resize(inputs: readonly InputSpec[], rows: number, model: string, fill = true): InputSpec[] {
  const first = inputs[0];
  if (first === undefined || first.shape.length === 0) {
    throw config(`trace: the requests to model ${model} cannot be sized: ${first === undefined ? 'they have no inputs' : `their first input ${first.name} is a scalar (shape [])`}`);
  }
  const lead = first.shape[0]!;
  return inputs.map((input) => {
    if (input.shape.length === 0 || input.shape[0] !== lead) return input;
    const shape = [rows, ...input.shape.slice(1)];
    const data = input.data;
    if (data.kind !== 'values' || !fill) return { ...input, shape };
    const n = elementCount(shape);
    if (data.values.length === 0) throw config(`trace: the input ${input.name} of model ${model} has no values to repeat`);
    return { ...input, shape, data: { kind: 'values', values: Array.from({ length: n }, (_, k) => data.values[k % data.values.length]!) } };
  });
}

function config(message: string): GauntletError {
  return new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', message);
}
