/**
 * A phase cut short by an interrupt shows its rates per second of the time it ran, everywhere a user reads them:
 * the terminal summary, the Markdown, CSV and HTML reports. The results file carries them so (pinned by
 * interrupted-run-cli.test.ts); this pins that no view divides the counts by the planned duration again. The case
 * a user met: 164 requests in 3.5 s of a phase showed as 16.4/s (per second of the planned 10 s), not 46.9/s.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../src/cli/summary.js';
import { renderCsv } from '../../../src/report/csv-report.js';
import { renderHtml } from '../../../src/report/html-report.js';
import { renderMarkdown } from '../../../src/report/markdown-report.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { ROOT } from '../../helpers/cli.js';

/** interrupted is the demo fixture cut 3.5 s into a 10 s phase 'burst' after 164 requests; later phases not run. */
function interrupted(): ResultsFile {
  const r = JSON.parse(readFileSync(path.join(ROOT, 'test/src/report/fixtures/demo.json'), 'utf8')) as ResultsFile;
  const burst = r.phases.find((p) => p.name === 'burst')!;
  Object.assign(burst, { durationS: 10, state: 'partial', elapsedS: 3.5, scheduled: 164, sent: 164, completed: 164, ok: 164, dropped: 0, errors: {}, errorRate: 0 });
  Object.assign(burst, { offeredRps: 164 / 3.5, achievedRps: 164 / 3.5, throughputRps: 164 / 3.5 });
  r.plan.phases.find((p) => p.name === 'burst')!.durationS = 10;
  r.plan.durationS = burst.startS + 10;
  Object.assign(r, { status: 'interrupted', interrupted: true, measuredS: burst.startS + 3.5 });
  return r;
}

describe('a phase cut short', () => {
  const input = { kind: 'run' as const, label: 'cut', path: 'x', results: interrupted() };

  it('shows 46.9/s in the terminal summary, with how long it ran', () => {
    const row = formatSummary(input.results, '/tmp/run').find((l) => l.startsWith('burst '))!;
    expect(row).toMatch(/^burst \(ran 3\.5 of 10 s\) +46\.9 +46\.9 +46\.9 /);
  });

  it('shows 46.9/s in the Markdown, CSV and HTML reports', () => {
    const md = renderMarkdown([input]).split('\n').find((l) => l.startsWith('| burst'))!;
    expect(md).toMatch(/^\| burst \(partial: 3\.5 s of 10 s\) \| 46\.9 \|/);
    expect(md).not.toMatch(/16\.4/);
    const csv = renderCsv([input]).split('\r\n');
    const header = csv[0]!.split(',');
    const cells = fields(csv.find((l) => l.includes(',burst,'))!);
    expect(Number(cells[header.indexOf('offered_rps')])).toBeCloseTo(46.857, 3);
    expect(Number(cells[header.indexOf('throughput_rps')])).toBeCloseTo(46.857, 3);
    expect(cells[header.indexOf('elapsed_s')]).toBe('3.5');
    const page = renderHtml([input]);
    const tr = /<tr>(?:(?!<\/tr>).)*burst(?:(?!<\/tr>).)*<\/tr>/s.exec(page)?.[0] ?? '';
    expect(tr).toMatch(/>46\.9</);
    expect(tr).not.toMatch(/>16\.4</);
  });
});

/** fields splits one CSV record (no line breaks inside its fields), unquoting quoted fields. */
function fields(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => m[1]!.replace(/^"(.*)"$/s, '$1').replace(/""/g, '"'));
}
