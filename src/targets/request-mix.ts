/**
 * RequestMix: the requests a kserve client sends when the scenario has a mix (request.mix, input_data or expect).
 * Each template's requests are encoded once (one per sample of its data file, or `payloads` random ones) with
 * what their responses are checked against; `next()` picks a template by weight from a stream seeded by the
 * scenario's seed (so the order is the same for the same seed) and takes that template's requests in turn.
 */
import { createRandom, type Random } from '../scenario/random.js';
import { modelOf } from './kserve-http-client.js';
import type { ResponseCheck } from './response-check.js';
import { hasOutputChecks } from './response-check.js';
import type { RequestSpec, RequestTemplate, TargetSpec } from './target-spec.js';
import { buildPayloads, checkPayloadBudget, type TensorData } from './tensor-data.js';

/** Prepared is one encoded request and, when its responses are checked, what against. */
export interface Prepared<P> {
  payload: P;
  check?: ResponseCheck;
  /** The responses must be decoded (outputs are checked), not only their status read. */
  decode: boolean;
}

/** Encode builds a protocol's request from a model, the template (as a request) and its tensors. */
export type Encode<P> = (model: string, version: string | undefined, request: RequestSpec, tensors: TensorData[]) => P;

/** RequestMix picks the next prepared request of a mix. */
export class RequestMix<P> {
  private readonly groups: { entries: Prepared<P>[]; next: number }[];
  private readonly cumulative: number[];
  private readonly random: Random;
  /** The model of each template, in order (for messages). */
  readonly models: string[];

  constructor(target: TargetSpec, request: RequestSpec, seed: number, encode: Encode<P>) {
    const mix = request.mix ?? [];
    this.models = [];
    this.groups = mix.map((t) => {
      const spec = templateRequest(t, request);
      const { model, version } = modelOf(target, spec);
      this.models.push(model);
      const samples = t.samples ?? [{ inputs: t.inputs }];
      const entries: Prepared<P>[] = [];
      for (const s of samples) {
        const one: RequestSpec = { ...spec, inputs: s.inputs, payloads: t.samples !== undefined ? 1 : spec.payloads };
        checkPayloadBudget(one);
        const check: ResponseCheck | undefined = t.expect !== undefined || s.expected !== undefined ? { ...(t.expect && { expect: t.expect }), ...(s.expected && { expected: s.expected }) } : undefined;
        for (const tensors of buildPayloads(one, seed)) {
          entries.push({ payload: encode(model, version, one, tensors), ...(check && { check }), decode: check !== undefined && hasOutputChecks(check) });
        }
      }
      return { entries, next: 0 };
    });
    let sum = 0;
    this.cumulative = mix.map((t) => (sum += t.weight));
    this.random = createRandom(seed, 'mix');
  }

  /** size is the number of templates. */
  get size(): number {
    return this.groups.length;
  }

  /** first is each template's first request (checked before a run). */
  firsts(): Prepared<P>[] {
    return this.groups.map((g) => g.entries[0]!);
  }

  /** next picks a template by weight and returns its next request. */
  next(): Prepared<P> {
    let g = 0;
    if (this.groups.length > 1) {
      const x = this.random.next() * this.cumulative[this.cumulative.length - 1]!;
      let lo = 0;
      let hi = this.cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.cumulative[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      g = lo;
    }
    const group = this.groups[g]!;
    const e = group.entries[group.next]!;
    group.next = group.next + 1 === group.entries.length ? 0 : group.next + 1;
    return e;
  }
}

/** templateRequest is a template as a request (its own fields, else the request's model, and the request's payload count). */
function templateRequest(t: RequestTemplate, request: RequestSpec): RequestSpec {
  const model = t.model ?? request.model;
  const modelVersion = t.model !== undefined ? t.modelVersion : (t.modelVersion ?? request.modelVersion);
  return {
    ...(model !== undefined && { model }),
    ...(modelVersion !== undefined && { modelVersion }),
    inputs: t.inputs,
    ...(t.outputs !== undefined && { outputs: t.outputs }),
    ...(t.parameters !== undefined && { parameters: t.parameters }),
    payloads: request.payloads,
  };
}
