/**
 * The CI flow of issue 10 on this machine, judged by both validity rules on the same runs (docs/gates.md): six
 * runs each of the bundled mlp (the baseline), of the same again (an unchanged candidate), and of the mlp slowed
 * by 3 ms per execution (a regressed candidate), interleaved, each smoke.yaml's load (10 s at 50 rps) against the
 * reference server. Prints, per run, its share of late sends and its verdict by each rule; then `baseline save`
 * and the gate's exit code for each candidate by each rule. What it shows depends on how busy the machine is:
 * run it beside the usual work (or a CPU hog) to see a shared runner.
 * Run: `npm run build && node dist/bench/validity-rules.js` (VR_RUNS=6, VR_SECONDS=10, VR_RPS=50, VR_DELAY_US=3000).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultModelRepository, ensureModelRepository } from '../reference-server/models/build.js';
import { formatGate } from '../src/cli/gate-command.js';
import { type Baseline, makeBaseline } from '../src/compare/baseline.js';
import { gate } from '../src/compare/gate.js';
import { gateExitCode } from '../src/compare/gate-headline.js';
import { invalidReasonsBy, type ValidityRule } from '../src/compare/run-validity.js';
import type { ResultsFile } from '../src/results/results-schema.js';
import { startEmbeddedServer } from '../src/run/embedded-server.js';
import { runPlan } from '../src/run/run.js';
import { parseScenario } from '../src/scenario/parse-scenario.js';
import { delayedMlpRepository } from './lib/delayed-models.js';

const RUNS = Number(process.env['VR_RUNS'] ?? 6);
const SECONDS = Number(process.env['VR_SECONDS'] ?? 10);
const RPS = Number(process.env['VR_RPS'] ?? 50);
const DELAY_US = Number(process.env['VR_DELAY_US'] ?? 3000);
const SIDES = [['base', 'mlp'], ['same', 'mlp'], ['slow', 'slow']] as const;

function repository(dir: string): string {
  return delayedMlpRepository(dir, { mlp: 0, slow: DELAY_US });
}

function verdicts(r: ResultsFile): string {
  const strict = invalidReasonsBy(r, 'strict').length ? 'INVALID' : 'valid';
  const figures = Object.entries(r.phases[0]?.validity ?? {}).filter(([, v]) => v.status !== 'valid').map(([k, v]) => `${k} ${v.status}`);
  return `${(r.generator.checkedLateFraction * 100).toFixed(2)} % late; strict ${strict}; effect ${r.valid ? 'valid' : 'INVALID'}${figures.length ? ` (${figures.join(', ')})` : ''}`;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-validity-rules-'));
  console.log(`validity-rules: runs kept in ${tmp}`);
  await ensureModelRepository(defaultModelRepository(), { models: ['mlp'], precisions: ['fp32'] });
  const server = await startEmbeddedServer(['--model-repository', repository(path.join(tmp, 'repo'))]);
  const runs: Record<string, ResultsFile[]> = { base: [], same: [], slow: [] };
  const files: Record<string, string[]> = { base: [], same: [], slow: [] };
  try {
    for (let i = 1; i <= RUNS; i++) {
      for (const [side, model] of SIDES) {
        const yaml = `name: smoke\nseed: ${i}\ntarget: {name: ref, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}"}\nrequest: {model: ${model}, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}\nslo: {p99_ms: 100, error_rate: 0.01}\nphases:\n  - {name: smoke, duration: ${SECONDS}s, rate: ${RPS}}\n`;
        const out = path.join(tmp, side, `rep-${i}`);
        const { results } = await runPlan(parseScenario(yaml, { baseDir: tmp }), { outDir: out, workers: 1 });
        runs[side]!.push(results);
        files[side]!.push(path.join(out, 'results.json'));
        console.log(`${side} rep-${i}: ${verdicts(results)}`);
      }
    }
  } finally {
    await server.stop();
  }
  for (const side of ['base', 'same', 'slow']) {
    const strict = runs[side]!.filter((r) => invalidReasonsBy(r, 'strict').length).length;
    console.log(`${side}: ${strict} of ${RUNS} runs invalid by the strict rule, ${runs[side]!.filter((r) => !r.valid).length} by the effect rule`);
  }
  for (const rule of ['effect', 'strict'] as ValidityRule[]) {
    let baseline: Baseline;
    try {
      baseline = makeBaseline('smoke', files['base']!, false, rule);
      console.log(`\n${rule} rule: baseline saved${baseline.phases[0]?.dropped ? ` (left out: ${Object.entries(baseline.phases[0].dropped).map(([m, l]) => `${m} ${l!.length}`).join(', ')})` : ''}`);
    } catch (err) {
      console.log(`\n${rule} rule: baseline save refused (${(err as Error).message}); judged with --allow-invalid`);
      baseline = makeBaseline('smoke', files['base']!, true, rule);
    }
    for (const side of ['same', 'slow']) {
      const report = gate(baseline, 'smoke', runs[side]!, files[side]!, { strictValidity: rule === 'strict' });
      console.log(`${rule} rule, ${side}: exit ${gateExitCode(report)}: ${formatGate(report)[0]}`);
    }
  }
}

await main();
