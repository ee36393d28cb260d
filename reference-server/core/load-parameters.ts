/**
 * The `parameters` of a repository load or unload request, over HTTP (`{"config": "<json>"}`) and gRPC
 * (`{config: {string_param: "<json>"}}`, Triton's ModelRepositoryParameter). `config` (a configuration override,
 * load only) and `unload_dependents` are understood; files sent in the request (`file:<path>`) and anything else
 * are refused with INVALID_ARGUMENT rather than half-applied.
 */
import { invalid } from './errors.js';

/** loadConfigParameter returns a load request's configuration override (undefined: load config.yaml). */
export function loadConfigParameter(action: 'load' | 'unload', params: Record<string, unknown>): string | undefined {
  const used = Object.keys(params).filter((k) => k !== 'unload_dependents' && !(k === 'config' && action === 'load'));
  if (used.length) throw invalid(`unsupported ${action} parameter(s): ${used.join(', ')} (the reference server loads the model's files from the repository; a load takes a config override)`);
  const raw = params['config'];
  if (raw === undefined) return undefined;
  const text = typeof raw === 'object' && raw !== null && 'string_param' in raw ? (raw as { string_param: unknown }).string_param : raw;
  if (typeof text !== 'string') throw invalid('the config parameter must be a string: a model configuration in JSON');
  return text;
}
