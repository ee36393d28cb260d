/**
 * Writing a characterization's reports (report.html and report.md beside characterization.json), for
 * `gauntlet characterize` after it writes characterization.json, and rendering one for `gauntlet report`.
 */
import path from 'node:path';
import type { Characterization } from '../characterize/characterization.js';
import { GauntletError } from '../errors.js';
import { CHARACTERIZATION_FILE } from './characterize-load.js';
import { renderCharacterizationHtml } from './html-characterize.js';
import { renderCharacterizationMarkdown } from './markdown-characterize.js';
import { REPORT_HTML, REPORT_MD, type ReportFormat, writeAtomic } from './write-reports.js';

/** writeCharacterizationReport writes report.html and report.md into `outDir` (where characterization.json is) and returns their paths. */
export function writeCharacterizationReport(c: Characterization, outDir: string): { html: string; md: string } {
  const html = path.join(outDir, REPORT_HTML);
  const md = path.join(outDir, REPORT_MD);
  writeAtomic(html, renderCharacterizationHtml(c, path.join(outDir, CHARACTERIZATION_FILE)));
  writeAtomic(md, renderCharacterizationMarkdown(c, { htmlReport: REPORT_HTML }));
  return { html, md };
}

/** renderCharacterizationReport renders a characterization in a format of `gauntlet report` (html or md; others are refused). */
export function renderCharacterizationReport(c: Characterization, source: string, format: ReportFormat): string {
  if (format === 'html') return renderCharacterizationHtml(c, source);
  if (format === 'md') return renderCharacterizationMarkdown(c);
  throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `a characterization has no ${format === 'csv' ? 'CSV' : 'JUnit'} report: use --format html or md (its tables are in both; characterize's trace.csv has the arrivals)`);
}
