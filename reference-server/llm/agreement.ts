/**
 * Generation agreement: how far a precision variant's greedy generations follow fp32's. Over a fixed, seeded set
 * of prompts each model greedy-generates N tokens (EOS included, generation does not stop at it); the figures are
 * the fraction of tokens equal to fp32's at the same position and the mean position of the first divergence.
 */
import { Rng, seedFor } from '../models/random.js';
import type { LlmModelInfo } from './engine.js';
import type { GenerationAgreement } from './llm-config.js';
import { LlmRunner } from './llm-runner.js';

/** AgreementOptions choose the prompt set and the generation length. */
export interface AgreementOptions {
  /** Number of prompts (default 8). */
  prompts?: number;
  /** Tokens generated per prompt (default 32). */
  tokens?: number;
  /** Prompt lengths are drawn uniformly from [minPromptTokens, maxPromptTokens] (defaults 8 and 24). */
  minPromptTokens?: number;
  maxPromptTokens?: number;
  /** Seed of the prompt set (default 0). */
  seed?: number;
}

const DEFAULTS: Required<AgreementOptions> = { prompts: 8, tokens: 32, minPromptTokens: 8, maxPromptTokens: 24, seed: 0 };

/** agreementPrompts returns the seeded prompt set: token ids drawn uniformly below EOS. */
export function agreementPrompts(vocabSize: number, opts: AgreementOptions = {}): number[][] {
  const o = { ...DEFAULTS, ...opts };
  const rng = new Rng(seedFor(o.seed, 'llm/agreement-prompts'));
  const draw = (n: number): number => Math.floor(rng.next() * n);
  return Array.from({ length: o.prompts }, () => {
    const len = o.minPromptTokens + draw(o.maxPromptTokens - o.minPromptTokens + 1);
    return Array.from({ length: len }, () => draw(vocabSize - 1));
  });
}

/** generateGreedy prefills every prompt, then decodes them together, returning `tokens` ids per prompt. */
export async function generateGreedy(runner: LlmRunner, prompts: readonly number[][], tokens: number): Promise<number[][]> {
  const out: number[][] = prompts.map(() => []);
  const firstId = 1;
  let batch = prompts.map((p, i) => ({ seqId: firstId + i, tokens: [...p] }));
  try {
    for (let step = 0; step < tokens; step++) {
      const { outputs } = await runner.step(batch);
      outputs.forEach((o, i) => out[i]?.push(o.token));
      batch = outputs.map((o) => ({ seqId: o.seqId, tokens: [o.token] }));
    }
  } finally {
    prompts.forEach((_, i) => runner.release(firstId + i));
  }
  return out;
}

/** compareGenerations scores `got` against `reference` (same prompts, same lengths). */
export function compareGenerations(reference: readonly number[][], got: readonly number[][]): { tokenAgreement: number; meanFirstDivergence: number } {
  let equal = 0;
  let total = 0;
  let firstSum = 0;
  reference.forEach((ref, p) => {
    const g = got[p] ?? [];
    let first = ref.length;
    ref.forEach((t, i) => {
      total++;
      if (g[i] === t) equal++;
      else if (first === ref.length) first = i;
    });
    firstSum += first;
  });
  return { tokenAgreement: total === 0 ? 1 : equal / total, meanFirstDivergence: reference.length === 0 ? 0 : firstSum / reference.length };
}

/** greedyGenerations loads `model` in a session of its own and greedy-generates `tokens` ids for each prompt. */
export async function greedyGenerations(model: string | Uint8Array, info: LlmModelInfo, prompts: readonly number[][], tokens: number): Promise<number[][]> {
  const runner = await LlmRunner.create(model, info, { intraOpThreads: 1 });
  try {
    return await generateGreedy(runner, prompts, tokens);
  } finally {
    await runner.close();
  }
}

/** agreementFigures turns two generations of the same prompts into the GenerationAgreement record. */
export function agreementFigures(reference: readonly number[][], got: readonly number[][], tokens: number): GenerationAgreement {
  const c = compareGenerations(reference, got);
  return {
    reference: 'fp32',
    prompts: reference.length,
    tokens_per_prompt: tokens,
    token_agreement: Number(c.tokenAgreement.toPrecision(6)),
    mean_first_divergence: Number(c.meanFirstDivergence.toPrecision(6)),
  };
}

/** generationAgreement runs the prompt set on the fp32 `reference` model and on `variant`, and compares them. */
export async function generationAgreement(
  reference: string | Uint8Array,
  variant: string | Uint8Array,
  info: LlmModelInfo,
  opts: AgreementOptions = {},
): Promise<GenerationAgreement> {
  const o = { ...DEFAULTS, ...opts };
  if (o.maxPromptTokens + o.tokens > info.maxContext) {
    throw new RangeError(`agreement: ${o.maxPromptTokens} prompt + ${o.tokens} generated tokens exceed the context of ${info.maxContext}`);
  }
  const prompts = agreementPrompts(info.vocabSize, o);
  const ref = await greedyGenerations(reference, info, prompts, o.tokens);
  const got = await greedyGenerations(variant, info, prompts, o.tokens);
  return agreementFigures(ref, got, o.tokens);
}
