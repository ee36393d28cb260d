/**
 * How fast a PromptSource builds prompts (the load generator builds one per request while sending): synthetic
 * prompts of lognormal length (median 200, σ 0.6, 8–2000 tokens) and of 2,000 tokens, and dataset prompts
 * (counted on first use, then kept). Prints prompts/s and input tokens/s for each, one thread.
 * Run: `npm run build && node dist/bench/llm-prompts.js` (BENCH_SECONDS=N per case, default 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPromptSource } from '../src/llm/prompt-source.js';
import type { LlmRequestSpec } from '../src/targets/llm-spec.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-bench-prompts-'));
const dataset = join(dir, 'd.jsonl');
const words = 'the quick brown fox jumps over a lazy dog while seven patient engineers measure latency'.split(' ');
writeFileSync(dataset, Array.from({ length: 5000 }, (_, i) => JSON.stringify({ prompt: Array.from({ length: 100 + (i % 300) }, (_, j) => words[(i * 7 + j) % words.length]).join(' ') })).join('\n'));

const base = { outputTokens: { kind: 'uniform', min: 32, max: 256 }, ignoreEos: true, tokenizer: 'o200k_base' } as const;
const cases: [string, LlmRequestSpec][] = [
  ['synthetic lognormal median 200', { ...base, source: { kind: 'synthetic', inputTokens: { kind: 'lognormal', median: 200, sigma: 0.6, min: 8, max: 2000 }, system: 'You are terse.' } }],
  ['synthetic fixed 2000', { ...base, source: { kind: 'synthetic', inputTokens: { kind: 'fixed', value: 2000 } } }],
  ['dataset 5000 prompts, 100-400 words', { ...base, source: { kind: 'dataset', file: dataset, count: 5000 } }],
];
for (const [name, spec] of cases) {
  const t0 = performance.now();
  const source = createPromptSource(spec, 1);
  const setupMs = performance.now() - t0;
  let n = 0;
  let tokens = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 100; i++) tokens += source.next().inputTokens;
    n += 100;
  }
  const s = (performance.now() - start) / 1000;
  console.log(`${name}: ${Math.round(n / s)} prompts/s, ${Math.round(tokens / s)} input tokens/s (setup ${setupMs.toFixed(0)} ms)`);
}
rmSync(dir, { recursive: true, force: true });
