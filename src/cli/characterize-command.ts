/**
 * `gauntlet characterize LOG...`: production access logs in; characterization.json with a terminal summary,
 * report.html and report.md, scenario.yaml (the drills, from the log's numbers), trace.csv and replay.yaml out.
 * Exit 0 (done), 2 (bad input: every problem listed; a log in no known format; an empty log; too many malformed
 * lines), 3 (interrupted: what was read up to then is characterized, and the files say so).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { GauntletError } from '../errors.js';
import { characterizeLogs } from '../characterize/characterize.js';
import { parseFieldMapping } from '../characterize/formats/fields.js';
import { LOG_FORMATS, type LogFormat } from '../characterize/log-record.js';
import { summaryLines } from '../characterize/summary.js';
import { MLP_REQUEST, type ScenarioRequest } from '../characterize/write-scenario.js';
import { parseDuration } from '../scenario/units.js';
import { withInterrupt } from './interrupt.js';

/** CharacterizeArgs are the parsed options of `gauntlet characterize`. */
export interface CharacterizeArgs {
  logs: string[];
  format: string;
  logFormat?: string;
  window: string;
  modelField?: string;
  field?: string[];
  out?: string;
  json: boolean;
  burstK: number;
  burstWindow: string;
  burstMin: string;
  maxMalformed: number;
  headroom: number;
  phaseDuration: string;
  model: string;
  input: string;
  maxRows: number;
  seed: number;
}

/** STDIN_ARG is a lone `-` on the command line as main passes it through yargs (which drops `-`): no file name holds a NUL. */
export const STDIN_ARG = '\u0000-';

/** CHARACTERIZE_LIMITS are the ranges of the command's own numeric options (the analysis checks its own). */
export const CHARACTERIZE_LIMITS = {
  window: [1, 3600],
  maxMalformed: [0, 1],
  phaseDuration: [1, 3600],
  maxRows: [1, 1_000_000],
  rowDim: [1, 1_000_000],
} as const;

const DATATYPES = ['FP32', 'FP16', 'BF16', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'BOOL'];

/** characterizeOptions declares the options of `gauntlet characterize`. */
export function characterizeOptions(y: Argv): Argv<CharacterizeArgs> {
  const L = CHARACTERIZE_LIMITS;
  return y
    .positional('logs', { type: 'string', array: true, describe: 'Access logs (plain or gzip; several are merged by time; - reads stdin)' })
    .option('format', { type: 'string', default: 'auto', describe: `Log format: auto (detected per file), ${LOG_FORMATS.join(', ')}` })
    .option('log-format', { type: 'string', describe: "nginx: the log_format directive's string, e.g. '$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $request_time' (default: combined)" })
    .option('window', { type: 'string', default: '1s', describe: `The peak window (whole seconds, ${L.window[0]} s to ${L.window[1]} s): its busiest aligned window is peak_rps and the peak-to-average` })
    .option('model-field', { type: 'string', describe: 'The field that names the model or route: model, route, path, an nginx variable ($http_x_model) or a JSON/CSV key (default: the model when a line has one, else the route)' })
    .option('field', { type: 'string', array: true, describe: 'JSONL/CSV: ROLE=NAME[:UNIT] for a field the name rules cannot find (roles: start, timestamp, end, latency, request_bytes, response_bytes, status, grpc_status, model, route; units s, ms, us, ns); repeatable' })
    .option('burst-k', { type: 'number', default: 2, describe: 'A second is in a burst when its rate is above k × the rolling median (1.1 to 100)' })
    .option('burst-window', { type: 'string', default: '300s', describe: 'The rolling median\'s window (10 s to 24 h)' })
    .option('burst-min', { type: 'string', default: '2s', describe: 'Shorter runs above the threshold are not bursts (1 s to 1 h)' })
    .option('headroom', { type: 'number', default: 1.2, describe: 'Suggested SLOs are the latencies observed in the busiest 10 s × this (1 to 10)' })
    .option('max-malformed', { type: 'number', default: 0.05, describe: `Refuse a log when more than this fraction of its lines are malformed (${L.maxMalformed[0]} to ${L.maxMalformed[1]})` })
    .option('phase-duration', { type: 'string', default: '60s', describe: `scenario.yaml: the length of its 1x, 2x and 5x phases (${L.phaseDuration[0]} s to ${L.phaseDuration[1]} s)` })
    .option('model', { type: 'string', default: MLP_REQUEST.model, describe: "scenario.yaml: the model its requests go to (default the bundled mlp, so it runs against the embedded reference server)" })
    .option('input', { type: 'string', default: `${MLP_REQUEST.input}:${MLP_REQUEST.datatype}:${MLP_REQUEST.rowShape.join('x')}`, describe: "scenario.yaml: the input whose rows carry the request size, NAME:DATATYPE:ROW_DIMS (the mlp's input:FP32:256)" })
    .option('max-rows', { type: 'number', default: MLP_REQUEST.maxRows, describe: "scenario.yaml: the most rows a request may carry (the model's max_batch_size)" })
    .option('seed', { type: 'number', default: 1, describe: 'Seed for spreading 1 s timestamps within their second, and the scenario\'s seed' })
    .option('out', { type: 'string', describe: 'Folder for the outputs (default reports/characterizations/<UTC time>/)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print characterization.json on stdout; the summary goes to stderr' })
    .epilog('Exit codes: 0 done; 2 bad input (every problem listed; a log in no known format; an empty log; too many malformed lines); 3 interrupted (what was read is characterized, and the files say so). docs/characterize.md documents every option, rule and field.') as unknown as Argv<CharacterizeArgs>;
}

function seconds(problems: string[], name: string, v: string, [lo, hi]: readonly [number, number]): number {
  const d = parseDuration(v);
  if (!d.ok) problems.push(`--${name}: ${d.message}`);
  else if (d.value < lo || d.value > hi || !Number.isInteger(d.value)) problems.push(`--${name}: must be whole seconds from ${lo} s to ${hi} s, got ${v}`);
  return d.ok ? d.value : lo;
}

/** parseInput reads --input NAME:DATATYPE:ROW_DIMS. */
function parseInput(problems: string[], spec: string, maxRows: number): Omit<ScenarioRequest, 'model'> | undefined {
  const m = /^([^:]+):([A-Z0-9]+):(\d+(?:x\d+)*)$/.exec(spec.trim());
  const dims = m?.[3]?.split('x').map(Number) ?? [];
  if (!m || !DATATYPES.includes(m[2]!) || dims.some((d) => d < CHARACTERIZE_LIMITS.rowDim[0] || d > CHARACTERIZE_LIMITS.rowDim[1])) {
    problems.push(`--input ${spec}: expected NAME:DATATYPE:ROW_DIMS like input:FP32:256 or pixels:UINT8:3x224x224 (datatype one of ${DATATYPES.join(', ')}; each dim 1 to ${CHARACTERIZE_LIMITS.rowDim[1]})`);
    return undefined;
  }
  return { input: m[1]!, datatype: m[2]!, rowShape: dims, maxRows };
}

/** runCharacterize characterizes the logs, writes the files and prints the summary (or the JSON). */
export async function runCharacterize(a: CharacterizeArgs, print: (line: string) => void): Promise<number> {
  const L = CHARACTERIZE_LIMITS;
  const problems: string[] = [];
  a = { ...a, logs: a.logs.map((l) => (l === STDIN_ARG ? '-' : l)) };
  if (a.format !== 'auto' && !LOG_FORMATS.includes(a.format as LogFormat)) problems.push(`--format: must be auto or one of ${LOG_FORMATS.join(', ')}, got ${a.format}`);
  if (a.logs.length === 0) problems.push('name at least one log (or - for stdin)');
  if (a.logs.filter((l) => l === '-').length > 1) problems.push('- (stdin) can be given once');
  const windowS = seconds(problems, 'window', a.window, L.window);
  const burstMedianWindowS = seconds(problems, 'burst-window', a.burstWindow, [10, 86_400]);
  const burstMinDurationS = seconds(problems, 'burst-min', a.burstMin, [1, 3600]);
  const phaseS = seconds(problems, 'phase-duration', a.phaseDuration, L.phaseDuration);
  if (!(a.maxMalformed >= L.maxMalformed[0] && a.maxMalformed <= L.maxMalformed[1])) problems.push(`--max-malformed: must be a fraction from 0 to 1, got ${a.maxMalformed}`);
  if (!(Number.isInteger(a.maxRows) && a.maxRows >= L.maxRows[0] && a.maxRows <= L.maxRows[1])) problems.push(`--max-rows: must be a whole number from ${L.maxRows[0]} to ${L.maxRows[1]}, got ${a.maxRows}`);
  if (!(Number.isInteger(a.seed) && a.seed >= 0 && a.seed <= Number.MAX_SAFE_INTEGER)) problems.push(`--seed: must be a whole number ≥ 0, got ${a.seed}`);
  if (a.model.trim() === '' || a.model.length > 200) problems.push('--model: must be a model name of 1 to 200 characters');
  const input = parseInput(problems, a.input, a.maxRows);
  let fields = {};
  try {
    fields = parseFieldMapping(a.field ?? []);
  } catch (err) {
    if (!(err instanceof GauntletError)) throw err;
    problems.push(...(err.details.length ? err.details : [err.message]));
  }
  if (problems.length > 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `invalid characterize options (${problems.length} problem(s)):`, problems);
  const outDir = a.out ?? path.join('reports', 'characterizations', new Date().toISOString().replace(/[:.]/g, '-'));
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--out ${outDir}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const err = (l: string): void => void process.stderr.write(`${l}\n`);
  const say = a.json ? err : print;
  return withInterrupt(async (signal) => {
    const out = await characterizeLogs(a.logs, {
      read: {
        format: a.format as 'auto' | LogFormat,
        ...(a.logFormat !== undefined && { logFormat: a.logFormat }),
        ...(a.modelField !== undefined && { modelField: a.modelField }),
        fields,
        maxMalformedFraction: a.maxMalformed,
      },
      analyze: { windowS, burstK: a.burstK, burstMedianWindowS, burstMinDurationS, sloHeadroom: a.headroom, seed: a.seed },
      scenario: { request: { model: a.model, ...input! }, phaseS, seed: a.seed },
      outDir,
      signal,
    });
    if (a.json) process.stdout.write(`${JSON.stringify(out.characterization, null, 2)}\n`);
    for (const l of summaryLines(out.characterization)) say(l);
    say('');
    say(`${out.interrupted ? 'interrupted: partial ' : ''}characterization: ${out.files.json}`);
    say(`scenario: ${out.files.scenario} (gauntlet run ${out.files.scenario})`);
    say(`trace: ${out.files.trace} (replay: gauntlet run ${out.files.replay})`);
    say(`report: ${out.files.html} (summary for pull requests: ${out.files.md})`);
    return out.interrupted ? 3 : 0;
  });
}
