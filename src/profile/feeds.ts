/**
 * Input tensors for a profile: each input's dims with the batch dim set and every other dynamic dim resolved
 * from --shape, filled with seeded standard-normal values (floats) or ones (integers).
 */
import { normalArray, Rng, seedFor } from '../../reference-server/models/random.js';
import { GauntletError } from '../errors.js';
import type { TensorInfo } from './profile-record.js';
import type { FeedSpec } from './worker-protocol.js';

/** MAX_FEED_ELEMENTS bounds one input tensor (2²⁸ values, 1 GiB of float32) so a wild --shape cannot eat memory. */
export const MAX_FEED_ELEMENTS = 2 ** 28;

const isDynamic = (d: number | string): d is string => typeof d === 'string';

/**
 * resolveDims returns each input's per-sample dims (without the batch dim). The first dim is the batch when it is
 * dynamic; --shape names either an input (its dims after the batch) or a symbolic dim (one value).
 */
export function resolveDims(inputs: readonly TensorInfo[], shapes: Record<string, number[]>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const problems: string[] = [];
  for (const input of inputs) {
    const [first, ...rest] = input.dims;
    if (first === undefined) {
      problems.push(`input '${input.name}' is a scalar: it has no batch dim`);
      continue;
    }
    if (!isDynamic(first)) {
      problems.push(`input '${input.name}' has a fixed first dim ${first} (dims [${input.dims.join(', ')}]): profile needs a dynamic batch dim`);
      continue;
    }
    const given = shapes[input.name];
    if (given !== undefined) {
      const fixed = rest.map((d, i) => (isDynamic(d) || d === given[i] ? null : `dim ${i + 1} is ${d}, not ${given[i]}`)).filter((x) => x !== null);
      if (given.length !== rest.length) problems.push(`--shape ${input.name}: ${given.length} dims given, the input has ${rest.length} after the batch dim ([${input.dims.join(', ')}])`);
      else if (fixed.length > 0) problems.push(`--shape ${input.name}: the model fixes ${fixed.join(', ')} ([${input.dims.join(', ')}])`);
      else out.set(input.name, given);
      continue;
    }
    const dims: number[] = [];
    for (const d of rest) {
      if (!isDynamic(d)) dims.push(d);
      else if (shapes[d]?.length === 1) dims.push(shapes[d][0]!);
      else problems.push(`input '${input.name}' has the dynamic dim '${d}' (dims [${input.dims.join(', ')}]): give it with --shape ${d}=N or --shape ${input.name}=${rest.map((x) => (isDynamic(x) ? 'N' : x)).join(',')}`);
    }
    out.set(input.name, dims);
  }
  const names = new Set<string>(inputs.flatMap((i) => [i.name, ...i.dims.slice(1).filter(isDynamic)]));
  for (const name of Object.keys(shapes)) {
    if (!names.has(name)) problems.push(`--shape ${name}: the model has no input or dynamic dim of that name (inputs: ${inputs.map((i) => `${i.name} [${i.dims.join(', ')}]`).join('; ')})`);
  }
  if (problems.length > 0) throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `cannot resolve the model's input shapes (${problems.length} problem(s)):`, problems);
  return out;
}

/** makeFeeds returns `samples` samples of every input, seeded by `seed` and `label`. */
export function makeFeeds(inputs: readonly TensorInfo[], dims: Map<string, number[]>, samples: number, seed: number, label: string): FeedSpec[] {
  return inputs.map((input) => {
    const per = dims.get(input.name) ?? [];
    const shape = [samples, ...per];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > MAX_FEED_ELEMENTS) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `input '${input.name}' at [${shape.join(', ')}] has ${count} values, over the limit of ${MAX_FEED_ELEMENTS}`);
    const rng = new Rng(seedFor(seed, `${label}:${input.name}`));
    switch (input.datatype) {
      case 'float32':
        return { name: input.name, type: 'float32', dims: shape, data: normalArray(rng, count, 1) };
      case 'int64':
        return { name: input.name, type: 'int64', dims: shape, data: new BigInt64Array(count).fill(1n) };
      case 'int32':
        return { name: input.name, type: 'int32', dims: shape, data: new Int32Array(count).fill(1) };
      default:
        throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `input '${input.name}' is ${input.datatype}: profile feeds float32, int32 and int64 inputs`);
    }
  });
}
