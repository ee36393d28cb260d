/**
 * The kserve-http protocol: KServe v2 inference over HTTP/1.1 (JSON, or the binary tensor data extension). Its
 * model fields are shared with kserve-grpc, which imports them from here.
 */
import type { Fields } from '../scenario/fields.js';
import { str, type JsonSchema } from '../scenario/schema-parts.js';
import { TEXT_LIMITS } from '../scenario/limits.js';
import { TENSOR_REQUESTS } from '../scenario/request-kinds.js';
import { checkHttpUrl } from '../scenario/target-fields.js';
import { createKserveHttpClient } from './kserve-http-client.js';
import { defineProtocol, targetHeaders, urlAddress, urlProxied, type ProtocolFields } from './protocol-entry.js';
import type { TargetSpec } from './target-spec.js';

/** BINARY_DEFAULT is whether kserve-http uses the binary tensor data extension unless told. */
export const BINARY_DEFAULT = true;

/** readKserveModel reads a KServe target's model and model_version (an empty version: the server's choice). */
export function readKserveModel(f: Fields): ProtocolFields {
  const model = f.string('model', false, TEXT_LIMITS.name);
  const modelVersion = f.obj.model_version === '' ? undefined : f.string('model_version');
  return { ...(model !== undefined && { model }), ...(modelVersion !== undefined && { modelVersion }) };
}

/** kserveModelSchema is the schema of model and model_version. */
export function kserveModelSchema(): Record<'model' | 'model_version', JsonSchema> {
  return {
    model: str('kserve-*: the model to infer on (a scenario\'s request.model overrides it).', TEXT_LIMITS.name),
    model_version: { type: 'string', maxLength: TEXT_LIMITS.name, description: 'kserve-*: the model version (empty: the server\'s choice).' },
  };
}

/** describeKserveModel renders `model m v2` (nothing without a model). */
export function describeKserveModel(t: Partial<TargetSpec>): string[] {
  return t.model ? [`model ${t.model}${t.modelVersion ? ` v${t.modelVersion}` : ''}`] : [];
}

/** KSERVE_HTTP is the kserve-http protocol's entry. */
export const KSERVE_HTTP = defineProtocol({
  summary: 'KServe v2 over HTTP',
  keys: ['model', 'model_version', 'binary'],
  required: [],
  url: { description: 'kserve-http: http(s)://host:port', check: (url) => checkHttpUrl(url, true) },
  headers: 'http',
  tokenEnvKey: 'bearer_token_env',
  read: (f, ctx) => ({ ...readKserveModel(f), binary: f.boolean('binary') ?? BINARY_DEFAULT, ...targetHeaders(ctx) }),
  schema: () => ({ ...kserveModelSchema(), binary: { type: 'boolean', default: BINARY_DEFAULT, description: 'kserve-http: use the binary tensor data extension.' } }),
  describe: (t) => ({ wire: t.binary ? ' (binary)' : ' (JSON)', details: describeKserveModel(t) }),
  address: urlAddress,
  proxied: urlProxied,
  request: TENSOR_REQUESTS,
  client: createKserveHttpClient,
});
