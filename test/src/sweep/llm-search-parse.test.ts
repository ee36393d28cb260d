/**
 * The search's token bounds and the LLM queue settings in sweep files: what they read to, how the bounds resolve
 * (the search's own, else the scenario SLO's; the request p99 only when asked), and every problem with its path
 * (a token bound against a KServe target, no bound at all, min_goodput without per-request thresholds, ranges),
 * and the `llm:` section a combination writes.
 */
import { sweepFolder } from '../../helpers/sweep-files.js';
import { describe, expect, it } from 'vitest';
import { combinationsOf, describeConfig } from '../../../src/sweep/combinations.js';
import { loadSweep, searchBounds } from '../../../src/sweep/parse-sweep.js';
import { rewriteConfig } from '../../../src/sweep/repository-variant.js';

const LLM = 'target: {embedded: true, protocol: openai, models: [tiny-llm]}\nrequest:\n  prompts: {synthetic: {input_tokens: 16}}\n  output_tokens: 8\n';
const { write, problemsOf } = sweepFolder('gauntlet-llm-search-parse-', {
  'llm.yaml': `${LLM}slo: {ttft_p99_ms: 500, ttft_ms: 400, p99_ms: 900}\nphases:\n  - {name: a, duration: 2s, concurrency: 4}\n`,
  'llm-bare.yaml': `${LLM}phases:\n  - {name: a, duration: 2s, concurrency: 4}\n`,
  'kserve.yaml': 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\nslo: {p99_ms: 50}\nphases:\n  - {name: a, duration: 2s, rate: 5}\n',
});

describe('token bounds of an LLM search', () => {
  it('reads them, takes the others from the scenario\'s slo, and leaves the request p99 unjudged unless asked', async () => {
    const { spec, plan } = await loadSweep(write('scenario: llm.yaml\nmodel: tiny-llm\nsearch: {itl_p99_ms: 80, min_goodput: 0.9, from_rps: 1}\n'));
    expect(spec.search).toMatchObject({ itlP99Ms: 80, minGoodput: 0.9, fromRps: 1 });
    expect(searchBounds(spec, plan)).toEqual({ errorRate: 0.001, ttftP99Ms: 500, itlP99Ms: 80, minGoodput: 0.9 });
    const own = await loadSweep(write('scenario: llm.yaml\nmodel: tiny-llm\nsearch: {ttft_p99_ms: 200, tpot_p99_ms: 30, p99_ms: 2000, error_rate: 0.01, from_rps: 1}\n'));
    expect(searchBounds(own.spec, own.plan)).toEqual({ p99Ms: 2000, errorRate: 0.01, ttftP99Ms: 200, tpotP99Ms: 30 });
  });

  it('keeps the p99 bound of a KServe search as it was (the search\'s, the constraints\', the scenario\'s)', async () => {
    const { spec, plan } = await loadSweep(write('scenario: kserve.yaml\nmodel: mlp\nsearch: {from_rps: 1}\n'));
    expect(searchBounds(spec, plan)).toEqual({ p99Ms: 50, errorRate: 0.001 });
  });

  it.each([
    ['token bounds against a KServe target', 'scenario: kserve.yaml\nmodel: mlp\nsearch: {ttft_p99_ms: 100, min_goodput: 0.5, from_rps: 1}\n', [
      'sweep-N.yaml: search.ttft_p99_ms: is a token bound, for LLM targets (protocol openai); the base scenario\'s target speaks kserve-http: bound its requests with p99_ms',
      'sweep-N.yaml: search.min_goodput: is a token bound, for LLM targets (protocol openai); the base scenario\'s target speaks kserve-http: bound its requests with p99_ms',
    ]],
    ['an LLM search with no bound anywhere', 'scenario: llm-bare.yaml\nmodel: tiny-llm\nsearch: {from_rps: 1}\n', [
      'sweep-N.yaml: search: needs a bound for an LLM target: ttft_p99_ms, itl_p99_ms, tpot_p99_ms or min_goodput (here or in the scenario\'s slo), or p99_ms for the whole request',
    ]],
    ['min_goodput without per-request thresholds', 'scenario: llm-bare.yaml\nmodel: tiny-llm\nsearch: {min_goodput: 0.9, from_rps: 1}\n', [
      'sweep-N.yaml: search.min_goodput: needs the scenario\'s per-request thresholds (slo: ttft_ms, itl_ms, tpot_ms or e2e_ms) to judge which requests were good; without them goodput is the success rate',
    ]],
  ])('rejects %s', async (_name, text, expected) => {
    const got = await problemsOf(text);
    for (const e of expected) expect(got.map((g) => g.replace(/^sweep-N\.yaml:\d+: /, 'sweep-N.yaml: '))).toContain(e);
  });

  it.each([
    ['ttft_p99_ms: 0', 'search.ttft_p99_ms: must be > 0, got 0'],
    ['itl_p99_ms: -1', 'search.itl_p99_ms: must be > 0, got -1'],
    ['tpot_p99_ms: fast', 'search.tpot_p99_ms: must be a number'],
    ['min_goodput: 1.5', 'search.min_goodput: must be <= 1, got 1.5'],
  ])('rejects %s with its path', async (field, message) => {
    const got = await problemsOf(`scenario: llm.yaml\nmodel: tiny-llm\nsearch: {${field}, from_rps: 1}\n`);
    expect(got.some((g) => g.includes(message))).toBe(true);
  });
});

describe('the LLM queue settings as matrix keys', () => {
  it('reads kv_cache_tokens, max_queue and max_queue_delay_ms, labels them and writes them into llm:', async () => {
    const { spec } = await loadSweep(write('scenario: llm.yaml\nmodel: tiny-llm\nmatrix:\n  kv_cache_tokens: [0, 512]\n  max_queue: 4\n  max_queue_delay_ms: [0, 250]\n'));
    expect(spec.matrix).toEqual({ kvCacheTokens: [0, 512], maxQueue: [4], maxQueueDelayMs: [0, 250] });
    const list = combinationsOf(spec);
    expect(list.combinations.map((c) => c.id)).toEqual(['01-kv0_wait0ms', '02-kv0_wait250ms', '03-kv512_wait0ms', '04-kv512_wait250ms']);
    expect(describeConfig(list.combinations[3]!.config)).toBe('KV cache 512 tokens, queue 4, queue wait 250 ms');
    const config = rewriteConfig({ backend: 'llm', llm: { batching: 'static', max_num_seqs: 8 } }, list.combinations[3]!.config);
    expect(config.llm).toEqual({ batching: 'static', max_num_seqs: 8, kv_cache_tokens: 512, max_queue: 4, max_queue_delay_ms: 250 });
  });

  it.each([
    ['kv_cache_tokens: [-1]', 'sweep-N.yaml:4: matrix.kv_cache_tokens[0]: must be an integer from 0 to 16777216, got -1'],
    ['max_queue: [0]', 'sweep-N.yaml:4: matrix.max_queue[0]: must be an integer from 1 to 100000, got 0'],
    ['max_queue_delay_ms: [1.5]', 'sweep-N.yaml:4: matrix.max_queue_delay_ms[0]: must be an integer from 0 to 3600000, got 1.5'],
    ['max_queue: [4]\n  instance_count: [1]', 'sweep-N.yaml:5: matrix.instance_count: is a KServe model setting; max_queue is for LLM models (backend llm): a sweep has one model'],
  ])('rejects %s with its path', async (field, message) => {
    expect(await problemsOf(`scenario: llm.yaml\nmodel: tiny-llm\nmatrix:\n  ${field}\n`)).toContain(message);
  });
});
