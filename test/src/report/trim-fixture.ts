/**
 * Makes a report fixture from a real run: `npx tsx test/src/report/trim-fixture.ts RUN_OR_SWEEP_DIR NAME`
 * copies its results.json (or sweep.json and the results behind each combination's figures, or a --repeat
 * folder's rep-N/results.json and gate.json) into
 * test/src/report/fixtures/NAME, trimmed: per-second histograms, service-time histograms and error samples
 * beyond a few are dropped, the server's per-second figures rounded. Reports never need the dropped parts (they
 * merge per-second rows from their summaries when the histograms are gone). The runs behind a sweep's
 * combinations also lose their per-second rows and server view, which sweep reports do not read.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerInterval } from '../../../src/metrics/server-scrape.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import type { SweepRecord } from '../../../src/sweep/sweep-record.js';
import type { GateReport } from '../../../src/compare/gate.js';
import { figureSource } from '../../../src/report/load-inputs.js';
import { GATE_FILE, repFolders } from '../../../src/report/load-repeat.js';

const round = (v: number): number => (Number.isFinite(v) && v !== 0 ? +v.toPrecision(3) : v);

/** trimResults shrinks a results file in place (see the header); `lean` also drops what sweep reports do not read. */
export function trimResults(r: ResultsFile, lean = false): ResultsFile {
  if (lean) {
    r.intervals = [];
    delete r.server;
  }
  for (const p of r.phases) p.serviceHistogram = '';
  for (const i of r.intervals) i.histogram = '';
  r.errorSamples = r.errorSamples.slice(0, 3).map((e) => ({ ...e, message: e.message.slice(0, 160) }));
  if (r.server) {
    const roundAll = (o: object): Record<string, unknown> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' && k !== 'second' ? round(v) : v && typeof v === 'object' ? roundAll(v as object) : v]));
    r.server.intervals = r.server.intervals.map((s) => roundAll(s) as unknown as ServerInterval);
    r.server.metricsUrl = 'http://127.0.0.1:8002/metrics';
  }
  return r;
}

function writeJson(file: string, doc: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(doc)}\n`);
}

const [src, name] = process.argv.slice(2);
if (src && name && process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name);
  if (existsSync(path.join(src, 'sweep.json'))) {
    const record = JSON.parse(readFileSync(path.join(src, 'sweep.json'), 'utf8')) as SweepRecord;
    for (const c of record.combinations) {
      const source = figureSource(c);
      if (source) writeJson(path.join(out, source.file), trimResults(JSON.parse(readFileSync(path.join(src, source.file), 'utf8')) as ResultsFile, true));
      for (const s of c.search?.steps ?? []) s.invalidReasons = s.invalidReasons.map((x) => x.slice(0, 120));
    }
    writeJson(path.join(out, 'sweep.json'), record);
  } else if (repFolders(src).length) {
    // A --repeat folder: each repetition trimmed, and the gate's verdict with its paths made relative to the folder.
    for (const rep of repFolders(src)) writeJson(path.join(out, rep, 'results.json'), trimResults(JSON.parse(readFileSync(path.join(src, rep, 'results.json'), 'utf8')) as ResultsFile));
    if (existsSync(path.join(src, GATE_FILE))) {
      const gate = JSON.parse(readFileSync(path.join(src, GATE_FILE), 'utf8')) as GateReport;
      const rel = (x: string): string => x.split(`${path.resolve(src)}/`).join('');
      writeJson(path.join(out, GATE_FILE), { ...gate, baseline: path.basename(gate.baseline), candidates: gate.candidates.map(rel), invalid: gate.invalid.map(rel), warnings: gate.warnings.map(rel) });
    }
  } else {
    const file = src.endsWith('.json') ? src : path.join(src, 'results.json');
    writeJson(out.endsWith('.json') ? out : `${out}.json`, trimResults(JSON.parse(readFileSync(file, 'utf8')) as ResultsFile));
  }
  console.log(`wrote ${out}`);
}
