/**
 * modelMetadata answers `GET /v2/models/{m}[/versions/{v}]` and gRPC ModelMetadata the way Triton does: with a
 * version, `versions` names just it; without one, it lists every ready version of the model (ascending), and the
 * inputs and outputs are the latest version's.
 */
import type { InferenceCore, ModelMetadata } from './types.js';

/** modelMetadata returns the metadata of a model version, or of the model when `version` is empty. */
export function modelMetadata(core: InferenceCore, name: string, version = ''): ModelMetadata {
  const meta = core.model(name, version).metadata();
  if (version) return meta;
  const versions = core
    .models()
    .filter((m) => m.name === name && m.ready())
    .map((m) => m.version)
    .sort((a, b) => Number(a) - Number(b));
  return { ...meta, versions };
}
