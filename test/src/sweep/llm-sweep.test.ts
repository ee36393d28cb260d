/**
 * Sweeps over the reference LLM: the matrix keys llm_batching and max_num_seqs (parse tables, happy and sad, each
 * problem with its path), the LLM folder's config.yaml written per combination (its `llm:` section, the variant
 * folder `tiny-llm-<precision>` and its generation agreement), the ranking on output tokens/s with a tie inside the
 * measured noise and a refusal under min_agreement (constructed figures), and the sweep schema.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sweepFolder } from '../../helpers/sweep-files.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GauntletError } from '../../../src/errors.js';
import { combinationsOf } from '../../../src/sweep/combinations.js';
import { sweepJsonSchema } from '../../../src/sweep/json-schema.js';
import { loadSweep } from '../../../src/sweep/parse-sweep.js';
import { type Candidate, type Figures, recommend } from '../../../src/sweep/recommend.js';
import { checkSource, writeVariantRepository } from '../../../src/sweep/repository-variant.js';
import { generationOf } from '../../../src/sweep/llm-sweep.js';
import { formatSweep } from '../../../src/sweep/sweep-table.js';
import type { SweepRecord } from '../../../src/sweep/sweep-record.js';

const LLM_REQUEST = 'request:\n  prompts: {synthetic: {input_tokens: 16}}\n  output_tokens: 8\n';
const { dir, write, problemsOf } = sweepFolder('gauntlet-llm-sweep-', {
  'llm.yaml': `target: {embedded: true, protocol: openai, models: [tiny-llm]}\n${LLM_REQUEST}slo: {ttft_p99_ms: 500}\nphases:\n  - {name: a, duration: 2s, concurrency: 4}\n`,
  'kserve.yaml': 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\nphases:\n  - {name: a, duration: 2s, rate: 5}\n',
});

describe('LLM sweep files', () => {
  it('reads llm_batching, max_num_seqs and precision of tiny-llm, and runs llm_batching none once', async () => {
    const { spec } = await loadSweep(write('scenario: llm.yaml\nmodel: tiny-llm\nmatrix:\n  llm_batching: [continuous, static, none]\n  max_num_seqs: [4, 16]\nrecommend: tokens_per_s\nconstraints: {min_agreement: 0.9}\n'));
    expect(spec.matrix).toEqual({ llmBatching: ['continuous', 'static', 'none'], maxNumSeqs: [4, 16] });
    expect(spec).toMatchObject({ recommend: 'tokens_per_s', constraints: { minAgreement: 0.9 } });
    const list = combinationsOf(spec);
    expect(list.combinations.map((c) => c.id)).toEqual(['01-llm-continuous_seqs4', '02-llm-continuous_seqs16', '03-llm-static_seqs4', '04-llm-static_seqs16', '05-llm-none']);
    expect(list.combinations[4]!.config).toEqual({ llmBatching: 'none' });
    expect(list.duplicates).toBe(1);
  });

  it.each([
    ['an unknown batching mode and a limit out of range', 'matrix:\n  llm_batching: [continuous, dynamic]\n  max_num_seqs: [0, 2000]\n', [
      'sweep-N.yaml:4: matrix.llm_batching[1]: must be one of continuous, static, none, got "dynamic"',
      'sweep-N.yaml:5: matrix.max_num_seqs[0]: must be an integer from 1 to 1024, got 0',
      'sweep-N.yaml:5: matrix.max_num_seqs[1]: must be an integer from 1 to 1024, got 2000',
    ]],
    ['LLM and KServe settings in one matrix', 'matrix:\n  llm_batching: [continuous]\n  dynamic_batching: [on]\n', [
      'sweep-N.yaml:5: matrix.dynamic_batching: is a KServe model setting; llm_batching is for LLM models (backend llm): a sweep has one model',
    ]],
    ['max_num_seqs where every combination has no batching', 'matrix:\n  llm_batching: none\n  max_num_seqs: [4, 8]\n', [
      'sweep-N.yaml:5: matrix.max_num_seqs: has no effect: llm_batching is none (one sequence at a time) in every combination',
    ]],
    ['tokens_per_s with a search', 'search: {p99_ms: 100, from_rps: 1}\nrecommend: tokens_per_s\n', [
      "sweep-N.yaml:4: recommend: tokens_per_s needs the scenario's phases (no search): it compares output tokens/s at the scenario's own load",
    ]],
    ['min_agreement out of range', 'constraints: {min_agreement: 1.5}\n', ['sweep-N.yaml:3: constraints.min_agreement: must be <= 1, got 1.5']],
  ])('lists every problem with its path: %s', async (_what, body, expected) => {
    const got = await problemsOf(`scenario: llm.yaml\nmodel: tiny-llm\n${body}`);
    expect(got).toEqual(expected);
  });

  it('refuses LLM settings on a KServe model and a KServe scenario, and KServe settings on tiny-llm', async () => {
    const onMlp = await problemsOf('scenario: kserve.yaml\nmodel: mlp\nmatrix:\n  llm_batching: [continuous, static]\n');
    expect(onMlp.join('\n')).toContain('model: mlp is a KServe model, not an LLM: matrix.llm_batching needs an LLM model folder (backend llm), e.g. tiny-llm');
    expect(onMlp.join('\n')).toContain("scenario: the base scenario's target speaks kserve-http; an LLM sweep (matrix.llm_batching) needs protocol openai");
    const onLlm = await problemsOf('scenario: llm.yaml\nmodel: tiny-llm\nmatrix:\n  instance_count: [1, 2]\n');
    expect(onLlm.join('\n')).toContain('matrix.instance_count: does not apply to tiny-llm, an LLM (its batching is llm_batching)');
  });

  it('describes the new keys, the basis and the constraint in the sweep schema', () => {
    const s = sweepJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown>; enum?: string[] }> };
    const matrix = s.properties.matrix!.properties!;
    expect(JSON.stringify(matrix.llm_batching)).toContain('"continuous","static","none"');
    expect(JSON.stringify(matrix.max_num_seqs)).toMatch(/"minimum":1.*"maximum":1024/);
    expect(s.properties.recommend!.enum).toContain('tokens_per_s');
    expect(s.properties.constraints!.properties!.min_agreement).toMatchObject({ minimum: 0, maximum: 1 });
    const shipped = readFileSync(new URL('../../../scenarios/sweeps/sweep.schema.json', import.meta.url), 'utf8');
    expect(JSON.parse(shipped)).toEqual(JSON.parse(JSON.stringify(sweepJsonSchema())));
  });
});

describe('the LLM folder written per combination', () => {
  const repo = join(dir, 'repo');
  const agreement = (a: number, d: number): string => `agreement: {reference: fp32, prompts: 8, tokens_per_prompt: 32, token_agreement: ${a}, mean_first_divergence: ${d}}\n`;
  const llmConfig = (name: string, precision: string, extra: string): string =>
    `name: ${name}\nbackend: llm\nplatform: gauntlet_llm\nprecision: ${precision}\nvocab_size: 64\nmax_context: 64\neos_token: 63\nlayers: 1\nd_model: 8\nheads: 1\nkv_heads: 1\nffn: 16\nseed: 0\ntokenizer: test\n${extra}`;
  mkdirSync(join(repo, 'tiny-llm', '1'), { recursive: true });
  mkdirSync(join(repo, 'tiny-llm-int4', '1'), { recursive: true });
  writeFileSync(join(repo, 'tiny-llm', 'config.yaml'), llmConfig('tiny-llm', 'fp32', `${agreement(1, 32)}llm: {max_queue: 7}\n`));
  writeFileSync(join(repo, 'tiny-llm', '1', 'model.onnx'), 'onnx');
  // No agreement in config.yaml: read from agreement.json beside it.
  writeFileSync(join(repo, 'tiny-llm-int4', 'config.yaml'), llmConfig('tiny-llm-int4', 'int4', ''));
  writeFileSync(join(repo, 'tiny-llm-int4', 'agreement.json'), JSON.stringify({ reference: 'fp32', prompts: 8, tokens_per_prompt: 32, token_agreement: 0.09375, mean_first_divergence: 2.625 }));
  writeFileSync(join(repo, 'tiny-llm-int4', '1', 'model.onnx'), 'onnx');
  const source = { dir: repo, bundled: false, llm: true };

  it('writes llm.batching and llm.max_num_seqs into the config, keeping the folder\'s other llm settings', () => {
    const v = writeVariantRepository(source, 'tiny-llm', { llmBatching: 'static', maxNumSeqs: 4 }, join(dir, 'c1'));
    expect(v.model).toBe('tiny-llm');
    const written = parse(readFileSync(join(v.dir, 'tiny-llm', 'config.yaml'), 'utf8')) as Record<string, unknown>;
    expect(written.llm).toEqual({ max_queue: 7, batching: 'static', max_num_seqs: 4 });
    expect(v.generation).toEqual({ reference: 'fp32', tokenAgreement: 1, meanFirstDivergence: 32, tokensPerPrompt: 32, prompts: 8 });
    expect(v.accuracy).toBeNull();
  });

  it('serves the precision variant tiny-llm-<precision> with its agreement from agreement.json', () => {
    const v = writeVariantRepository(source, 'tiny-llm', { precision: 'int4', llmBatching: 'none' }, join(dir, 'c2'));
    expect(v.model).toBe('tiny-llm-int4');
    expect((parse(readFileSync(join(v.dir, 'tiny-llm-int4', 'config.yaml'), 'utf8')) as Record<string, unknown>).llm).toEqual({ batching: 'none' });
    expect(v.generation).toMatchObject({ tokenAgreement: 0.09375, meanFirstDivergence: 2.625 });
  });

  it('records no agreement for a broken or out-of-range agreement.json (a min_agreement is then not met)', () => {
    for (const [i, text] of ['{"token_agreement": 0.5', '{"token_agreement": 1.5, "mean_first_divergence": 3}', '[]'].entries()) {
      const folder = join(repo, `tiny-llm-int8-${i}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'agreement.json'), text);
      expect(generationOf({}, folder)).toBeNull();
    }
  });

  it('names a missing LLM variant folder with the LLM\'s naming', () => {
    expect(() => checkSource('tiny-llm', ['fp32', 'int8', 'int4'], repo)).toThrow(/lacks 1 model/);
    let thrown: unknown;
    try {
      checkSource('tiny-llm', ['int8'], repo);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as GauntletError).details).toEqual([`${join(repo, 'tiny-llm-int8')}: no config.yaml (the precision variant tiny-llm-int8)`]);
  });
});

function llmFigures(tps: number, noise: number | null, over: Partial<Figures> = {}): Figures {
  return {
    throughputAtSloRps: tps / 64, p50Ms: 300, p99Ms: 600, errorRate: 0, memoryMib: 150, accuracy: null, valid: true, source: 'phase load',
    rateRps: tps / 64, notMetRps: null, ceilingTooLow: true, p99NoiseShare: 0.05, noiseRuns: 2,
    tokens: { outputTokensPerS: tps, ttftP99Ms: 400, tpotP50Ms: 1.2, goodput: 1, goodputRps: tps / 64 }, tokensNoiseShare: noise, ...over,
  };
}
const cand = (id: string, f: Figures): Candidate => ({ id, label: id, figures: f });

describe('recommend: tokens_per_s', () => {
  it('recommends the highest output tokens/s when it is beyond the measured noise, quoting the token figures, and ignores the ceiling', () => {
    const rec = recommend([cand('none', llmFigures(3000, 0.04)), cand('continuous', llmFigures(8000, 0.05)), cand('static', llmFigures(6000, 0.03))], {}, { basis: 'tokens_per_s' });
    expect(rec).toMatchObject({ id: 'continuous', outcome: 'recommended', basis: 'tokens_per_s' });
    expect(rec.reason).toContain('continuous (continuous) has the highest output tokens/s meeting the SLO among the 3 of 3 combinations that meet the constraints: 8000 output tokens/s, TTFT p99 400.0 ms, TPOT p50 1.20 ms, goodput 100.00 %');
    expect(rec.reason).toContain('next: static, 6000 output tokens/s');
    expect(rec.reason).toContain('continuous has 33 % more output tokens/s, beyond the run-to-run noise of tokens/s (continuous 8000 tokens/s ±5.0 % over 2 runs, static 6000 tokens/s ±3.0 % over 2 runs)');
  });

  it('calls a tie when the tokens/s differ by less than the noise and p99 does not decide, and never separates without measured noise', () => {
    const tie = recommend([cand('a', llmFigures(8000, 0.1)), cand('b', llmFigures(7600, 0.08))], {}, { basis: 'tokens_per_s' });
    expect(tie).toMatchObject({ id: null, outcome: 'tie', tie: { ids: ['a', 'b'] } });
    expect(tie.reason).toContain('their output tokens/s differ by no more than its run-to-run noise (a 8000 tokens/s ±10 % over 2 runs, b 7600 tokens/s ±8.0 % over 2 runs)');
    const unmeasured = recommend([cand('a', llmFigures(8000, null)), cand('b', llmFigures(3000, null))], {}, { basis: 'tokens_per_s' });
    expect(unmeasured.outcome).toBe('tie');
  });

  it('lets TTFT p99 decide tokens/s that cannot be told apart, only beyond its measured noise (the scenario fixes the load)', () => {
    const ttft = (v: number, noise: number | null) => ({ tokens: { outputTokensPerS: 0, ttftP99Ms: v, tpotP50Ms: 1, goodput: 1, goodputRps: 1 }, ttftNoiseShare: noise });
    const with_ = (tps: number, noise: number, v: number, tn: number | null, rate: number): Figures => {
      const f = llmFigures(tps, noise, { rateRps: rate, ...ttft(v, tn) });
      f.tokens!.outputTokensPerS = tps;
      return f;
    };
    const rec = recommend([cand('static', with_(8710, 0.12, 107.7, 0.2, 136)), cand('continuous', with_(9933, 0.26, 42.4, 0.3, 155))], {}, { basis: 'tokens_per_s' });
    expect(rec).toMatchObject({ id: 'continuous', outcome: 'recommended' });
    expect(rec.reason).toContain("its TTFT p99 decides: 42.4 ms, and static's 107.7 ms is 154 % higher, beyond the run-to-run noise of TTFT p99 (noise: continuous ±30 % over 2 runs, static ±20 % over 2 runs)");
    // Measured: continuous 8499 tokens/s at 133 requests/s against static 9146 at 143, both at 16 in flight.
    const lower = recommend([cand('static', with_(9146, 0.14, 94.9, 0.31, 143)), cand('continuous', with_(8499, 0.038, 52, 0.034, 133))], {}, { basis: 'tokens_per_s' });
    expect(lower).toMatchObject({ id: 'continuous', outcome: 'recommended' });
    expect(lower.reason).toContain("its TTFT p99 decides: 52.0 ms, and static's 94.9 ms is 83 % higher");
    expect(recommend([cand('static', with_(8710, 0.12, 107.7, 2, 136)), cand('continuous', with_(9933, 0.26, 42.4, 0.3, 155))], {}, { basis: 'tokens_per_s' }).outcome).toBe('tie');
    expect(recommend([cand('static', with_(8710, 0.12, 107.7, 0.2, 136)), cand('continuous', with_(9933, 0.26, 42.4, null, 155))], {}, { basis: 'tokens_per_s' }).outcome).toBe('tie');
  });

  it('refuses a faster variant under min_agreement and says so, with its agreement and speed', () => {
    const gen = (a: number, d: number) => ({ reference: 'fp32', tokenAgreement: a, meanFirstDivergence: d, tokensPerPrompt: 32, prompts: 8 });
    const rec = recommend(
      [cand('fp32', llmFigures(5000, 0.05, { generation: gen(1, 32) })), cand('fp16', llmFigures(5100, 0.05, { generation: gen(0.918, 29.4) })), cand('int4', llmFigures(9000, 0.05, { generation: gen(0.094, 2.6) }))],
      { minAgreement: 0.9 },
      { basis: 'tokens_per_s' },
    );
    expect(rec.verdicts.find((v) => v.id === 'int4')!.failures).toEqual(['token agreement 0.094 < min_agreement 0.9']);
    expect(rec.outcome).toBe('tie');
    expect(rec.reason).toContain('Refused for generation agreement below min_agreement: int4 (token agreement 0.094 with fp32, first divergence at token 2.6 of 32 on average)');
    const alone = recommend([cand('fp32', llmFigures(5000, 0.05, { generation: gen(1, 32) })), cand('int4', llmFigures(9000, 0.05, { generation: gen(0.094, 2.6) }))], { minAgreement: 0.9 }, { basis: 'tokens_per_s' });
    expect(alone.id).toBe('fp32');
    expect(alone.reason).toContain('int4 (token agreement 0.094 with fp32, first divergence at token 2.6 of 32 on average, more output tokens/s than fp32 (9000 against 5000))');
    const none = recommend([cand('int4', llmFigures(9000, 0.05, { generation: null }))], { minAgreement: 0.9 }, { basis: 'tokens_per_s' });
    expect(none.verdicts[0]!.failures).toEqual(['no generation agreement recorded for min_agreement']);
  });

  it('refuses to rank combinations without token figures on tokens_per_s', () => {
    const rec = recommend([cand('a', { ...llmFigures(1000, 0.05), tokens: undefined } as Figures)], {}, { basis: 'tokens_per_s' });
    expect(rec.outcome).toBe('none');
    expect(rec.verdicts[0]!.failures).toContain('no token figures (not an LLM run), needed by recommend: tokens_per_s');
  });
});

describe('the sweep table of an LLM sweep', () => {
  it('shows tokens/s, its noise, TTFT p99, TPOT p50, goodput and the generation agreement beside each row', () => {
    const gen = { reference: 'fp32', tokenAgreement: 0.546875, meanFirstDivergence: 17.5, tokensPerPrompt: 32, prompts: 8 };
    const combo = (id: string, precision: 'fp32' | 'int8', f: Figures, g: typeof gen) => ({ id, index: 1, config: { precision }, label: precision, status: 'done' as const, dir: id, results: [], figures: f, generation: g });
    const record = {
      schemaVersion: 1, tool: { name: 'gauntlet', version: '0' }, startedAt: '', status: 'complete',
      sweep: { name: 'llm', scenario: 's', mode: 'matrix', recommend: 'tokens_per_s', repeats: 1, durationScale: 1, constraints: {}, allowInvalid: false, duplicatesSkipped: 0 },
      combinations: [combo('01-fp32', 'fp32', llmFigures(5000, 0.05), { ...gen, tokenAgreement: 1, meanFirstDivergence: 32 }), combo('02-int8', 'int8', llmFigures(5200, null), gen)],
      recommendation: null,
    } as unknown as SweepRecord;
    const lines = formatSweep(record, '/tmp/x');
    expect(lines[1]).toMatch(/tok\/s\s+tok\/s noise\s+TTFT p99\s+ITL p99\s+TPOT p50\s+goodput\s+agreement\s+1st div/);
    expect(lines[2]).toMatch(/5000\s+±5 %\s+400\.0\s+-\s+1\.20\s+100\.0 %\s+ref\s+ref/);
    expect(lines[3]).toMatch(/5200\s+-\s+400\.0\s+-\s+1\.20\s+100\.0 %\s+0\.547\s+17\.5\/32/);
  });
});
