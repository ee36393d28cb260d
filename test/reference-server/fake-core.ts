/**
 * A small in-memory InferenceCore for front-end tests, standing in for the real server until it exists.
 *
 * Models: `add_one` (versions 1 and 2; FP32 INPUT0 [-1,4] → OUTPUT0 = INPUT0 + 1, waits `delay_ms` first),
 * `echo` (returns every input as an output of the same name), `fail` (rejects with the InferError status named
 * by the `fail_with` parameter, or a plain Error for `plain`), and `broken` (in the index, never loads).
 */
import type { ModelConfig } from '../../reference-server/config/model-config.js';
import { InferError, type InferStatus, invalid, notFound, unavailable } from '../../reference-server/core/errors.js';
import type { Tensor } from '../../reference-server/core/tensor.js';
import type {
  InferenceCore,
  InferRequest,
  InferResponse,
  LoadedModel,
  ModelMetadata,
  ModelStatistics,
  RepositoryEntry,
} from '../../reference-server/core/types.js';
import { startGrpcServer } from '../../reference-server/grpc/server.js';

type Compute = (request: InferRequest) => Promise<Tensor[]>;

const zero = () => ({ count: 0, ns: 0 });

function baseConfig(name: string, overrides: Partial<ModelConfig>): ModelConfig {
  return {
    name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    max_batch_size: 0,
    input: [],
    output: [],
    instance_group: [{ count: 1, kind: 'KIND_CPU' }],
    version_policy: { latest: { num_versions: 1 } },
    execution_provider: 'cpu',
    intra_op_threads: 0,
    graph_optimization_level: 'all',
    fallback_to_cpu: false,
    ...overrides,
  };
}

class FakeModel implements LoadedModel {
  private readonly stats: ModelStatistics;
  constructor(
    readonly name: string,
    readonly version: string,
    readonly config: ModelConfig,
    private readonly compute: Compute,
  ) {
    this.stats = {
      name, version, last_inference: 0, inference_count: 0, execution_count: 0,
      inference_stats: {
        success: zero(), fail: zero(), queue: zero(), compute_input: zero(), compute_infer: zero(),
        compute_output: zero(), cache_hit: zero(), cache_miss: zero(),
      },
      batch_stats: [],
    };
  }
  ready(): boolean {
    return true;
  }
  metadata(): ModelMetadata {
    const batch = this.config.max_batch_size > 0 ? [-1] : [];
    const tensor = (t: ModelConfig['input'][number]) => ({
      name: t.name,
      datatype: t.data_type === 'TYPE_STRING' ? ('BYTES' as const) : (t.data_type.slice(5) as Exclude<Tensor['datatype'], 'BYTES'>),
      shape: [...batch, ...t.dims],
    });
    return { name: this.name, versions: [this.version], platform: this.config.platform, inputs: this.config.input.map(tensor), outputs: this.config.output.map(tensor) };
  }
  async infer(request: InferRequest): Promise<InferResponse> {
    const s = this.stats.inference_stats;
    try {
      const all = await this.compute(request);
      const wanted = request.outputs?.map((o) => o.name);
      const outputs = wanted && wanted.length > 0 ? all.filter((t) => wanted.includes(t.name)) : all;
      const ns = Number(process.hrtime.bigint() - request.receivedNs);
      s.success.count++;
      s.success.ns += ns;
      this.stats.inference_count++;
      this.stats.execution_count++;
      this.stats.last_inference = Date.now();
      const response: InferResponse = { modelName: this.name, modelVersion: this.version, outputs };
      if (request.id !== undefined) response.id = request.id;
      return response;
    } catch (err) {
      s.fail.count++;
      throw err;
    }
  }
  statistics(): ModelStatistics {
    return structuredClone(this.stats);
  }
}

const addOne: Compute = async (req) => {
  const delay = Number(req.parameters?.delay_ms ?? 0);
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const x = req.inputs.find((t) => t.name === 'INPUT0');
  if (!x) throw invalid("expected input 'INPUT0'");
  if (x.datatype !== 'FP32' || Array.isArray(x.data)) throw invalid(`input 'INPUT0': expected FP32, got ${x.datatype}`);
  const out = new Float32Array(x.data.byteLength / 4);
  const view = new DataView(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true) + 1;
  return [{ name: 'OUTPUT0', datatype: 'FP32', shape: x.shape, data: new Uint8Array(out.buffer) }];
};

const echo: Compute = async (req) => req.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: t.data }));

const fail: Compute = async (req) => {
  const what = String(req.parameters?.fail_with ?? 'INTERNAL');
  if (what === 'plain') throw new Error('something broke');
  if (what === 'UNAVAILABLE') throw unavailable('queue full: 64 requests waiting');
  throw new InferError(what as InferStatus, `fake failure with status ${what}`);
};

/** FakeCore is an InferenceCore over the fake models above. */
export class FakeCore implements InferenceCore {
  readonly served: FakeModel[];
  constructor() {
    const fp32 = (name: string) => ({ name, data_type: 'TYPE_FP32' as const, dims: [4] });
    const addOneConfig = baseConfig('add_one', {
      max_batch_size: 8,
      input: [fp32('INPUT0')],
      output: [fp32('OUTPUT0')],
      instance_group: [{ count: 2, kind: 'KIND_CPU' }],
      dynamic_batching: {
        preferred_batch_size: [4, 8],
        max_queue_delay_microseconds: 500,
        preserve_ordering: false,
        default_queue_policy: { timeout_action: 'REJECT', default_timeout_microseconds: 0, allow_timeout_override: true, max_queue_size: 64 },
      },
      precision: 'fp32',
      accuracy: { reference: 'add_one', samples: 16, max_abs_error: 0, mean_abs_error: 0, cosine_similarity: 1 },
    });
    this.served = [
      new FakeModel('add_one', '1', addOneConfig, addOne),
      new FakeModel('add_one', '2', addOneConfig, addOne),
      new FakeModel('echo', '1', baseConfig('echo', { input: [{ name: 'ANY', data_type: 'TYPE_STRING', dims: [-1] }], output: [{ name: 'ANY', data_type: 'TYPE_STRING', dims: [-1] }] }), echo),
      new FakeModel('fail', '1', baseConfig('fail', {}), fail),
    ];
  }
  serverMetadata() {
    return { name: 'gauntlet-fake', version: '0.0.1', extensions: ['model_configuration', 'statistics'] };
  }
  live(): boolean {
    return true;
  }
  ready(): boolean {
    return true;
  }
  model(name: string, version?: string): LoadedModel {
    if (name === 'broken') throw unavailable("model 'broken' is not ready: failed to load");
    const versions = this.served.filter((m) => m.name === name);
    if (versions.length === 0) throw notFound(`unknown model: '${name}'`);
    if (!version) return versions[versions.length - 1]!;
    const hit = versions.find((m) => m.version === version);
    if (!hit) throw notFound(`unknown version '${version}' of model '${name}'`);
    return hit;
  }
  models(): LoadedModel[] {
    return this.served;
  }
  index(): RepositoryEntry[] {
    return [
      ...this.served.map((m) => ({ name: m.name, version: m.version, state: 'READY' as const, reason: '' })),
      { name: 'broken', version: '1', state: 'UNAVAILABLE', reason: 'failed to load: model.onnx not found' },
    ];
  }
}

/** createFakeCore makes a fresh FakeCore. */
export function createFakeCore(): InferenceCore {
  return new FakeCore();
}

/** TestTarget is what the front-end tests need: the core behind the server and the server's gRPC address. */
export interface TestTarget {
  core: InferenceCore;
  grpcAddress: string;
  close(): Promise<void>;
}

/** startFakeTarget serves a fresh FakeCore over gRPC on a free local port. */
export async function startFakeTarget(): Promise<TestTarget> {
  const core = createFakeCore();
  const server = await startGrpcServer(core, { host: '127.0.0.1', port: 0 });
  return { core, grpcAddress: `127.0.0.1:${server.port}`, close: () => server.close(1000) };
}
