/**
 * ModelFamily: the one interface every model family in the zoo implements.
 */
import type { Precision } from './layers.js';

/** FamilyOptions are a family's build options: sizes and the weight seed, all numbers. */
export type FamilyOptions = { seed: number } & Record<string, number>;

/** TensorSpec names one FP32 model input or output and its dims without the batch dim. */
export interface TensorSpec {
  name: string;
  dims: number[];
}

/** ModelFamily builds one model architecture in any precision from options merged over its defaults. */
export interface ModelFamily<O extends FamilyOptions = FamilyOptions> {
  readonly name: string;
  /** describe returns one line for config.yaml's description. */
  describe(options: O): string;
  /** The largest batch the model repository lets the server form. */
  readonly maxBatchSize: number;
  /** Which layers the int8 and int4 variants quantize (the rest stays FP32), for config descriptions. */
  readonly quantized: string;
  /** Classifiers also get a top-1 agreement in their accuracy report. */
  readonly classifier: boolean;
  readonly defaults: Readonly<O>;
  /** resolve merges `options` over the defaults and checks them. */
  resolve(options?: Partial<O>): O;
  /** io returns the input and output of a model built with `options`. */
  io(options: O): { input: TensorSpec; output: TensorSpec };
  /** build returns the ONNX model bytes of the variant `precision`. */
  build(options: Partial<O>, precision: Precision): Uint8Array;
}

/** resolveOptions merges `options` over `defaults` and throws unless every value is a positive integer (seed ≥ 0). */
export function resolveOptions<O extends FamilyOptions>(family: string, defaults: O, options: Partial<O> = {}): O {
  const merged = { ...defaults } as O;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(key in defaults)) throw new Error(`${family}: unknown option ${key}`);
    (merged as Record<string, number>)[key] = value;
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(merged)) {
    const min = key === 'seed' ? 0 : 1;
    if (!Number.isInteger(value) || value < min) problems.push(`${key}: must be an integer >= ${min}, got ${value}`);
  }
  if (problems.length > 0) throw new Error(`${family}: ${problems.join('; ')}`);
  return merged;
}
