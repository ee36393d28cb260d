/**
 * checkSession compares a loaded ONNX Runtime session's inputs and outputs with the model's config.yaml, so a
 * config that does not describe its model fails at load time with every mismatch named, not at the first request.
 */
import type { ModelConfig, TensorConfig } from '../config/model-config.js';
import { toDatatype } from '../config/validate-model-config.js';
import { datatypeOfOrt } from '../instances/ort-types.js';
import type { SessionInfo } from '../instances/protocol.js';

/** checkSession returns every mismatch between the session and the config (empty when they agree). */
export function checkSession(config: ModelConfig, info: SessionInfo): string[] {
  const problems: string[] = [];
  compare('input', config.input, info.inputs, config.max_batch_size > 0, problems);
  compare('output', config.output, info.outputs, config.max_batch_size > 0, problems);
  return problems;
}

function compare(
  what: 'input' | 'output',
  declared: TensorConfig[],
  actual: SessionInfo['inputs'],
  batched: boolean,
  problems: string[],
): void {
  const byName = new Map(actual.map((a) => [a.name, a]));
  for (const d of declared) {
    const a = byName.get(d.name);
    if (!a) {
      problems.push(`${what} '${d.name}' is not in the model (it has ${actual.map((x) => `'${x.name}'`).join(', ')})`);
      continue;
    }
    const dt = datatypeOfOrt(a.type);
    if (dt !== toDatatype(d.data_type)) problems.push(`${what} '${d.name}' is ${a.type} in the model, but config says ${d.data_type}`);
    const want = batched ? [-1, ...d.dims] : d.dims;
    if (a.shape.length !== want.length) {
      problems.push(`${what} '${d.name}' has ${a.shape.length} dimensions in the model, but config implies ${want.length} ([${want.join(',')}])`);
      continue;
    }
    a.shape.forEach((dim, i) => {
      const w = want[i]!;
      if (typeof dim === 'number' && dim >= 0 && w !== -1 && dim !== w) {
        problems.push(`${what} '${d.name}' dimension ${i} is ${dim} in the model, but config says ${w}`);
      }
      if (batched && i === 0 && typeof dim === 'number' && dim >= 0) {
        problems.push(`${what} '${d.name}' has a fixed first dimension ${dim}, so it cannot be batched (max_batch_size > 0)`);
      }
    });
  }
  if (what === 'input') {
    const names = new Set(declared.map((d) => d.name));
    for (const a of actual) if (!names.has(a.name)) problems.push(`the model's input '${a.name}' is not declared in config.yaml`);
  }
}
