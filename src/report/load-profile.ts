/**
 * Reading a profile.json (what `gauntlet profile` writes, src/profile/profile-record.ts) for `gauntlet report`:
 * the record is checked for what the profile views read, every problem listed with its path (at most 10), so a
 * damaged or hand-edited file is exit 2 with a clear message instead of a crash or a page of NaN.
 */
import { GauntletError } from '../errors.js';
import { readJsonFile } from './read-json.js';
import { PROFILE_SCHEMA_VERSION, type ProfileRecord } from '../profile/profile-record.js';

/** ProfileInput is one profile (a folder holding profile.json, or the file itself). */
export interface ProfileInput {
  kind: 'profile';
  label: string;
  /** The profile.json read. */
  path: string;
  /** Its folder. */
  dir: string;
  record: ProfileRecord;
}

/** isProfileDoc tells a parsed profile.json from the other JSON inputs of `gauntlet report`. */
export function isProfileDoc(o: Record<string, unknown>): boolean {
  return Array.isArray(o['cells']) && Array.isArray(o['variants']) && typeof o['machine'] === 'object';
}

/** readProfileRecord reads and checks a profile.json. */
export function readProfileRecord(file: string, doc?: unknown): ProfileRecord {
  const d = readJsonFile(file, doc);
  const r = d as ProfileRecord;
  if (!isObj(d) || r.schemaVersion !== PROFILE_SCHEMA_VERSION) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} has profile schemaVersion ${isObj(d) ? String(r.schemaVersion) : '(none)'}; this gauntlet reads ${PROFILE_SCHEMA_VERSION}`);
  }
  const problems = profileProblems(r);
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} is not a gauntlet profile.json`, problems);
  return r;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const finite = (v: unknown, min = 0): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min;
const finiteOrNull = (v: unknown): boolean => v === null || v === undefined || finite(v);

/** profileProblems checks what the profile views read (at most 10 problems, with their paths). */
export function profileProblems(r: ProfileRecord): string[] {
  const out: string[] = [];
  if (!Array.isArray(r.variants) || !Array.isArray(r.cells)) return ['variants and cells: must be lists'];
  if (r.ops !== undefined && !Array.isArray(r.ops)) out.push('ops: must be a list');
  if (!isObj(r.machine) || typeof r.machine.host !== 'string') out.push('machine: must be an object with a host');
  else if (!finiteOrNull(r.machine.costPerHour)) out.push('machine.costPerHour: must be a number >= 0');
  if (!isObj(r.model) || typeof r.model.name !== 'string') out.push('model: must be an object with a name');
  if (!isObj(r.options) || typeof r.options.ep !== 'string') out.push('options: must be an object with an ep');
  else {
    const o = r.options;
    if (o.p99Ms !== null && !(finite(o.p99Ms) && o.p99Ms > 0)) out.push('options.p99Ms: must be a number > 0 or null');
    if (!finite(o.minCosine, -1) || o.minCosine > 1) out.push('options.minCosine: must be a number from -1 to 1');
    if (!finite(o.targetCiShare) || !finite(o.maxSecondsPerCell)) out.push('options.targetCiShare and options.maxSecondsPerCell: must be numbers >= 0');
    if (!Array.isArray(o.batchSizes) || !Array.isArray(o.precisions) || !isObj(o.shapes)) out.push('options.batchSizes, .precisions and .shapes: must be two lists and an object');
  }
  if (r.recommendation !== null && r.recommendation !== undefined) {
    const rec = r.recommendation;
    if (!isObj(rec) || typeof rec.rule !== 'string' || !Array.isArray(rec.perPrecision) || !Array.isArray(rec.variants)) out.push('recommendation: must be null or an object with a rule and the lists perPrecision and variants');
  }
  if (!isObj(r.tool) || typeof r.tool.version !== 'string') out.push('tool.version: must be a string');
  if (!['running', 'complete', 'interrupted', 'failed'].includes(r.status)) out.push('status: must be running, complete, interrupted or failed');
  r.variants.forEach((v, i) => {
    if (!isObj(v) || typeof v.precision !== 'string') return void out.push(`variants[${i}]: must be an object with a precision`);
    if (!finite(v.bytes)) out.push(`variants[${i}].bytes: must be a number >= 0`);
    if (typeof v.broken !== 'boolean') out.push(`variants[${i}].broken: must be true or false`);
    if (v.accuracy !== null && (!isObj(v.accuracy) || !finite(v.accuracy.cosine, -1) || v.accuracy.cosine > 1 || !finite(v.accuracy.maxAbsError))) out.push(`variants[${i}].accuracy: cosine must be in [-1, 1] and maxAbsError >= 0`);
  });
  r.cells.forEach((c, i) => {
    if (!isObj(c) || typeof c.precision !== 'string') return void out.push(`cells[${i}]: must be an object with a precision`);
    if (!Number.isInteger(c.batch) || c.batch < 1) out.push(`cells[${i}].batch: must be an integer >= 1`);
    if (c.error !== undefined) return;
    if (!finite(c.iterations) || !finite(c.ciShare) || typeof c.converged !== 'boolean') out.push(`cells[${i}]: iterations and ciShare must be numbers >= 0, converged true or false`);
    const l = c.latencyMs as unknown;
    if (!isObj(l) || !['p50', 'p99', 'mean', 'min', 'max'].every((k) => finite(l[k]))) out.push(`cells[${i}].latencyMs: p50, p99, mean, min and max must be numbers >= 0`);
    if (!Array.isArray(c.p50Ci95Ms) || c.p50Ci95Ms.length !== 2 || !c.p50Ci95Ms.every((v) => finite(v))) out.push(`cells[${i}].p50Ci95Ms: must be two numbers >= 0`);
    if (!finite(c.throughputSamplesPerS)) out.push(`cells[${i}].throughputSamplesPerS: must be a number >= 0`);
    if (c.rssGrowthBytes !== null && !(typeof c.rssGrowthBytes === 'number' && Number.isFinite(c.rssGrowthBytes))) out.push(`cells[${i}].rssGrowthBytes: must be a number or null`);
  });
  if (r.roof !== undefined && (!isObj(r.roof) || !finite(r.roof.peakFlopsPerS) || !finite(r.roof.bandwidthBytesPerS) || !(r.roof.peakFlopsPerS > 0 && r.roof.bandwidthBytesPerS > 0))) out.push('roof: peakFlopsPerS and bandwidthBytesPerS must be numbers > 0');
  (Array.isArray(r.ops) ? r.ops : []).forEach((p, i) => {
    if (!isObj(p) || !Array.isArray(p.ops)) return void out.push(`ops[${i}].ops: must be a list`);
    p.ops.forEach((o, j) => {
      if (!isObj(o) || typeof o.opType !== 'string' || !finite(o.timeShare) || o.timeShare > 1 || !finite(o.flops) || !finite(o.bytes) || !finite(o.intensity)) out.push(`ops[${i}].ops[${j}]: opType, timeShare (0..1), flops, bytes and intensity (>= 0) are needed`);
    });
  });
  return out.length > 10 ? [...out.slice(0, 10), `…and ${out.length - 10} more`] : out;
}

/**
 * profilesOf returns the inputs when all are profiles, undefined when none is; profiles mixed with runs or sweeps
 * are refused (a profile measures a model in-process, a run a server over the wire: their figures do not compare).
 */
export function profilesOf(inputs: { kind: string; label: string }[]): ProfileInput[] | undefined {
  const profiles = inputs.filter((i): i is ProfileInput => i.kind === 'profile');
  if (!profiles.length) return undefined;
  if (profiles.length !== inputs.length) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `profiles cannot share a report with runs, sweeps or baselines: give either profiles (${profiles.map((p) => p.label).join(', ')}) or the others`);
  }
  return profiles;
}
