/**
 * The combinations of a sweep: the cross product of the matrix (the first key varies slowest), or one per
 * target. Combinations that configure the same server are run once: with dynamic batching off, the queue delay
 * has no effect, so `dynamic_batching: [off, on]` × `max_queue_delay_microseconds: [0, 500]` is three, not four.
 */
import type { VarValue } from './config-template.js';
import type { ComboConfig, Matrix, SweepSpec, SweepTarget } from './sweep-spec.js';
import { variableCombinations } from './variable-combinations.js';

/** Combination is one configuration (or target) of a sweep. */
export interface Combination {
  /** Folder name and handle: the index and the swept values, e.g. `02-batching-on_inst2`. */
  id: string;
  /** 1-based position in the sweep. */
  index: number;
  config: ComboConfig;
  /** Target sweeps: the target measured. */
  target?: SweepTarget;
  /** External sweeps: the value of each variable. */
  variables?: Record<string, VarValue>;
}

/** CombinationList is every combination to run, and how many duplicates of earlier ones were left out. */
export interface CombinationList {
  combinations: Combination[];
  duplicates: number;
}

/** CONFIG_ORDER is the order of matrix keys: the cross product varies the last one fastest. */
export const CONFIG_ORDER: readonly (keyof ComboConfig)[] = [
  'dynamicBatching',
  'maxBatchSize',
  'maxQueueDelayUs',
  'llmBatching',
  'maxNumSeqs',
  'kvCacheTokens',
  'maxQueue',
  'maxQueueDelayMs',
  'precision',
  'instanceCount',
  'intraOpThreads',
  'replicas',
  'executionProvider',
];

/** combinationsOf lists the combinations of a sweep spec. */
export function combinationsOf(spec: Pick<SweepSpec, 'matrix' | 'targets' | 'external'>): CombinationList {
  if (spec.external) return { combinations: variableCombinations(spec.external.variables).map((c) => ({ ...c, config: {} })), duplicates: 0 };
  if (spec.targets) {
    const width = String(spec.targets.length).length;
    const combinations = spec.targets.map((target, i) => ({ id: `${pad(i + 1, width)}-${slug(target.spec.name)}`, index: i + 1, config: {}, target }));
    return { combinations, duplicates: 0 };
  }
  return matrixCombinations(spec.matrix ?? {});
}

/** matrixCombinations is the cross product of a matrix, duplicates removed. */
export function matrixCombinations(matrix: Matrix): CombinationList {
  const keys = CONFIG_ORDER.filter((k) => (matrix[k]?.length ?? 0) > 0);
  let configs: ComboConfig[] = [{}];
  for (const key of keys) {
    const values = matrix[key] as unknown[];
    configs = configs.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  const seen = new Set<string>();
  const unique: ComboConfig[] = [];
  for (const c of configs) {
    const effective = normalize(c);
    const key = JSON.stringify(CONFIG_ORDER.map((k) => effective[k]));
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(effective);
  }
  const varying = keys.filter((k) => (matrix[k]?.length ?? 0) > 1);
  const width = Math.max(2, String(unique.length).length);
  const combinations = unique.map((config, i) => {
    const labels = varying.filter((k) => config[k] !== undefined).map((k) => label(k, config));
    return { id: `${pad(i + 1, width)}-${labels.length ? labels.join('_') : 'base'}`, index: i + 1, config };
  });
  return { combinations, duplicates: configs.length - unique.length };
}

/** normalize drops settings that have no effect in a combination (the queue delay with batching off, max_num_seqs without LLM batching). */
function normalize(c: ComboConfig): ComboConfig {
  const out = { ...c };
  if (out.dynamicBatching === false) delete out.maxQueueDelayUs;
  if (out.llmBatching === 'none') delete out.maxNumSeqs;
  return out;
}

function label(key: keyof ComboConfig, c: ComboConfig): string {
  switch (key) {
    case 'dynamicBatching':
      return `batching-${c.dynamicBatching ? 'on' : 'off'}`;
    case 'maxBatchSize':
      return `mbs${c.maxBatchSize}`;
    case 'maxQueueDelayUs':
      return `delay${c.maxQueueDelayUs}us`;
    case 'llmBatching':
      return `llm-${c.llmBatching}`;
    case 'maxNumSeqs':
      return `seqs${c.maxNumSeqs}`;
    case 'kvCacheTokens':
      return `kv${c.kvCacheTokens}`;
    case 'maxQueue':
      return `queue${c.maxQueue}`;
    case 'maxQueueDelayMs':
      return `wait${c.maxQueueDelayMs}ms`;
    case 'precision':
      return String(c.precision);
    case 'instanceCount':
      return `inst${c.instanceCount}`;
    case 'intraOpThreads':
      return `threads${c.intraOpThreads}`;
    case 'replicas':
      return `rep${c.replicas}`;
    case 'executionProvider':
      return String(c.executionProvider);
  }
}

/** describeConfig renders a combination's settings for people, e.g. `batching on (delay 500 µs), int8, 2 instances`. */
export function describeConfig(c: ComboConfig): string {
  const parts: string[] = [];
  if (c.dynamicBatching === false) parts.push('batching off');
  else if (c.dynamicBatching === true || c.maxQueueDelayUs !== undefined) {
    parts.push('batching on');
    if (c.maxQueueDelayUs !== undefined) parts.push(`delay ${c.maxQueueDelayUs} µs`);
  }
  if (c.maxBatchSize !== undefined) parts.push(`max batch ${c.maxBatchSize}`);
  if (c.llmBatching !== undefined) parts.push(c.llmBatching === 'none' ? 'no batching (one sequence at a time)' : `${c.llmBatching} batching`);
  if (c.maxNumSeqs !== undefined) parts.push(`max ${c.maxNumSeqs} sequence${c.maxNumSeqs === 1 ? '' : 's'}`);
  if (c.kvCacheTokens !== undefined) parts.push(c.kvCacheTokens === 0 ? 'KV cache max_num_seqs x context' : `KV cache ${c.kvCacheTokens} tokens`);
  if (c.maxQueue !== undefined) parts.push(`queue ${c.maxQueue}`);
  if (c.maxQueueDelayMs !== undefined) parts.push(c.maxQueueDelayMs === 0 ? 'no queue wait limit' : `queue wait ${c.maxQueueDelayMs} ms`);
  if (c.precision !== undefined) parts.push(c.precision);
  if (c.instanceCount !== undefined) parts.push(`${c.instanceCount} instance${c.instanceCount === 1 ? '' : 's'}`);
  if (c.intraOpThreads !== undefined) parts.push(`${c.intraOpThreads === 0 ? 'auto' : c.intraOpThreads} intra-op thread${c.intraOpThreads === 1 ? '' : 's'}`);
  if (c.replicas !== undefined) parts.push(`${c.replicas} replica${c.replicas === 1 ? '' : 's'}`);
  if (c.executionProvider !== undefined) parts.push(c.executionProvider);
  return parts.length ? parts.join(', ') : 'the base configuration';
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'target';
}
