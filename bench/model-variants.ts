/**
 * model-variants: ONNX Runtime CPU run time of every bundled model's precision variants at batch 1 and 128,
 * as ratios to fp32 measured in the same run. Usage: `npx tsx bench/model-variants.ts [family ...]`.
 *
 * Variants are measured round-robin (each round times every variant once) and each cell is the median of
 * the rounds, so drift in machine load hits all variants alike.
 */
import * as ort from 'onnxruntime-node';
import { FAMILIES, FAMILY_NAMES, PRECISIONS, type Precision } from '../reference-server/models/zoo.js';

const BATCHES = [1, 128];
const ROUNDS = 7;
const ROUND_BUDGET_MS = 60;

interface Variant {
  precision: Precision;
  session: ort.InferenceSession;
  bytes: number;
}

async function timeRuns(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < ROUND_BUDGET_MS || runs < 2) {
    await session.run(feeds);
    runs++;
  }
  return (performance.now() - start) / runs;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function benchFamily(name: string): Promise<void> {
  const family = FAMILIES[name];
  if (family === undefined) throw new Error(`unknown family ${name} (known: ${FAMILY_NAMES.join(', ')})`);
  const options = family.resolve({});
  const io = family.io(options);
  const variants: Variant[] = [];
  for (const precision of PRECISIONS) {
    const model = family.build(options, precision);
    const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    variants.push({ precision, session, bytes: model.length });
  }
  console.log(`\n${name}: ${family.describe(options)}`);
  console.log(['variant', 'MB', ...BATCHES.flatMap((b) => [`b${b} ms`, `b${b} ×fp32`])].map(pad).join(''));
  const ms = new Map<string, number>();
  for (const batch of BATCHES) {
    const count = batch * io.input.dims.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37));
    const feeds = { [io.input.name]: new ort.Tensor('float32', data, [batch, ...io.input.dims]) };
    for (const v of variants) await v.session.run(feeds); // warm-up
    const samples = new Map<Precision, number[]>(variants.map((v) => [v.precision, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) samples.get(v.precision)?.push(await timeRuns(v.session, feeds));
    }
    for (const v of variants) ms.set(`${v.precision}/${batch}`, median(samples.get(v.precision) ?? []));
  }
  for (const v of variants) {
    const cells = BATCHES.flatMap((b) => {
      const t = ms.get(`${v.precision}/${b}`) ?? NaN;
      const ratio = t / (ms.get(`fp32/${b}`) ?? NaN);
      return [t.toFixed(3), `${ratio.toFixed(2)}`];
    });
    console.log([v.precision, (v.bytes / 1e6).toFixed(2), ...cells].map(pad).join(''));
  }
  for (const v of variants) await v.session.release();
}

function pad(s: string): string {
  return s.padEnd(12);
}

const chosen = process.argv.slice(2);
console.log(`onnxruntime-node ${ort.env.versions.common}, CPU EP, default threads; ×fp32 < 1 means faster than fp32`);
for (const name of chosen.length > 0 ? chosen : FAMILY_NAMES) await benchFamily(name);
