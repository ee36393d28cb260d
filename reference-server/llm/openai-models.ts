/**
 * LlmModels finds and loads the LLMs of a model repository: every selected folder whose config.yaml is valid and
 * says `backend: llm`. Each gets its engine and tokenizer from the LlmFactory and a scheduler with its `llm:`
 * settings (kv_cache_tokens 0 becomes max_num_seqs x the model's context). The KServe repository leaves these
 * folders alone. An LLM that fails to load is logged and listed in `failures`, not served.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LlmServingConfig } from '../config/model-config.js';
import { CONFIG_YAML_LIMITS } from '../config/problems.js';
import { parseModelConfig } from '../config/validate-model-config.js';
import type { LlmEngine } from './engine.js';
import type { LlmFactory } from './engine-factory.js';
import type { LlmMetrics } from './llm-metrics.js';
import type { LlmModel } from './openai-front-end.js';
import { LlmScheduler } from './scheduler.js';
import type { SchedulerLimits } from './scheduler-types.js';

/** LlmModelsOptions selects the folders and says how to build them. */
export interface LlmModelsOptions {
  factory: LlmFactory;
  /** Load only these folders (default: all). */
  models?: string[];
  metrics?: LlmMetrics;
  log?: (line: string) => void;
}

/** LlmModels holds the served LLMs by name. */
export class LlmModels {
  readonly byName = new Map<string, LlmModel>();
  readonly failures: { name: string; reason: string }[] = [];

  /** load reads the repository and loads its LLMs (never throws for a bad model). */
  static async load(dir: string, opts: LlmModelsOptions): Promise<LlmModels> {
    const models = new LlmModels();
    const log = opts.log ?? (() => {});
    const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
    for (const name of names.filter((n) => !opts.models || opts.models.includes(n))) {
      const serving = await llmConfig(path.join(dir, name), name);
      if (!serving) continue;
      let engine: LlmEngine | undefined;
      try {
        engine = await opts.factory.createEngine(path.join(dir, name));
        const tokenizer = await opts.factory.createTokenizer(path.join(dir, name));
        const scheduler = new LlmScheduler(engine, schedulerLimits(serving, engine.info.maxContext), opts.metrics?.listener(name));
        models.byName.set(name, { name, engine, tokenizer, scheduler, created: Math.floor(Date.now() / 1000) });
        log(`model ${name}: LLM ready on /v1/ (${serving.batching} batching, max_num_seqs ${serving.max_num_seqs}, ${scheduler.limits.kvCacheTokens} KV-cache tokens)`);
      } catch (err) {
        await engine?.close().catch(() => {});
        models.failures.push({ name, reason: (err as Error).message });
        log(`model ${name}: LLM not loaded: ${(err as Error).message}`);
      }
    }
    return models;
  }

  /** schedulers lists each served LLM's scheduler by model name (for the metrics). */
  schedulers(): Map<string, LlmScheduler> {
    return new Map([...this.byName].map(([name, m]) => [name, m.scheduler]));
  }

  /** close stops the schedulers (waiting requests get 503, running ones finish) and closes the engines. */
  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map(async (m) => {
      await m.scheduler.close();
      await m.engine.close();
    }));
  }
}

/** schedulerLimits resolves a model's `llm:` settings against its context length. */
export function schedulerLimits(c: LlmServingConfig, maxContext: number): SchedulerLimits {
  return {
    batching: c.batching,
    maxNumSeqs: c.max_num_seqs,
    kvCacheTokens: c.kv_cache_tokens > 0 ? c.kv_cache_tokens : c.max_num_seqs * maxContext,
    maxQueue: c.max_queue,
    maxQueueDelayMs: c.max_queue_delay_ms,
  };
}

/** llmConfig is the folder's `llm:` settings when its config.yaml is valid and says backend llm. */
async function llmConfig(folder: string, name: string): Promise<LlmServingConfig | undefined> {
  const file = path.join(folder, 'config.yaml');
  const size = await stat(file).then((s) => s.size, () => -1);
  if (size < 0 || size > CONFIG_YAML_LIMITS.bytes) return undefined;
  const parsed = parseModelConfig(await readFile(file, 'utf8'), name);
  return parsed.ok && parsed.config.backend === 'llm' ? parsed.config.llm : undefined;
}
