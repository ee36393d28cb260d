/**
 * Reading a characterization.json (what `gauntlet characterize` writes, src/characterize/characterization.ts) for
 * `gauntlet report`: the document is checked for what the characterization pages read, every problem listed with
 * its path (at most 10), so a damaged, hand-edited or foreign file is exit 2 with a clear message, not a crash or
 * a page of NaN.
 */
import { CHARACTERIZATION_VERSION, type Characterization } from '../characterize/characterization.js';
import { GauntletError } from '../errors.js';
import { readJsonFile } from './read-json.js';

/** CHARACTERIZATION_FILE is the name `gauntlet characterize` gives its result in its output folder. */
export const CHARACTERIZATION_FILE = 'characterization.json';

/** CharacterizationInput is one characterization (a folder holding characterization.json, or the file itself). */
export interface CharacterizationInput {
  kind: 'characterization';
  /** The characterization.json read. */
  path: string;
  record: Characterization;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, min = 0, max = Number.MAX_VALUE): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/** MAX_SERIES is the longest rate series accepted (characterize bounds its buckets far below this). */
export const MAX_SERIES = 1_000_000;

/** isCharacterizationDoc tells a parsed characterization.json from the other JSON inputs of `gauntlet report`. */
export function isCharacterizationDoc(o: Obj): boolean {
  return isObj(o['rates']) && isObj(o['arrivals']) && isObj(o['bursts']);
}

/** readCharacterization reads and checks a characterization.json (`doc` when it is already parsed). */
export function readCharacterization(file: string, doc?: unknown): Characterization {
  const d = readJsonFile(file, doc);
  if (!isObj(d) || d['version'] !== CHARACTERIZATION_VERSION) {
    const v = isObj(d) ? JSON.stringify(d['version'] ?? null) : '(none: not an object)';
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} has characterization version ${v}; this gauntlet reads ${CHARACTERIZATION_VERSION}`);
  }
  const problems = characterizationProblems(d);
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} is not a gauntlet characterization.json`, problems);
  return d as unknown as Characterization;
}

/** characterizationProblems checks what the characterization pages read (at most 10 problems, with their paths). */
export function characterizationProblems(c: Obj): string[] {
  const out: string[] = [];
  const need = (ok: boolean, what: string): void => void (ok || out.push(what));
  const rates = c['rates'];
  if (!isObj(rates)) out.push('rates: must be an object');
  else {
    need(num(rates['requests']) && num(rates['spanS']) && num(rates['meanRps']) && num(rates['peakRps']) && num(rates['peakToAverage']) && num(rates['peakWindowS']), 'rates: requests, spanS, meanRps, peakRps, peakWindowS and peakToAverage must be numbers >= 0');
    need(typeof rates['firstIso'] === 'string' && typeof rates['lastIso'] === 'string', 'rates.firstIso and rates.lastIso: must be strings');
    listOf(rates['peaks'], 'rates.peaks', out, (p) => num(p['windowS']) && num(p['rps']) && num(p['atS']) && typeof p['atIso'] === 'string', 'windowS, rps, atS (numbers >= 0) and atIso are needed');
    const s = rates['series'];
    if (!isObj(s) || !num(s['bucketS']) || !((s['bucketS'] as number) > 0) || !Array.isArray(s['rps'])) out.push('rates.series: must be an object with bucketS > 0 and a list rps');
    else if (s['rps'].length > MAX_SERIES) out.push(`rates.series.rps: at most ${MAX_SERIES} values, got ${s['rps'].length}`);
    else {
      const bad = s['rps'].findIndex((v) => !num(v));
      if (bad >= 0) out.push(`rates.series.rps[${bad}]: must be a number >= 0`);
    }
    if (rates['hourOfDay'] !== undefined) listOf(rates['hourOfDay'], 'rates.hourOfDay', out, (h) => num(h['hour'], 0, 23) && num(h['meanRps']) && num(h['requests']), 'hour (0..23), meanRps and requests are needed');
  }
  const b = c['bursts'];
  if (!isObj(b)) out.push('bursts: must be an object');
  else {
    need(num(b['k']) && num(b['medianWindowS']) && num(b['minDurationS']) && num(b['count']) && typeof b['rule'] === 'string', 'bursts: k, medianWindowS, minDurationS and count must be numbers >= 0, rule a string');
    listOf(b['list'], 'bursts.list', out, (x) => num(x['startS']) && num(x['durationS']) && num(x['peakRps']) && num(x['baselineRps']) && num(x['requests']) && typeof x['startIso'] === 'string', 'startS, startIso, durationS, peakRps, baselineRps and requests are needed');
    if (b['durationS'] !== undefined && !(isObj(b['durationS']) && ['p50', 'p90', 'max', 'mean'].every((k) => num((b['durationS'] as Obj)[k])))) out.push('bursts.durationS: p50, p90, max and mean must be numbers >= 0');
  }
  const a = c['arrivals'];
  if (!isObj(a)) out.push('arrivals: must be an object');
  else {
    need(typeof a['measured'] === 'boolean' && num(a['meanGapMs']) && num(a['interArrivalCv']), 'arrivals: measured (true or false), meanGapMs and interArrivalCv (numbers >= 0) are needed');
    const f = a['fit'];
    need(isObj(f) && (f['best'] === 'poisson' || f['best'] === 'gamma') && num(f['gammaShape']) && num(f['burstiness']) && typeof f['rule'] === 'string', 'arrivals.fit: best (poisson or gamma), gammaShape, burstiness (numbers >= 0) and rule are needed');
    histogramProblems(a['histogram'], 'arrivals.histogram', out);
  }
  const l = c['latency'];
  if (l !== undefined) {
    if (!isObj(l)) out.push('latency: must be an object when present');
    else {
      percentileProblems(l['overall'], 'latency.overall', out);
      percentileProblems(l['busiest10s'], 'latency.busiest10s', out);
      if (isObj(l['busiest10s']) && !(num(l['busiest10s']['atS']) && num(l['busiest10s']['rps']) && typeof l['busiest10s']['atIso'] === 'string')) out.push('latency.busiest10s: atS, atIso and rps are needed');
      listOf(l['byLoad'], 'latency.byLoad', out, (x) => num(x['fromRps']) && num(x['toRps']) && num(x['seconds']) && num(x['requests']) && num(x['p50Ms']) && num(x['p99Ms']), 'fromRps, toRps, seconds, requests, p50Ms and p99Ms must be numbers >= 0');
      const k = l['knee'];
      if (k !== undefined && !(isObj(k) && num(k['rps']) && num(k['p99Ms']) && typeof k['rule'] === 'string')) out.push('latency.knee: rps, p99Ms and rule are needed');
    }
  }
  const pl = c['payloads'];
  if (!isObj(pl)) out.push('payloads: must be an object');
  else
    for (const side of ['request', 'response']) {
      if (pl[side] === undefined) continue;
      percentileProblems(pl[side], `payloads.${side}`, out);
      if (isObj(pl[side])) histogramProblems(pl[side]['histogram'], `payloads.${side}.histogram`, out);
    }
  const st = c['status'];
  if (!isObj(st) || !num(st['requests']) || !num(st['errorRate'], 0, 1) || !num(st['clientErrorRate'], 0, 1)) out.push('status: requests, errorRate and clientErrorRate (0..1) are needed');
  else listOf(st['byStatus'], 'status.byStatus', out, (x) => typeof x['status'] === 'string' && num(x['count']) && num(x['share'], 0, 1), 'status, count and share (0..1) are needed');
  listOf(c['routes'], 'routes', out, (x) => typeof x['name'] === 'string' && num(x['requests']) && num(x['share'], 0, 1) && num(x['peakRps']) && num(x['errorRate'], 0, 1), 'name, requests, share (0..1), peakRps and errorRate (0..1) are needed');
  const cl = c['classification'];
  need(isObj(cl) && ['throughput-constrained', 'latency-constrained', 'unknown'].includes(cl['kind'] as string) && typeof cl['rule'] === 'string' && Array.isArray(cl['reasons']), 'classification: kind (throughput-constrained, latency-constrained or unknown), rule and reasons are needed');
  const slo = c['slo'];
  need(isObj(slo) && num(slo['headroom']) && typeof slo['rule'] === 'string' && ['p50Ms', 'p95Ms', 'p99Ms', 'errorRate'].every((k) => slo[k] === undefined || num(slo[k])), 'slo: headroom and rule are needed; p50Ms, p95Ms, p99Ms and errorRate, when present, must be numbers >= 0');
  const inp = c['inputs'];
  if (!isObj(inp) || typeof inp['arrivalTime'] !== 'string' || !num(inp['timestampResolutionUs']) || typeof inp['spreadWithinSecond'] !== 'boolean' || !isObj(inp['fields']) || !Array.isArray(inp['notes'])) out.push('inputs: arrivalTime, timestampResolutionUs, spreadWithinSecond, fields and notes are needed');
  else listOf(inp['files'], 'inputs.files', out, (f) => typeof f['name'] === 'string' && typeof f['format'] === 'string' && num(f['lines']) && num(f['records']) && num(f['malformed']), 'name, format, lines, records and malformed are needed');
  const m = c['malformed'];
  if (!isObj(m) || !num(m['count']) || !num(m['fraction'], 0, 1) || !num(m['maxFraction'], 0, 1)) out.push('malformed: count, fraction and maxFraction (0..1) are needed');
  else listOf(m['first'], 'malformed.first', out, (x) => typeof x['file'] === 'string' && num(x['line']) && typeof x['reason'] === 'string', 'file, line and reason are needed');
  need(typeof c['gauntletVersion'] === 'string', 'gauntletVersion: must be a string');
  return out.length > 10 ? [...out.slice(0, 10), `…and ${out.length - 10} more`] : out;
}

/** listOf checks a list and names its first bad element (a list of a million bad rows is one problem, not a million). */
function listOf(v: unknown, at: string, out: string[], ok: (o: Obj) => boolean, what: string): void {
  if (!Array.isArray(v)) return void out.push(`${at}: must be a list`);
  const bad = v.findIndex((x) => !isObj(x) || !ok(x));
  if (bad >= 0) out.push(`${at}[${bad}]: ${what}`);
}

function percentileProblems(v: unknown, at: string, out: string[]): void {
  if (!isObj(v) || !['count', 'p50', 'p95', 'p99', 'p999', 'max', 'mean'].every((k) => num(v[k]))) out.push(`${at}: count, p50, p95, p99, p999, max and mean must be numbers >= 0`);
}

function histogramProblems(v: unknown, at: string, out: string[]): void {
  if (!isObj(v) || !Array.isArray(v['edges']) || !Array.isArray(v['counts'])) return void out.push(`${at}: must be an object with the lists edges and counts`);
  const edges = v['edges'] as unknown[];
  const counts = v['counts'] as unknown[];
  if (counts.length > 0 && edges.length !== counts.length + 1) return void out.push(`${at}: edges must be one longer than counts (${edges.length} edges, ${counts.length} counts)`);
  if (counts.length > 10_000) return void out.push(`${at}: at most 10000 bins, got ${counts.length}`);
  if (!edges.every((e, i) => num(e) && (i === 0 || (e as number) > (edges[i - 1] as number)))) out.push(`${at}.edges: must be increasing numbers >= 0`);
  if (!counts.every((n) => num(n))) out.push(`${at}.counts: must be numbers >= 0`);
}
