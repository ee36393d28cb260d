/**
 * The `config` parameter of the repository extension's load (Triton's "load with a configuration override"): a
 * model configuration in JSON that is used instead of the model folder's config.yaml for that load. It accepts
 * what `GET /v2/models/{m}/config` returns, so a client can read the effective configuration, change a field
 * (`version_policy`, say) and load the model with it: Triton's message-only fields are dropped when they carry no
 * setting (`format: FORMAT_NONE`, empty `gpus`), `parameters` may only repeat gauntlet's extension fields, and
 * int64 values written as strings (`"dims": ["256"]`, as protobuf's JSON writes them) are read as numbers.
 */
import { EXTENSION_PARAMETER_KEYS } from '../grpc/model-config-proto.js';
import type { ModelConfig } from './model-config.js';
import { isPlainObject, Problems, type ConfigProblem } from './problems.js';
import { validateModelConfig, type ValidationResult } from './validate-model-config.js';

/** MAX_CONFIG_OVERRIDE_CHARS bounds a configuration override (as config.yaml is bounded). */
export const MAX_CONFIG_OVERRIDE_CHARS = 1 << 20;

/** parseConfigOverride validates a load request's `config` parameter as the configuration of model `name`. */
export function parseConfigOverride(json: string, name: string): ValidationResult {
  const fail = (message: string, path = 'config'): ValidationResult => ({ ok: false, problems: [{ path, message }] });
  if (json.length > MAX_CONFIG_OVERRIDE_CHARS) return fail(`is ${json.length} characters; at most ${MAX_CONFIG_OVERRIDE_CHARS}`);
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    return fail(`is not JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(doc)) return fail('must be a JSON object (a model configuration)');
  const problems = new Problems();
  const config = validateModelConfig(fromMessageForm(doc, problems), name, problems);
  return problems.empty && config ? { ok: true, config } : { ok: false, problems: problems.list as ConfigProblem[] };
}

/** fromMessageForm strips what Triton's message form adds to a configuration and reads int64 strings as numbers. */
function fromMessageForm(doc: Record<string, unknown>, problems: Problems): Record<string, unknown> {
  const out: Record<string, unknown> = { ...doc };
  const params = out.parameters;
  delete out.parameters;
  if (params !== undefined) {
    if (!isPlainObject(params)) problems.add(['parameters'], 'must be a mapping');
    else for (const key of Object.keys(params)) if (!(EXTENSION_PARAMETER_KEYS as readonly string[]).includes(key)) problems.add(['parameters', key], 'is not a parameter the reference server knows');
  }
  for (const key of ['input', 'output'] as const) {
    const list = out[key];
    if (!Array.isArray(list)) continue;
    out[key] = list.map((t: unknown) => {
      if (!isPlainObject(t)) return t;
      const { format, ...rest } = t;
      if (format !== undefined && format !== 'FORMAT_NONE') return t;
      return { ...rest, ...(Array.isArray(rest.dims) && { dims: rest.dims.map(int64) }) };
    });
  }
  if (Array.isArray(out.instance_group)) {
    out.instance_group = out.instance_group.map((g: unknown) => {
      if (!isPlainObject(g) || !Array.isArray(g.gpus) || g.gpus.length > 0) return g;
      const { gpus: _gpus, ...rest } = g;
      return { ...rest, ...(rest.count !== undefined && { count: int64(rest.count) }) };
    });
  }
  const specific = isPlainObject(out.version_policy) && isPlainObject(out.version_policy.specific) ? out.version_policy.specific : undefined;
  if (specific && Array.isArray(specific.versions)) out.version_policy = { specific: { ...specific, versions: specific.versions.map(int64) } };
  for (const key of ['max_batch_size', 'artificial_delay_us', 'intra_op_threads'] as const) if (out[key] !== undefined) out[key] = int64(out[key]);
  return out;
}

/** int64 reads a protobuf-JSON int64 string ("256") as a number; anything else is left for validation to judge. */
function int64(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : v;
}

/** configOverrideText is the JSON a client sends as the `config` parameter to load `config` (for tests and tools). */
export function configOverrideText(config: ModelConfig): string {
  return JSON.stringify(config);
}
