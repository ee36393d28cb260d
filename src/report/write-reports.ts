/**
 * Rendering a report in a format, and writing the reports a run or a sweep leaves in its folder (report.html and
 * report.md next to results.json or sweep.json). Both read the files the run or sweep wrote, never live state,
 * so `gauntlet report DIR` later makes the same reports.
 */
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderCsv } from './csv-report.js';
import { renderHtml } from './html-report.js';
import type { GateReport } from '../compare/gate.js';
import { loadInputs, type ReportInput } from './load-inputs.js';
import { GATE_FILE, loadRepeat } from './load-repeat.js';
import { renderMarkdown } from './markdown-report.js';
import { renderJunit } from './results-junit.js';

/** REPORT_FORMATS are the formats `gauntlet report` writes. */
export const REPORT_FORMATS = ['html', 'md', 'csv', 'junit'] as const;
/** ReportFormat is one of REPORT_FORMATS. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** REPORT_HTML and REPORT_MD are the names of the reports in a run's or sweep's folder. */
export const REPORT_HTML = 'report.html';
export const REPORT_MD = 'report.md';

/** renderReport renders inputs in one format; `pageDir` is where an HTML page will be written (for its links). */
export function renderReport(inputs: ReportInput[], format: ReportFormat, opts: { htmlReport?: string; pageDir?: string } = {}): string {
  switch (format) {
    case 'html':
      return renderHtml(inputs, opts.pageDir !== undefined ? { pageDir: opts.pageDir } : {});
    case 'md':
      return renderMarkdown(inputs, opts.htmlReport !== undefined ? { htmlReport: opts.htmlReport } : {});
    case 'csv':
      return renderCsv(inputs);
    case 'junit':
      // JUnit has a suite per run: a repetitions folder gives one per repetition ("<label> rep-N").
      return renderJunit(inputs.flatMap((i) => (i.kind === 'repeat' ? i.reps.map((r) => ({ ...r, label: `${i.label} ${r.label}` })) : [i])));
  }
}

/**
 * writeAtomic writes a file through a temporary name, so a reader never sees half a report. A temporary file left
 * by a writer that was killed between its write and its rename (its process is gone) is removed.
 */
export function writeAtomic(file: string, text: string): void {
  removeStaleTemporaries(file);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    // A failed write leaves nothing behind (a folder named like the file, a full disk).
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** removeStaleTemporaries removes `FILE.tmp-PID` files beside `file` whose process no longer runs. */
function removeStaleTemporaries(file: string): void {
  const dir = path.dirname(path.resolve(file));
  const prefix = `${path.basename(file)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(prefix) ? Number(name.slice(prefix.length)) : NaN;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) rmSync(path.join(dir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** FolderReports are the paths of the reports written into a folder. */
export interface FolderReports {
  html: string;
  markdown: string;
}

/**
 * writeFolderReports writes report.html and report.md into a run's folder (from its results.json) or a sweep's
 * (from its sweep.json and the results files it names); with `sources`, the folders of the repetitions of
 * `gauntlet run --repeat` that `dir` holds, a report of them as one run measured several times.
 */
export function writeFolderReports(dir: string, sources?: string[]): FolderReports {
  return writeReports(dir, sources ? [loadRepeat(dir, sources)] : loadInputs([dir]));
}

/**
 * writeRepeatReports writes the reports of a repetitions folder (rep-1 … rep-N in `dir`) and, when the
 * repetitions were gated, first the gate's verdict as gate.json beside them (with the exit code the gate gave),
 * so that `gauntlet report DIR` later shows the same verdict.
 */
export function writeRepeatReports(dir: string, reps: string[], gate?: GateReport, exitCode?: number): FolderReports {
  if (gate) writeAtomic(path.join(dir, GATE_FILE), `${JSON.stringify(exitCode === undefined ? gate : { ...gate, exitCode }, null, 1)}\n`);
  return writeReports(dir, [loadRepeat(dir, reps)]);
}

function writeReports(dir: string, inputs: ReportInput[]): FolderReports {
  const html = path.join(dir, REPORT_HTML);
  const markdown = path.join(dir, REPORT_MD);
  writeAtomic(html, renderHtml(inputs, { pageDir: dir }));
  writeAtomic(markdown, renderMarkdown(inputs, { htmlReport: REPORT_HTML }));
  return { html, markdown };
}

/** writeRunReports writes a run's reports (see writeFolderReports). */
export const writeRunReports = writeFolderReports;
/** writeSweepReports writes a sweep's reports (see writeFolderReports). */
export const writeSweepReports = writeFolderReports;
