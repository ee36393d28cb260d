/**
 * Request kinds: what a scenario's `request:` is for each kind of target. A KServe target sends tensors
 * (RequestSpec.inputs, a mix of templates), an http target its own body (the request may only say which statuses
 * are OK), an openai target prompts (RequestSpec.llm). Each protocol's entry names its kind; parse-scenario reads
 * and checks the request through it, so a new kind is one object here and a new protocol picks one.
 */
import type { LlmRequestSpec } from '../targets/llm-spec.js';
import type { RequestSpec, TargetSpec } from '../targets/target-spec.js';
import type { Fields } from './fields.js';
import { readLlmRequest } from './parse-llm-request.js';
import { DEFAULT_PAYLOADS, readRequest } from './parse-request.js';
import type { EmbeddedTarget } from './plan.js';
import { isMapping } from './problems.js';

/** RequestFit is what a kind checks once the target is known: the scenario's fields, the target, the model in effect and the request read. */
export interface RequestFit {
  /** The scenario's top-level fields (problems go to their collector, at request.* paths). */
  f: Fields;
  target: TargetSpec | EmbeddedTarget;
  /** The request's model, else the target's. */
  model: string | undefined;
  request: RequestSpec;
}

/** RequestKind reads a scenario's `request:` for one kind of target and checks that it gives what the target needs. */
export interface RequestKind {
  readonly name: 'tensors' | 'body' | 'prompts';
  /** read validates the `request:` mapping (undefined: the scenario has none); data files are relative to baseDir. */
  read(f: Fields | undefined, baseDir: string): RequestSpec;
  /** check reports what the target needs from the request beyond its own fields (a model, inputs, the request at all). */
  check(fit: RequestFit): void;
  /** describe renders the request for `--dry-run` (a mix is described by describe-mix.ts). */
  describe(r: RequestSpec): string;
}

/** TENSOR_REQUESTS is the KServe v2 request kind: a model and input tensors, or a mix of templates. */
export const TENSOR_REQUESTS: RequestKind = {
  name: 'tensors',
  read: (f, baseDir) => readRequest(f, baseDir),
  check: ({ f, target, model, request }) => {
    const req = f.obj.request;
    if (!isMapping(req)) {
      f.problem('request', `is required for ${target.protocol} targets`);
      return;
    }
    const why = 'embedded' in target ? 'the embedded reference server needs a model' : 'the target names no model';
    if (request.mix !== undefined && req.mix !== undefined) {
      request.mix.forEach((t, i) => {
        if (t.model === undefined && model === undefined) f.problems.add(['request', 'mix', i, 'model'], `is required (${why})`);
      });
      return;
    }
    if (model === undefined && (req.model === undefined || req.model === null)) f.problems.add(['request', 'model'], `is required (${why})`);
    if (req.inputs === undefined || req.inputs === null || (Array.isArray(req.inputs) && req.inputs.length === 0)) {
      f.problems.add(['request', 'inputs'], `needs at least one input for ${target.protocol} targets`);
    }
  },
  describe: describeTensorRequest,
};

/** BODY_REQUESTS is the kind of targets that send their own body (protocol http): the request may only name accepted statuses. */
export const BODY_REQUESTS: RequestKind = {
  name: 'body',
  read: (f, baseDir) => readRequest(f, baseDir),
  check: ({ f, request }) => {
    if (request.mix !== undefined && (request.mix.length !== 1 || request.mix[0]!.samples !== undefined || request.mix[0]!.expect?.outputs.length)) {
      f.problems.add(['request'], 'an http target sends its own body: only request.expect.status applies to it');
    }
  },
  describe: describeTensorRequest,
};

/**
 * PROMPT_REQUESTS is the LLM request kind (openai targets): prompts from a synthetic distribution or a dataset,
 * read by readLlmRequest into RequestSpec.llm. The model comes from the target.
 */
export const PROMPT_REQUESTS: RequestKind = {
  name: 'prompts',
  read: (f, baseDir) => {
    const llm = f !== undefined ? readLlmRequest(f, baseDir) : undefined;
    return { inputs: [], payloads: DEFAULT_PAYLOADS, ...(llm !== undefined && { llm }) };
  },
  check: ({ f, target }) => {
    if (!isMapping(f.obj.request)) f.problem('request', `is required for ${target.protocol} targets (the prompts to send)`);
  },
  describe: (r) => (r.llm !== undefined ? describeLlmRequest(r.llm) : 'prompts (none)'),
};

/** describeTensorRequest renders a KServe request: model, inputs, outputs, parameters, payloads. */
export function describeTensorRequest(r: RequestSpec): string {
  const inputs = r.inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(', ')}] ${i.data.kind === 'values' ? `${i.data.values.length} values` : i.data.kind}`);
  const parts = [`model ${r.model ?? '(none)'}${r.modelVersion ? ` v${r.modelVersion}` : ''}`];
  if (inputs.length > 0) parts.push(`inputs ${inputs.join(', ')}`);
  if (r.outputs) parts.push(`outputs ${r.outputs.join(', ')}`);
  if (r.parameters && Object.keys(r.parameters).length > 0) parts.push(`parameters ${JSON.stringify(r.parameters)}`);
  if (r.inputs.some((i) => i.data.kind === 'random')) parts.push(`${r.payloads} random payloads`);
  return parts.join(' · ');
}

/** describeLlmRequest renders a prompt request: where prompts come from, the output lengths, EOS and the tokenizer. */
function describeLlmRequest(llm: LlmRequestSpec): string {
  const s = llm.source;
  const source = s.kind === 'synthetic' ? `synthetic prompts of ${describeLength(s.inputTokens)} tokens` : `${s.count} prompts from ${s.file}`;
  return [source, `max_tokens ${describeLength(llm.outputTokens)}`, ...(llm.ignoreEos ? ['ignore EOS'] : []), `counted by ${llm.tokenizer}`].join(' · ');
}

function describeLength(d: LlmRequestSpec['outputTokens']): string {
  switch (d.kind) {
    case 'fixed':
      return String(d.value);
    case 'uniform':
      return `uniform ${d.min}–${d.max}`;
    case 'normal':
      return `normal mean ${d.mean} sd ${d.stddev} (${d.min}–${d.max})`;
    case 'lognormal':
      return `lognormal median ${d.median} sigma ${d.sigma} (${d.min}–${d.max})`;
    case 'file':
      return `from ${d.file} (${d.values.length} values)`;
  }
}
