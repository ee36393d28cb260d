/**
 * warmUp runs one inference of zeros through every loaded model, so a replica declares itself ready only once
 * each ONNX Runtime session has executed (first runs allocate and plan; a cold start includes that cost).
 */
import { byteSize, elementCount, type Tensor } from '../core/tensor.js';
import type { LoadedModel } from '../core/types.js';

/** warmUp infers once per model (batch 1, variable dimensions 1) and returns a problem line for each model that failed. */
export async function warmUp(models: LoadedModel[]): Promise<string[]> {
  const problems: string[] = [];
  await Promise.all(
    models.map(async (model) => {
      const batched = model.config.max_batch_size > 0;
      const inputs: Tensor[] = model.metadata().inputs.map((meta) => {
        const shape = meta.shape.map((d, axis) => (d < 0 || (batched && axis === 0) ? 1 : d));
        const data = meta.datatype === 'BYTES' ? Array.from({ length: elementCount(shape) }, () => new Uint8Array(0)) : new Uint8Array(byteSize(meta.datatype, shape));
        return { name: meta.name, datatype: meta.datatype, shape, data };
      });
      try {
        await model.infer({ inputs, receivedNs: process.hrtime.bigint() });
      } catch (err) {
        problems.push(`model '${model.name}' version ${model.version}: ${(err as Error).message}`);
      }
    }),
  );
  return problems;
}
