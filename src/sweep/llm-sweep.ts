/**
 * Sweeps over the reference LLM: which matrix keys apply to an LLM model folder (`backend: llm`) and which to a
 * KServe model, the checks that keep them apart (every problem with its path), the `llm:` section a combination
 * writes into the LLM folder's config.yaml, and the figures an LLM run gives: output tokens/s, TTFT p99, TPOT p50
 * and p99, ITL p99, goodput, and a precision variant's generation agreement with fp32.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PhaseResult } from '../results/results-schema.js';
import type { Fields } from '../scenario/fields.js';
import type { Plan } from '../scenario/plan.js';
import type { Problems } from '../scenario/problems.js';
import { FILE_LIMITS } from '../scenario/limits.js';
import { readTextFile } from '../scenario/yaml-file.js';
import { LLM_NAME } from '../../reference-server/llm/build-llm.js';
import { FAMILY_NAMES } from '../../reference-server/models/zoo.js';
import type { ComboConfig, Matrix, SweepSpec } from './sweep-spec.js';

/** LLM_CONFIG_KEYS are the combination settings that only an LLM model folder takes (its `llm:` section). */
export const LLM_CONFIG_KEYS = ['llmBatching', 'maxNumSeqs', 'kvCacheTokens', 'maxQueue', 'maxQueueDelayMs'] as const satisfies readonly (keyof ComboConfig)[];
/** KSERVE_CONFIG_KEYS are the settings that only a KServe (ONNX Runtime) model config takes. */
export const KSERVE_CONFIG_KEYS = ['dynamicBatching', 'maxBatchSize', 'maxQueueDelayUs', 'instanceCount', 'intraOpThreads', 'executionProvider'] as const satisfies readonly (keyof ComboConfig)[];
/** SETTING_FILE_NAMES are the swept settings' names as a sweep file writes them (for messages, tables and CSV columns). */
export const SETTING_FILE_NAMES: Record<keyof ComboConfig, string> = {
  dynamicBatching: 'dynamic_batching',
  maxBatchSize: 'max_batch_size',
  maxQueueDelayUs: 'max_queue_delay_microseconds',
  llmBatching: 'llm_batching',
  maxNumSeqs: 'max_num_seqs',
  kvCacheTokens: 'kv_cache_tokens',
  maxQueue: 'max_queue',
  maxQueueDelayMs: 'max_queue_delay_ms',
  precision: 'precision',
  instanceCount: 'instance_count',
  intraOpThreads: 'intra_op_threads',
  replicas: 'replicas',
  executionProvider: 'execution_provider',
};

/** TokenFigures are an LLM run's token-level figures, from the phase the sweep's figures come from. */
export interface TokenFigures {
  /** The phase's output tokens per second (all requests). */
  outputTokensPerS: number;
  /** Time to first token, p99, from intended send times (ms); null without token timings. */
  ttftP99Ms: number | null;
  /** Time per output token, p50 (ms); null without requests of two or more tokens. */
  tpotP50Ms: number | null;
  /** Time per output token, p99 (ms); null without requests of two or more tokens (absent in records before it). */
  tpotP99Ms?: number | null;
  /** Inter-token latency (every gap between tokens), p99 (ms); null without gaps (absent in records before it). */
  itlP99Ms?: number | null;
  /** Share of the phase's requests that met every per-request token SLO (0..1). */
  goodput: number;
  /** Good requests per second. */
  goodputRps: number;
}

/** GenerationFigures are an LLM variant's greedy generations against fp32's (config.yaml `agreement`, or agreement.json). */
export interface GenerationFigures {
  /** The fp32 model compared against. */
  reference: string;
  /** Share of generated tokens equal to fp32's at the same position (fp32 itself: 1). */
  tokenAgreement: number;
  /** Mean position of the first token that differs (a prompt that never differs counts as tokensPerPrompt). */
  meanFirstDivergence: number;
  tokensPerPrompt: number;
  prompts: number;
}

/** isLlmSweep tells whether a matrix sweep is about an LLM: LLM keys, an LLM basis or constraint, or the bundled LLM. */
export function isLlmSweep(spec: Pick<SweepSpec, 'matrix' | 'model' | 'recommend' | 'constraints'>): boolean {
  return LLM_CONFIG_KEYS.some((k) => (spec.matrix?.[k]?.length ?? 0) > 0) || spec.recommend === 'tokens_per_s' || spec.constraints.minAgreement !== undefined || spec.model === LLM_NAME;
}

/** llmMatrixProblems adds the problems of a matrix that mixes LLM and KServe settings, or sets a limit no combination uses. */
export function llmMatrixProblems(m: Fields, matrix: Matrix): void {
  const llm = LLM_CONFIG_KEYS.filter((k) => matrix[k] !== undefined);
  if (llm.length > 0) {
    for (const k of KSERVE_CONFIG_KEYS) {
      if (matrix[k] !== undefined) m.problem(SETTING_FILE_NAMES[k], `is a KServe model setting; ${llm.map((l) => SETTING_FILE_NAMES[l]).join(' and ')} ${llm.length > 1 ? 'are' : 'is'} for LLM models (backend llm): a sweep has one model`);
    }
  }
  if (matrix.maxNumSeqs !== undefined && (matrix.llmBatching?.length ?? 0) > 0 && matrix.llmBatching!.every((b) => b === 'none')) {
    m.problem('max_num_seqs', 'has no effect: llm_batching is none (one sequence at a time) in every combination');
  }
}

/** llmPlanProblems adds what an LLM sweep asks of its model and base scenario: an LLM model, and an openai target. */
export function llmPlanProblems(spec: SweepSpec, plan: Plan, problems: Problems): void {
  if (!spec.matrix || !isLlmSweep(spec)) return;
  const what = llmReasons(spec);
  if (spec.model !== undefined && FAMILY_NAMES.includes(spec.model) && what.length) {
    problems.add(['model'], `${spec.model} is a KServe model, not an LLM: ${what.join(', ')} ${what.length > 1 ? 'need' : 'needs'} an LLM model folder (backend llm), e.g. ${LLM_NAME}`);
  }
  // With LLM keys in the matrix, llmMatrixProblems has already named every KServe key beside them.
  if (spec.model === LLM_NAME && !LLM_CONFIG_KEYS.some((k) => spec.matrix?.[k] !== undefined)) {
    for (const k of KSERVE_CONFIG_KEYS) if (spec.matrix[k] !== undefined) problems.add(['matrix', SETTING_FILE_NAMES[k]], `does not apply to ${LLM_NAME}, an LLM (its batching is llm_batching)`);
  }
  if (plan.target.protocol !== 'openai') {
    problems.add(['scenario'], `the base scenario's target speaks ${plan.target.protocol}; an LLM sweep (${[...what, ...(spec.model === LLM_NAME ? [`model ${LLM_NAME}`] : [])].join(', ')}) needs protocol openai, e.g. target: {embedded: true, protocol: openai, models: [${LLM_NAME}]}`);
  }
}

function llmReasons(spec: Pick<SweepSpec, 'matrix' | 'recommend' | 'constraints'>): string[] {
  const out = LLM_CONFIG_KEYS.filter((k) => spec.matrix?.[k] !== undefined).map((k) => `matrix.${SETTING_FILE_NAMES[k]}`);
  if (spec.recommend === 'tokens_per_s') out.push('recommend: tokens_per_s');
  if (spec.constraints.minAgreement !== undefined) out.push('constraints.min_agreement');
  return out;
}

/** rewriteLlmConfig writes a combination's LLM settings into the folder's `llm:` section, keeping the others. */
export function rewriteLlmConfig(config: Record<string, unknown>, c: ComboConfig): void {
  const set = LLM_CONFIG_KEYS.filter((k) => c[k] !== undefined);
  if (set.length === 0) return;
  const base = config.llm;
  const llm: Record<string, unknown> = typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  // The `llm:` section's names are the matrix keys' (llm_batching is `batching` there).
  for (const k of set) llm[k === 'llmBatching' ? 'batching' : SETTING_FILE_NAMES[k]] = c[k];
  config.llm = llm;
}

/** tokenFigures reads a phase's token figures; undefined when the phase has none (not an LLM run). */
export function tokenFigures(p: PhaseResult | undefined): TokenFigures | undefined {
  const t = p?.tokens;
  if (!t) return undefined;
  return {
    outputTokensPerS: t.outputTokensPerS,
    ttftP99Ms: t.ttftUs.count > 0 ? t.ttftUs.p99 / 1000 : null,
    tpotP50Ms: t.tpotUs.count > 0 ? t.tpotUs.p50 / 1000 : null,
    tpotP99Ms: t.tpotUs.count > 0 ? t.tpotUs.p99 / 1000 : null,
    itlP99Ms: t.itlUs.count > 0 ? t.itlUs.p99 / 1000 : null,
    goodput: t.goodput.fraction,
    goodputRps: t.goodput.rps,
  };
}

/**
 * generationOf reads an LLM variant's generation agreement from its config's `agreement`, else from agreement.json
 * in its folder; null when neither has one (a constraint on it is then not met).
 */
export function generationOf(config: Record<string, unknown>, folder: string): GenerationFigures | null {
  let a: unknown = config.agreement;
  const file = path.join(folder, 'agreement.json');
  if (!isAgreement(a) && existsSync(file)) {
    // A user's repository: read within the scenario files' size limit; a broken file records no agreement.
    const read = readTextFile(file, FILE_LIMITS.bytes);
    if (!read.ok) return null;
    try {
      a = JSON.parse(read.text);
    } catch {
      return null;
    }
  }
  if (!isAgreement(a)) return null;
  return {
    reference: String(a.reference ?? ''),
    tokenAgreement: a.token_agreement,
    meanFirstDivergence: a.mean_first_divergence,
    tokensPerPrompt: typeof a.tokens_per_prompt === 'number' ? a.tokens_per_prompt : 0,
    prompts: typeof a.prompts === 'number' ? a.prompts : 0,
  };
}

function isAgreement(a: unknown): a is Record<string, unknown> & { token_agreement: number; mean_first_divergence: number } {
  if (typeof a !== 'object' || a === null) return false;
  const r = a as Record<string, unknown>;
  return typeof r.token_agreement === 'number' && r.token_agreement >= 0 && r.token_agreement <= 1 && typeof r.mean_first_divergence === 'number' && Number.isFinite(r.mean_first_divergence);
}
