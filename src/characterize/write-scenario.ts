/**
 * The scenario a characterization writes (scenario.yaml): peak_rps from the log, a warm-up, steady 1×, 2× and 5×
 * phases with the fitted arrival process, a burst phase shaped like the observed bursts, the suggested SLOs, and
 * a request mix whose encoded sizes follow the log's request sizes. The request is the bundled model's (mlp by
 * default), so the file runs as it is against the embedded reference server; docs/characterize.md says how each
 * number was chosen.
 */
import { encodeInferBody } from '../targets/kserve-http-client.js';
import { buildPayloads } from '../targets/tensor-data.js';
import type { RequestSpec } from '../targets/target-spec.js';
import type { Characterization, Histogram } from './characterization.js';

/** ScenarioRequest is the request the scenario sends: one input whose leading dimension (rows) carries the size. */
export interface ScenarioRequest {
  model: string;
  input: string;
  datatype: string;
  /** The shape of one row (the input's dimensions after the first). */
  rowShape: number[];
  /** The most rows one request may carry (the model's max_batch_size). */
  maxRows: number;
}

/** MLP_REQUEST is the bundled mlp's request (reference-server/models/mlp.ts: FP32 [rows, 256], max batch 256). */
export const MLP_REQUEST: ScenarioRequest = { model: 'mlp', input: 'input', datatype: 'FP32', rowShape: [256], maxRows: 256 };

/** MAX_SIZE_CLASSES bounds the templates of the payload mix. */
export const MAX_SIZE_CLASSES = 8;
/** WARMUP_S is the warm-up phase's length, at half the peak, not judged. */
const WARMUP_S = 10;
/** Burst phases are compressed so they show a few bursts: `every` at most this, the phase at most MAX_BURST_PHASE_S. */
const MAX_BURST_EVERY_S = 60;
const MAX_BURST_PHASE_S = 600;

/** ScenarioOptions shape the written scenario. */
export interface ScenarioOptions {
  request: ScenarioRequest;
  /** Length of each steady phase (1×, 2×, 5×), seconds. */
  phaseS: number;
  seed: number;
  /** What the log was (file names), for the header comment. */
  sources: string[];
}

/** SizeClass is one template of the payload mix: rows per request and its share of requests. */
export interface SizeClass {
  rows: number;
  bytes: number;
  weight: number;
}

/** encodedBytes is the kserve-http (binary tensors, the default) body size of a request of `rows` rows. */
export function encodedBytes(req: ScenarioRequest, rows: number): number {
  const spec: RequestSpec = { model: req.model, inputs: [{ name: req.input, datatype: req.datatype, shape: [rows, ...req.rowShape], data: { kind: 'random' } }], payloads: 1 } as RequestSpec;
  return encodeInferBody(spec, buildPayloads(spec, 1)[0]!, true).body.length;
}

/**
 * sizeClasses groups the request-size histogram into at most MAX_SIZE_CLASSES classes of about equal mass, each
 * sent as the row count whose encoded body is nearest its typical size (the mass-weighted geometric middle of its
 * bins); classes that come to the same row count are merged.
 */
export function sizeClasses(h: Histogram, req: ScenarioRequest): SizeClass[] {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  const one = encodedBytes(req, 1);
  const perRow = encodedBytes(req, 2) - one;
  const rowsFor = (bytes: number): number => Math.min(req.maxRows, Math.max(1, Math.round((bytes - one) / perRow) + 1));
  const groups: { logSum: number; n: number }[] = [];
  let cur = { logSum: 0, n: 0 };
  for (let i = 0; i < h.counts.length; i++) {
    const n = h.counts[i]!;
    if (n === 0) continue;
    const lo = Math.max(1, h.edges[i]!);
    const hi = Math.max(lo, h.edges[i + 1] ?? lo);
    cur.logSum += n * Math.log(Math.sqrt(lo * hi));
    cur.n += n;
    if (cur.n >= total / MAX_SIZE_CLASSES) {
      groups.push(cur);
      cur = { logSum: 0, n: 0 };
    }
  }
  if (cur.n > 0) groups.push(cur);
  const byRows = new Map<number, SizeClass>();
  for (const g of groups) {
    const bytes = Math.exp(g.logSum / g.n);
    const rows = rowsFor(bytes);
    const c = byRows.get(rows);
    if (c) c.weight += g.n / total;
    else byRows.set(rows, { rows, bytes: encodedBytes(req, rows), weight: g.n / total });
  }
  return [...byRows.values()].sort((a, b) => a.rows - b.rows);
}

/** sig rounds to `digits` significant figures. */
function sig(x: number, digits = 3): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

/** dur renders a duration for a scenario file (`12s`, `1.5s`). */
function dur(s: number): string {
  return `${sig(s, 3)}s`;
}

/** BurstPhase is the burst phase's shape, and what was compressed to fit. */
export interface BurstPhase {
  baseX: number;
  burstX: number;
  lengthS: number;
  everyS: number;
  durationS: number;
  notes: string[];
}

/** burstPhase shapes the burst phase from the observed bursts (median length, median peak, median gap), or undefined without bursts. */
export function burstPhase(c: Characterization, phaseS: number): BurstPhase | undefined {
  const b = c.bursts;
  if (b.count === 0 || b.durationS === undefined || c.rates.peakRps <= 0) return undefined;
  const peaks = b.list.map((x) => x.peakRps).sort((x, y) => x - y);
  const medianPeak = peaks[Math.floor(peaks.length / 2)] ?? c.rates.peakRps;
  const notes: string[] = [];
  const lengthS = Math.max(1, Math.round(b.durationS.p50));
  const cap = Math.max(MAX_BURST_EVERY_S, lengthS * 2);
  let everyS: number;
  if (b.medianGapS === undefined) {
    everyS = Math.min(cap, Math.max(lengthS * 4, 10));
    notes.push(`one burst was seen; the phase repeats it every ${everyS} s`);
  } else {
    everyS = Math.max(lengthS + 1, Math.round(b.medianGapS));
    if (everyS > cap) {
      notes.push(`bursts came every ${everyS} s (median gap between starts); the phase repeats them every ${cap} s to show several in one phase`);
      everyS = cap;
    }
  }
  const durationS = Math.min(MAX_BURST_PHASE_S, Math.max(phaseS, everyS * 3 + lengthS));
  const baseX = Math.max(0.01, sig(c.rates.meanRps / c.rates.peakRps, 2));
  const burstX = Math.max(baseX, sig(medianPeak / c.rates.peakRps, 2));
  return { baseX, burstX, lengthS, everyS, durationS, notes };
}

/** arrivalYaml is the fitted arrival process as a scenario's `arrival:` value. */
function arrivalYaml(c: Characterization): string {
  const f = c.arrivals.fit;
  if (f.best === 'poisson') return 'poisson';
  const b = Math.min(1000, Math.max(0.001, sig(f.burstiness, 3)));
  return `{type: gamma, burstiness: ${b}}`;
}

/** sloYaml is the suggested SLOs as a scenario's `slo:` mapping. */
function sloYaml(c: Characterization): string {
  const parts: string[] = [];
  if (c.slo.p50Ms !== undefined) parts.push(`p50_ms: ${sig(c.slo.p50Ms)}`);
  if (c.slo.p95Ms !== undefined) parts.push(`p95_ms: ${sig(c.slo.p95Ms)}`);
  if (c.slo.p99Ms !== undefined) parts.push(`p99_ms: ${sig(c.slo.p99Ms)}`);
  parts.push(`error_rate: ${sig(Math.min(1, c.slo.errorRate ?? 0.001))}`);
  return `{${parts.join(', ')}}`;
}

/** comment makes a YAML comment block from lines (each kept on one line). */
function comment(lines: string[]): string {
  return lines.map((l) => `# ${l.replace(/[\r\n]+/g, ' ')}`).join('\n');
}

/** scenarioYaml writes scenario.yaml for a characterization; it passes `gauntlet run --dry-run` as it is. */
export function scenarioYaml(c: Characterization, o: ScenarioOptions): string {
  const r = c.rates;
  const peak = sig(r.peakRps, 3);
  const arrival = arrivalYaml(c);
  const sizes = c.payloads.request ? sizeClasses(c.payloads.request.histogram, o.request) : [];
  const burst = burstPhase(c, o.phaseS);
  const head = [
    `Written by gauntlet characterize ${c.gauntletVersion} from ${o.sources.join(', ')}.`,
    `The log: ${r.requests} requests over ${sig(r.spanS, 4)} s (${r.firstIso} to ${r.lastIso}), mean ${sig(r.meanRps)} rps.`,
    `peak_rps is the busiest aligned ${r.peakWindowS} s window (${sig(r.peakRps)} rps, ${sig(r.peakToAverage)}x the mean).`,
    `Arrivals: ${arrival} (${c.arrivals.fit.rule}${c.arrivals.measured ? '' : '; assumed: the log has 1 s timestamps'}).`,
    `SLOs: ${c.slo.rule}`,
    `Classification: ${c.classification.kind}${c.classification.reasons.length ? ` (${c.classification.reasons.join('; ')})` : ''}; the rule is in characterization.json.`,
    ...(c.routes.length > 1 ? [`The log's routes: ${c.routes.slice(0, 8).map((x) => `${x.name} ${sig(x.share * 100, 3)} %`).join(', ')}. The request below sends them all to one model: map them to yours in request.mix.`] : []),
    ...(burst?.notes ?? []),
  ];
  const lines = [
    comment(head),
    'name: characterized',
    `description: ${JSON.stringify(`Steady 1x, 2x and 5x the log's peak (${peak} rps), then its bursts; arrivals, SLOs and request sizes from the log.`)}`,
    `peak_rps: ${peak}`,
    `seed: ${o.seed}`,
    'request:',
    `  model: ${JSON.stringify(o.request.model)}`,
    '  inputs:',
    `    - {name: ${JSON.stringify(o.request.input)}, datatype: ${o.request.datatype}, shape: [1, ${o.request.rowShape.join(', ')}], data: random}`,
  ];
  if (sizes.length > 1) {
    lines.push(`  # Request sizes follow the log's (p50 ${c.payloads.request!.p50} B, p99 ${c.payloads.request!.p99} B): each template is a size class, weighted by its share.`);
    if (sizes.some((x) => x.rows === o.request.maxRows)) lines.push(`  # Requests larger than ${o.request.maxRows} rows (--max-rows, the model's max_batch_size) are sent as ${o.request.maxRows} rows.`);
    lines.push('  mix:');
    for (const s of sizes) {
      lines.push(`    - {name: rows-${s.rows}, weight: ${sig(s.weight, 4)}, inputs: [{name: ${JSON.stringify(o.request.input)}, datatype: ${o.request.datatype}, shape: [${s.rows}, ${o.request.rowShape.join(', ')}], data: random}]}  # ${s.bytes} B`);
    }
  } else if (sizes.length === 1) {
    lines.splice(lines.length - 1, 1, `    - {name: ${JSON.stringify(o.request.input)}, datatype: ${o.request.datatype}, shape: [${sizes[0]!.rows}, ${o.request.rowShape.join(', ')}], data: random}  # ${sizes[0]!.bytes} B, the log's typical request`);
  } else lines.push('  # The log has no request sizes: one-row requests.');
  lines.push(`slo: ${sloYaml(c)}`);
  lines.push('phases:');
  lines.push(`  - {name: warmup, duration: ${dur(WARMUP_S)}, rate: 0.5x, arrival: ${arrival}, slo: off}`);
  lines.push(`  - {name: steady-1x, duration: ${dur(o.phaseS)}, rate: 1x, arrival: ${arrival}}`);
  lines.push(`  - {name: peak-2x, duration: ${dur(o.phaseS)}, rate: 2x, arrival: ${arrival}}`);
  lines.push(`  - {name: peak-5x, duration: ${dur(o.phaseS)}, rate: 5x, arrival: ${arrival}}`);
  if (burst) {
    lines.push(`  # ${c.bursts.count} burst(s) seen: median ${sig(c.bursts.durationS!.p50)} s long at a median peak of ${burst.burstX}x peak_rps, over a base of the mean rate (${burst.baseX}x).`);
    lines.push(`  - {name: bursts, duration: ${dur(burst.durationS)}, rate: ${burst.baseX}x, arrival: ${arrival}, burst: {every: ${dur(burst.everyS)}, length: ${dur(burst.lengthS)}, rate: ${burst.burstX}x}}`);
  } else lines.push(`  # No bursts were seen (${c.bursts.rule}), so there is no burst phase.`);
  return `${lines.join('\n')}\n`;
}

/** replayYaml writes replay.yaml: one phase replaying trace.csv (beside it) as it was, with the same request and SLOs. */
export function replayYaml(c: Characterization, o: ScenarioOptions): string {
  const models = c.routes.map((r) => r.name).filter((n) => n !== o.request.model && n !== '(none)' && n !== '(other)');
  return [
    comment([`Replays trace.csv: the log's ${c.rates.requests} requests at their own times, sizes and models (docs/characterize.md).`]),
    'name: replay',
    `seed: ${o.seed}`,
    'request:',
    `  model: ${JSON.stringify(o.request.model)}`,
    '  inputs:',
    `    - {name: ${JSON.stringify(o.request.input)}, datatype: ${o.request.datatype}, shape: [1, ${o.request.rowShape.join(', ')}], data: random}`,
    `slo: ${sloYaml(c)}`,
    'phases:',
    ...(models.length > 0
      ? [
          `  # The log's models (${models.slice(0, 8).join(', ')}${models.length > 8 ? ', …' : ''}) all go to ${o.request.model}, so this runs against the embedded reference server.`,
          '  # Against your own server, delete `models:` to send each line to its own model (and pass --target).',
          `  - {name: replay, trace: trace.csv, speed: 1, models: {"*": ${JSON.stringify(o.request.model)}}}`,
        ]
      : ['  - {name: replay, trace: trace.csv, speed: 1}']),
    '',
  ].join('\n');
}
