/**
 * `gauntlet report INPUT...`: make a report from results files (or run folders), sweep folders, the folders of
 * `run --repeat` (one run and its repetitions' spread, with the gate's verdict) and baselines, as one
 * self-contained HTML page, Markdown, CSV or JUnit XML. Several runs make a comparison (side by side at equal load
 * and at the maximum throughput within the SLO, with cost per million inferences). Exit 0 when the report is
 * written, 2 when an input cannot be read (every one is listed) or --out cannot be written.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { GauntletError } from '../errors.js';
import type { CharacterizationInput } from '../report/characterize-load.js';
import { renderCharacterizationReport } from '../report/characterize-write.js';
import { loadReportSource, type ReportInput } from '../report/load-inputs.js';
import { REPORT_FORMATS, REPORT_HTML, type ReportFormat, renderReport, writeAtomic } from '../report/write-reports.js';

/** ReportArgs are the parsed options of `gauntlet report`. */
export interface ReportArgs {
  inputs: string[];
  format: ReportFormat;
  out?: string;
}

/** REPORT_EPILOG documents the command's outputs and exit codes. */
export const REPORT_EPILOG = `Inputs: results.json files or run folders, sweep folders (sweep.json), folders of run --repeat (rep-1 … rep-N,
and gate.json when gated: one run with its repetitions' spread), baselines (reports/baselines/*.json),
profiles (profile.json or its folder, from gauntlet profile; several side by side, with cost per 1M inferences),
or one characterization (characterization.json or its folder, from gauntlet characterize; html or md only).
Output: --format html (default) is written to a file: next to a single input (report.html in its folder), or
reports/comparisons/<UTC time>.html for several; md, csv and junit go to stdout unless --out is given.
--out - writes any format to stdout.

Exit codes:
  0  the report was written
  2  an input cannot be read, the inputs do not fit the format (every problem is listed), or --out cannot be written
  4  internal error`;

/** reportOptions declares the arguments of `gauntlet report`. */
export function reportOptions(y: Argv): Argv<ReportArgs> {
  return y
    .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'results.json files, run folders, sweep folders, --repeat folders, baselines, profiles or a characterization' })
    .option('format', { choices: REPORT_FORMATS, default: 'html' as const, describe: 'html (self-contained, with charts), md (PR/CI summary), csv (a row per phase or configuration), junit' })
    .option('out', { type: 'string', describe: 'File to write (- for stdout)' })
    .epilog(REPORT_EPILOG) as unknown as Argv<ReportArgs>;
}

/** defaultOut is where a report goes without --out: html to a file, other formats to stdout (undefined). */
export function defaultOut(inputs: (ReportInput | CharacterizationInput)[], format: ReportFormat, at = new Date()): string | undefined {
  if (format !== 'html') return undefined;
  if (inputs.length === 1) {
    const only = inputs[0]!;
    const dir = only.kind === 'sweep' || only.kind === 'repeat' ? only.dir : path.dirname(only.path);
    return only.kind === 'baseline' ? only.path.replace(/\.json$/, '') + '.html' : path.join(dir, REPORT_HTML);
  }
  const stamp = at.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  return path.join('reports', 'comparisons', `${stamp}.html`);
}

/** checkOut refuses an --out that names a folder, or a file under something that is not a folder. */
function checkOut(out: string): void {
  if (out.endsWith('/') || out.endsWith(path.sep) || (existsSync(out) && statSync(out).isDirectory())) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--out ${out}: a folder; name the file to write (e.g. ${path.join(out, 'report.html')})`);
  }
  for (let dir = path.dirname(path.resolve(out)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--out ${out}: ${dir} is a file, not a folder`);
      return;
    }
  }
}

/** runReport writes the report and returns the exit code. */
export function runReport(args: ReportArgs, print: (line: string) => void, write: (text: string) => void = (t) => process.stdout.write(t)): number {
  if (!REPORT_FORMATS.includes(args.format)) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--format must be one of ${REPORT_FORMATS.join(', ')}, got ${args.format}`);
  const source = loadReportSource(args.inputs);
  const inputs = 'characterization' in source ? [source.characterization] : source.inputs;
  const render = (opts: { pageDir?: string }): string => ('characterization' in source ? renderCharacterizationReport(source.characterization.record, source.characterization.path, args.format) : renderReport(source.inputs, args.format, opts));
  // yargs reads `--out -` (and `--out=-`) as an empty string: both mean stdout.
  const out = args.out === '' ? '-' : (args.out ?? defaultOut(inputs, args.format));
  if (out === undefined || out === '-') {
    write(render({}));
    return 0;
  }
  checkOut(out);
  const text = render({ pageDir: path.dirname(path.resolve(out)) });
  try {
    mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    writeAtomic(out, text);
  } catch (err) {
    // Where the report cannot go is the user's to fix (a read-only folder, a full disk), not an internal error.
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--out ${out}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  print(`${args.format === 'html' ? 'Report' : `${args.format} report`}: ${out}${args.format === 'html' ? ' (self-contained; open it in a browser)' : ''}`);
  return 0;
}
