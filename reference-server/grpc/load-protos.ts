/**
 * Loads gauntlet's KServe v2 / Triton protos with @grpc/proto-loader, from the source tree whether this module
 * runs from `reference-server/grpc/*.ts` or from the compiled `dist/reference-server/grpc/*.js`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** SERVICE_NAME is the fully-qualified name of the inference service. */
export const SERVICE_NAME = 'inference.GRPCInferenceService';

/** LongsAs says how 64-bit integers are decoded: exact strings (the server) or plain numbers (clients). */
export type LongsAs = 'String' | 'Number';

/** InferenceProtos is the loaded package: the raw definition, the service definition and the client constructor. */
export interface InferenceProtos {
  definition: protoLoader.PackageDefinition;
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
}

let cachedDir: string | undefined;

/** protoDir finds `reference-server/proto/` by walking up from this module to the folder holding package.json. */
export function protoDir(): string {
  if (cachedDir !== undefined) return cachedDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const candidate = join(dir, 'reference-server', 'proto');
      if (existsSync(join(candidate, 'grpc_service.proto'))) {
        cachedDir = candidate;
        return candidate;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`gauntlet: cannot find reference-server/proto/grpc_service.proto above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

const cache = new Map<LongsAs, InferenceProtos>();

/** loadInferenceProtos loads (once per `longs` choice) the inference service from grpc_service.proto and model_config.proto. */
export function loadInferenceProtos(longs: LongsAs = 'String'): InferenceProtos {
  const hit = cache.get(longs);
  if (hit) return hit;
  const dir = protoDir();
  const definition = protoLoader.loadSync(join(dir, 'grpc_service.proto'), {
    keepCase: true,
    longs: longs === 'String' ? String : Number,
    enums: String,
    bytes: Buffer,
    defaults: true,
    oneofs: true,
    includeDirs: [dir],
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    inference: { GRPCInferenceService: grpc.ServiceClientConstructor };
  };
  const Client = pkg.inference.GRPCInferenceService;
  const loaded: InferenceProtos = { definition, service: Client.service, Client };
  cache.set(longs, loaded);
  return loaded;
}
