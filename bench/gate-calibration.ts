/**
 * Measures the gate's own error rates on this machine (docs/gates.md):
 * - A/A: many comparisons between disjoint sets of runs of the SAME configuration; every REGRESSED verdict is a
 *   false positive (target: at most 1 %);
 * - A/B: comparisons between runs of the configuration and runs where each execution is slowed by an
 *   artificial delay sized for about +10 % and +25 % p99; the share judged REGRESSED on p99 is the detection rate
 *   (target: at least 90 % at 25 %).
 * Runs are interleaved (A, B10, A, B25, …) so drift of the machine hits all configurations alike. Comparisons
 * re-partition the pools of runs, so they are not independent; the numbers estimate the procedure's rates.
 * Run: `npm run build && node dist/bench/gate-calibration.js` (CAL_RUNS=12 per slowed configuration, CAL_SECONDS=5, CAL_RPS=100, CAL_REPS=6).
 * CAL_HOG=1 measures beside a CPU hog (bench/lib/cpu-hog.ts: one busy loop at nice 0, as a neighbour on a shared CI
 * runner). Besides the verdict rates (judged with allowInvalid, as before), it prints the gate's exit codes as a CI
 * job gets them: baseline and gate without --allow-invalid, samples chosen by the gate (auto), CAL_REPS runs per side.
 * The runs stay in the folder printed first; `CAL_FROM=<that folder>` judges them again without measuring (e.g. with
 * another CAL_REPS), so the procedure can be studied on the same data. CAL_DELAYS_US=B10,B25 sets the slowed
 * configurations' delays per execution instead of the pilot's estimate.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultModelRepository, ensureModelRepository } from '../reference-server/models/build.js';
import { type Baseline, makeBaseline } from '../src/compare/baseline.js';
import { gate, type GateCheck } from '../src/compare/gate.js';
import { gateExitCode } from '../src/compare/gate-headline.js';
import type { ResultsFile } from '../src/results/results-schema.js';
import { runPlan } from '../src/run/run.js';
import { startEmbeddedServer } from '../src/run/embedded-server.js';
import { parseScenario } from '../src/scenario/parse-scenario.js';
import { createRandom } from '../src/scenario/random.js';
import { type CpuHog, startCpuHog } from './lib/cpu-hog.js';
import { delayedMlpRepository } from './lib/delayed-models.js';

const RUNS = Number(process.env['CAL_RUNS'] ?? 12);
const SECONDS = Number(process.env['CAL_SECONDS'] ?? 5);
const RPS = Number(process.env['CAL_RPS'] ?? 100);
const REPS = Number(process.env['CAL_REPS'] ?? 6);
/** INTERVAL_RUNS is how many runs per side the per-second comparisons take. */
const INTERVAL_RUNS = Number(process.env['CAL_INTERVAL_RUNS'] ?? 3);
const COMPARISONS = Number(process.env['CAL_COMPARISONS'] ?? 200);
/** PILOT_DELAY_US is the trial delay per execution the pilot measures the p99 slope with. */
const PILOT_DELAY_US = 1000;
const FROM = process.env['CAL_FROM'];
const HOG = process.env['CAL_HOG'] === '1';
/** PILOT_SEED is the first seed of the pilot's runs (measured runs have smaller seeds). */
const PILOT_SEED = 1000;
const POOL_NAMES = ['cal_a', 'cal_b10', 'cal_b25'] as const;
const tmp = mkdtempSync(path.join(os.tmpdir(), FROM === undefined ? 'gauntlet-cal-' : 'gauntlet-cal-judge-'));

function repository(delays: Record<string, number>): string {
  return delayedMlpRepository(path.join(tmp, `repo-${Object.values(delays).join('-')}`), delays);
}

async function runOnce(port: number, metricsPort: number, model: string, seed: number): Promise<ResultsFile> {
  const yaml = `name: calibration\nseed: ${seed}\ntarget: {name: ref, protocol: kserve-http, url: "http://127.0.0.1:${port}", metrics_url: "http://127.0.0.1:${metricsPort}/metrics"}\nrequest: {model: ${model}, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}\nphases:\n  - {name: warm, duration: 1s, rate: ${RPS}, slo: off}\n  - {name: steady, duration: ${SECONDS}s, rate: ${RPS}, arrival: poisson}\n`;
  const out = path.join(tmp, `${model}-${seed}`);
  return (await runPlan(parseScenario(yaml, { baseDir: tmp }), { outDir: out, workers: 1 })).results;
}

function p99Of(r: ResultsFile): number {
  return r.phases.find((p) => p.name === 'steady')!.latencyUs.p99;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function baselineOf(runs: ResultsFile[], dir: string, allowInvalid = true): Baseline {
  const files = runs.map((r, i) => {
    const f = path.join(dir, `b-${i}.json`);
    writeFileSync(f, JSON.stringify(r));
    return f;
  });
  return makeBaseline('cal', files, allowInvalid);
}

/** draw partitions the pools for one comparison: a baseline's runs and a candidate's. */
function draw(pool: ResultsFile[], cand: ResultsFile[] | undefined, reps: number, seed: number): { base: ResultsFile[]; other: ResultsFile[] } {
  const r = createRandom(seed, 'cal');
  const shuffled = [...pool].sort(() => r.next() - 0.5);
  const base = shuffled.slice(0, reps);
  const other = cand ? [...cand].sort(() => r.next() - 0.5).slice(0, reps) : shuffled.slice(reps, 2 * reps);
  return { base, other };
}

/** trial partitions pools and returns the verdicts of one comparison. */
function trial(pool: ResultsFile[], cand: ResultsFile[] | undefined, reps: number, seed: number, samples: 'repetitions' | 'intervals'): GateCheck[] {
  const { base, other } = draw(pool, cand, reps, seed);
  const dir = mkdtempSync(path.join(tmp, 't-'));
  const report = gate(baselineOf(base, dir), 'cal', other, other.map((_, i) => `c${i}`), { samples, allowInvalid: true });
  return report.checks.filter((c) => c.kind === 'verdict');
}

/**
 * drawInterleaved draws as examples/ci/perf-gate.sh measures: base and candidate runs from the same rounds, so
 * that drift of the machine falls on both alike. It picks `reps` of the rounds at random; from each, one of the
 * round's two A runs goes to the baseline, and the other A run (A/A) or the round's slowed run (A/B) to the
 * candidate. Round i holds A runs 2i and 2i+1 and slowed run i (measure's order: A, B10, A, B25).
 */
function drawInterleaved(pool: ResultsFile[], cand: ResultsFile[] | undefined, reps: number, seed: number): { base: ResultsFile[]; other: ResultsFile[] } {
  const r = createRandom(seed, 'cal-interleaved');
  const rounds = Math.min(Math.floor(pool.length / 2), cand ? cand.length : Infinity);
  const chosen = Array.from({ length: rounds }, (_, i) => i)
    .sort(() => r.next() - 0.5)
    .slice(0, reps);
  const base: ResultsFile[] = [];
  const other: ResultsFile[] = [];
  for (const i of chosen) {
    const flip = r.next() < 0.5 ? 1 : 0;
    base.push(pool[2 * i + flip]!);
    other.push(cand ? cand[i]! : pool[2 * i + 1 - flip]!);
  }
  return { base, other };
}

/**
 * ciExit is the exit code a CI job gets for one comparison: `baseline save` and `gate` without --allow-invalid,
 * the samples the gate chooses. A baseline the runs cannot make counts as exit 3 (the example script's "cannot
 * judge").
 */
function ciExit(pool: ResultsFile[], cand: ResultsFile[] | undefined, reps: number, seed: number, interleaved: boolean): number {
  const { base, other } = (interleaved ? drawInterleaved : draw)(pool, cand, reps, seed);
  const dir = mkdtempSync(path.join(tmp, 'ci-'));
  let baseline: Baseline;
  try {
    baseline = baselineOf(base, dir, false);
  } catch {
    return 3;
  }
  return gateExitCode(gate(baseline, 'cal', other, other.map((_, i) => `c${i}`), {}));
}

/** measure runs the pilot and the interleaved runs of the three configurations, and returns the pools. */
async function measure(): Promise<Record<string, ResultsFile[]>> {
  console.log(`gate-calibration: runs kept in ${tmp} (CAL_FROM=${tmp} judges them again)${HOG ? '; beside a CPU hog (one busy loop at nice 0)' : ''}`);
  const hog: CpuHog | undefined = HOG ? startCpuHog() : undefined;
  try {
    return await measureRuns();
  } finally {
    await hog?.stop();
  }
}

async function measureRuns(): Promise<Record<string, ResultsFile[]>> {
  await ensureModelRepository(defaultModelRepository(), { models: ['mlp'], precisions: ['fp32'] });
  // CAL_DELAYS_US="B10,B25" sets the delays per execution and skips the pilot (e.g. from an earlier calibration's
  // achieved changes, where the pilot's slope missed).
  const given = (process.env['CAL_DELAYS_US'] ?? '').split(',').filter(Boolean).map(Number);
  if (given.length === 2 && given.every((d) => Number.isInteger(d) && d >= 0 && d <= 100_000)) {
    console.log(`gate-calibration: delays per execution given: B10 ${given[0]} µs, B25 ${given[1]} µs (no pilot)`);
    return measurePools({ cal_a: 0, cal_b10: given[0]!, cal_b25: given[1]! });
  }
  // Pilot: p99 without delay and with a trial delay per execution, interleaved after a discarded warm-up run of
  // each (a fresh server's first runs are slow). A delay per execution does not add to p99 one for one (queueing
  // grows with it), so the delays for +10 % and +25 % are read off the line through the two points.
  let server = await startEmbeddedServer(['--model-repository', repository({ cal_a: 0, cal_t: PILOT_DELAY_US })]);
  const pilot: Record<string, number[]> = { cal_a: [], cal_t: [] };
  for (let i = 0; i < 4; i++) {
    for (const model of ['cal_a', 'cal_t']) {
      const p = p99Of(await runOnce(server.httpPort, server.metricsPort, model, PILOT_SEED + i));
      if (i > 0) pilot[model]!.push(p);
    }
  }
  await server.stop();
  const p99 = median(pilot['cal_a']!);
  // Every request waits at least its own execution's delay: the slope is at least 1 (noise can say less).
  const slope = Math.max(1, (median(pilot['cal_t']!) - p99) / PILOT_DELAY_US);
  const delays = { cal_a: 0, cal_b10: Math.round((p99 * 0.1) / slope), cal_b25: Math.round((p99 * 0.25) / slope) };
  console.log(
    `gate-calibration: pilot p99 ${(p99 / 1000).toFixed(2)} ms, ${(median(pilot['cal_t']!) / 1000).toFixed(2)} ms with ${PILOT_DELAY_US} µs per execution (slope ${slope.toFixed(2)}); ` +
      `delays per execution: +10 % → ${delays.cal_b10} µs, +25 % → ${delays.cal_b25} µs`,
  );
  return measurePools(delays);
}

/** measurePools runs RUNS rounds of A, B10, A, B25 against one server with these delays per execution. */
async function measurePools(delays: Record<(typeof POOL_NAMES)[number], number>): Promise<Record<string, ResultsFile[]>> {
  const server = await startEmbeddedServer(['--model-repository', repository(delays)]);
  // A fresh server's first run of a model is slow (p99 14.6 ms against a median of 7.5 in one calibration): one
  // run of each configuration first, left out (its seed is a pilot's, which load() skips too).
  const pools: Record<string, ResultsFile[]> = Object.fromEntries(POOL_NAMES.map((n) => [n, []]));
  try {
    for (const [k, model] of POOL_NAMES.entries()) await runOnce(server.httpPort, server.metricsPort, model, PILOT_SEED + 100 + k);
    for (let i = 0; i < RUNS; i++) {
      for (const model of ['cal_a', 'cal_b10', 'cal_a', 'cal_b25']) pools[model]!.push(await runOnce(server.httpPort, server.metricsPort, model, i * 10 + pools[model]!.length));
      process.stderr.write(`round ${i + 1}/${RUNS}\n`);
    }
  } finally {
    await server.stop();
  }
  return pools;
}

/** load reads the measured runs of an earlier calibration (its folders `<pool>-<seed>`, pilot runs left out). */
function load(dir: string): Record<string, ResultsFile[]> {
  const pools: Record<string, { seed: number; r: ResultsFile }[]> = Object.fromEntries(POOL_NAMES.map((n) => [n, []]));
  for (const name of readdirSync(dir)) {
    const m = /^(cal_[a-z0-9]+)-(\d+)$/.exec(name);
    const file = path.join(dir, name, 'results.json');
    if (m === null || Number(m[2]) >= PILOT_SEED || pools[m[1]!] === undefined || !existsSync(file)) continue;
    pools[m[1]!]!.push({ seed: Number(m[2]), r: JSON.parse(readFileSync(file, 'utf8')) as ResultsFile });
  }
  if (pools['cal_a']!.length === 0) throw new Error(`${dir} holds no measured runs of a calibration (folders cal_a-<seed>/results.json)`);
  console.log(`gate-calibration: judging the runs in ${dir} again`);
  return Object.fromEntries(Object.entries(pools).map(([n, runs]) => [n, runs.sort((x, y) => x.seed - y.seed).map((x) => x.r)]));
}

async function main(): Promise<void> {
  const pools = FROM !== undefined ? load(FROM) : await measure();
  const a = pools['cal_a']!;
  const invalid = Object.values(pools).flat().filter((r) => !r.valid).length;
  console.log(`runs: ${a.length} A, ${pools['cal_b10']!.length} B10, ${pools['cal_b25']!.length} B25 (${invalid} flagged invalid by the generator-lag check and used anyway)`);
  for (const [name, pool] of Object.entries(pools)) console.log(`  ${name}: median p99 ${(median(pool.map(p99Of)) / 1000).toFixed(2)} ms`);
  const achieved = (m: string): string => `${((median(pools[m]!.map(p99Of)) / median(a.map(p99Of)) - 1) * 100).toFixed(0)} %`;
  const breakdown: string[] = [];
  console.log('\n| comparison | samples | trials | REGRESSED on p99 | any metric REGRESSED | UNKNOWN on p99 | target |\n|---|---|---|---|---|---|---|');
  for (const samples of ['repetitions', 'intervals'] as const) {
    const reps = samples === 'repetitions' ? REPS : INTERVAL_RUNS;
    for (const [label, cand, target] of [
      ['A/A (false positives)', undefined, '≤ 1 %'],
      [`A/B +10 % (achieved ${achieved('cal_b10')})`, pools['cal_b10'], ''],
      [`A/B +25 % (achieved ${achieved('cal_b25')})`, pools['cal_b25'], '≥ 90 %'],
    ] as const) {
      let p99Regressed = 0;
      let anyRegressed = 0;
      let unknown = 0;
      const byMetric = new Map<string, number>();
      for (let t = 0; t < COMPARISONS; t++) {
        const checks = trial(a, cand, reps, t + 1, samples);
        const p = checks.find((c) => c.kind === 'verdict' && c.metric === 'p99');
        if (p && p.kind === 'verdict' && p.verdict === 'REGRESSED') p99Regressed++;
        if (p && p.kind === 'verdict' && p.verdict === 'UNKNOWN') unknown++;
        if (checks.some((c) => c.kind === 'verdict' && c.verdict === 'REGRESSED')) anyRegressed++;
        for (const c of checks) if (c.kind === 'verdict' && c.verdict === 'REGRESSED') byMetric.set(c.metric, (byMetric.get(c.metric) ?? 0) + 1);
      }
      const pct = (n: number): string => `${((n / COMPARISONS) * 100).toFixed(1)} %`;
      console.log(`| ${label} | ${samples} (${reps} run${reps > 1 ? 's' : ''} per side) | ${COMPARISONS} | ${pct(p99Regressed)} | ${pct(anyRegressed)} | ${pct(unknown)} | ${target} |`);
      breakdown.push(`${label}, ${samples}: ${[...byMetric].map(([m, n]) => `${m} ${pct(n)}`).join(', ') || 'none'}`);
    }
  }
  console.log(`\nAs a CI job gets it (baseline save and gate without --allow-invalid, samples chosen by the gate, ${REPS} runs per side): exit codes\n`);
  console.log('| comparison | runs drawn | trials | exit 0 (pass) | exit 1 (fail) | exit 3 (cannot judge) | target |\n|---|---|---|---|---|---|---|');
  for (const interleaved of [true, false]) {
    for (const [label, cand, target] of [
      ['A/A', undefined, 'exit 1 ≤ 1 %, exit 3 < 5 %'],
      [`A/B +10 % (achieved ${achieved('cal_b10')})`, pools['cal_b10'], ''],
      [`A/B +25 % (achieved ${achieved('cal_b25')})`, pools['cal_b25'], 'exit 1 ≥ 90 %, exit 3 < 5 %'],
    ] as const) {
      const codes = new Map<number, number>();
      for (let t = 0; t < COMPARISONS; t++) {
        const code = ciExit(a, cand, REPS, t + 1, interleaved);
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      const pct = (code: number): string => `${(((codes.get(code) ?? 0) / COMPARISONS) * 100).toFixed(1)} %`;
      const drawn = interleaved ? 'from the same rounds (as examples/ci)' : 'at random from the whole session';
      console.log(`| ${label} | ${drawn} | ${COMPARISONS} | ${pct(0)} | ${pct(1)} | ${pct(3)} | ${target} |`);
    }
  }
  console.log(`\nREGRESSED by metric:\n${breakdown.map((b) => `  ${b}`).join('\n')}`);
  console.log(`\np99 of each run, ms:\n${Object.entries(pools).map(([n, pool]) => `  ${n}: ${pool.map((r) => (p99Of(r) / 1000).toFixed(1)).join(' ')}`).join('\n')}`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
