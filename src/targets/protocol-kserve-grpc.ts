/** The kserve-grpc protocol: KServe v2 ModelInfer over gRPC (always binary; a `tls` mapping alone turns TLS on). */
import { checkGrpcAddress } from '../scenario/target-fields.js';
import { TENSOR_REQUESTS } from '../scenario/request-kinds.js';
import { createKserveGrpcClient } from './kserve-grpc-client.js';
import { describeKserveModel, kserveModelSchema, readKserveModel } from './protocol-kserve-http.js';
import { defineProtocol, targetHeaders, type TargetAddress } from './protocol-entry.js';
import type { TargetSpec } from './target-spec.js';

/** grpcAddress is the host and port of host:port, grpc://host:port or grpcs://host:port. */
export function grpcAddress(t: TargetSpec): TargetAddress {
  const m = /^(?:grpcs?:\/\/)?\[?([^\]]+?)\]?:(\d+)$/.exec(t.url);
  if (!m) throw new Error(`not a gRPC address: ${t.url}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** KSERVE_GRPC is the kserve-grpc protocol's entry. */
export const KSERVE_GRPC = defineProtocol({
  summary: 'KServe v2 over gRPC',
  keys: ['model', 'model_version'],
  required: [],
  refuse: { binary: 'is only for kserve-http targets (gRPC is always binary)' },
  url: { description: 'kserve-grpc: host:port, grpc://host:port or grpcs://host:port (TLS)', check: checkGrpcAddress, tlsWithoutSecureUrl: true },
  headers: 'grpc',
  tokenEnvKey: 'bearer_token_env',
  read: (f, ctx) => ({ ...readKserveModel(f), ...targetHeaders(ctx) }),
  schema: kserveModelSchema,
  describe: (t) => ({ wire: '', details: describeKserveModel(t) }),
  address: grpcAddress,
  proxied: (t, at) => {
    const scheme = /^grpcs?:\/\//.exec(t.url)?.[0];
    return scheme !== undefined ? `${scheme}${at}` : at;
  },
  request: TENSOR_REQUESTS,
  client: createKserveGrpcClient,
});
