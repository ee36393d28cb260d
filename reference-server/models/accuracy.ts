/**
 * Accuracy of a precision variant against its fp32 reference: both run in ONNX Runtime (CPU EP) on the same
 * fixed, seeded inputs, and their outputs are compared per sample.
 */
import * as ort from 'onnxruntime-node';
import type { Accuracy } from '../config/model-config.js';
import type { TensorSpec } from './family.js';
import { normalArray, Rng, seedFor } from './random.js';

/** AccuracyStats is an `Accuracy` without the name of the reference model. */
export type AccuracyStats = Omit<Accuracy, 'reference'>;

/** AccuracyOptions set the fixed input set: how many samples and from which seed; `classifier` adds top-1. */
export interface AccuracyOptions {
  samples?: number;
  seed?: number;
  classifier?: boolean;
  /** Samples per ORT run (default 64). */
  batchSize?: number;
}

/** ACCURACY_SAMPLES is the default size of the fixed input set. */
export const ACCURACY_SAMPLES = 64;
const ACCURACY_SEED = 1;

/** accuracyInputs returns `samples` standard-normal inputs of per-sample shape `dims`, fixed by `seed`. */
export function accuracyInputs(dims: readonly number[], samples: number, seed: number): Float32Array {
  const perSample = dims.reduce((a, b) => a * b, 1);
  return normalArray(new Rng(seedFor(seed, 'accuracy-inputs')), samples * perSample, 1);
}

/** compareOutputs compares two outputs of `samples` equal-sized samples (classifiers: arg-max per sample too). */
export function compareOutputs(
  reference: Float32Array,
  variant: Float32Array,
  samples: number,
  classifier = false,
): AccuracyStats {
  if (reference.length !== variant.length || samples < 1 || reference.length % samples !== 0) {
    throw new RangeError(`cannot compare ${reference.length} with ${variant.length} values in ${samples} samples`);
  }
  const per = reference.length / samples;
  let maxAbs = 0;
  let sumAbs = 0;
  let sumCos = 0;
  let agree = 0;
  for (let s = 0; s < samples; s++) {
    let dot = 0;
    let nr = 0;
    let nv = 0;
    let argR = 0;
    let argV = 0;
    for (let i = 0; i < per; i++) {
      const r = reference[s * per + i] ?? 0;
      const v = variant[s * per + i] ?? 0;
      const d = Math.abs(r - v);
      maxAbs = Math.max(maxAbs, d);
      sumAbs += d;
      dot += r * v;
      nr += r * r;
      nv += v * v;
      if (r > (reference[s * per + argR] ?? 0)) argR = i;
      if (v > (variant[s * per + argV] ?? 0)) argV = i;
    }
    // Two all-zero outputs agree perfectly; one all-zero output is orthogonal to anything.
    sumCos += nr === 0 && nv === 0 ? 1 : nr === 0 || nv === 0 ? 0 : dot / Math.sqrt(nr * nv);
    if (argR === argV) agree++;
  }
  const stats: AccuracyStats = {
    samples,
    max_abs_error: maxAbs,
    mean_abs_error: sumAbs / reference.length,
    cosine_similarity: sumCos / samples,
  };
  if (classifier) stats.top1_agreement = agree / samples;
  return stats;
}

/** runModel runs `model` on `inputs` (samples × per-sample `io.input.dims`) in batches and returns the output. */
export async function runModel(
  model: Uint8Array,
  io: { input: TensorSpec; output: TensorSpec },
  inputs: Float32Array,
  samples: number,
  batchSize = ACCURACY_SAMPLES,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
  try {
    const inPer = inputs.length / samples;
    const outPer = io.output.dims.reduce((a, b) => a * b, 1);
    const out = new Float32Array(samples * outPer);
    for (let start = 0; start < samples; start += batchSize) {
      const n = Math.min(batchSize, samples - start);
      const data = inputs.subarray(start * inPer, (start + n) * inPer);
      const feeds = { [io.input.name]: new ort.Tensor('float32', data, [n, ...io.input.dims]) };
      const result = await session.run(feeds);
      const y = result[io.output.name];
      if (y === undefined || y.type !== 'float32') throw new Error(`model has no float32 output ${io.output.name}`);
      out.set(y.data as Float32Array, start * outPer);
    }
    return out;
  } finally {
    await session.release();
  }
}

/** measureAccuracy runs the reference and the variant model on the fixed input set and compares them. */
export async function measureAccuracy(
  reference: Uint8Array,
  variant: Uint8Array,
  io: { input: TensorSpec; output: TensorSpec },
  options: AccuracyOptions = {},
): Promise<AccuracyStats> {
  const samples = options.samples ?? ACCURACY_SAMPLES;
  const inputs = accuracyInputs(io.input.dims, samples, options.seed ?? ACCURACY_SEED);
  const batch = options.batchSize ?? ACCURACY_SAMPLES;
  const ref = await runModel(reference, io, inputs, samples, batch);
  const got = await runModel(variant, io, inputs, samples, batch);
  return compareOutputs(ref, got, samples, options.classifier ?? false);
}
