/**
 * The Markdown report: the verdict, warnings, "what happened" and the key tables, for a pull request comment or
 * a CI step summary ($GITHUB_STEP_SUMMARY). Kept under MARKDOWN_LIMIT characters (a comment holds 65,536):
 * long tables are cut with a line saying how many rows were left out, and sections that do not fit are named.
 * Text from results is escaped so it cannot break a table or inject markup.
 */
import { ALERT_HEADER, alertRows, alertVerdictText, CHECK_HEADER, checkRows } from './alert-view.js';
import { showsDegradation } from '../faults/degradation.js';
import { gracefulCell } from '../faults/graceful.js';
import { scaleRows, spikeRows } from './scale-data.js';
import { type Compared, compare, median } from './comparison.js';
import { FAULT_TOKEN_HEADER, faultRows, faultTokenRows } from './drill-data.js';
import { GUARD_HEADER, guardRows, guardVerdictText } from './guard-data.js';

/** guardBadge is the rollout guards' part of a run's Markdown title ('' without guards). */
function guardBadge(r: RunInput['results']): string {
  const g = guardVerdictText(r);
  return g ? ` · ${g.includes('FAILED') ? '❌' : '✅'} ${g}` : '';
}
import { escapeMarkdown as esc, money, ms, msValue, pct, rps } from './format.js';
import { comparisonHeadline, comparisonWarnings } from './html-compare.js';
import type { BaselineInput, RepeatInput, ReportInput, RunInput, SweepInput } from './load-inputs.js';
import { profilesOf } from './load-profile.js';
import { profileMarkdownBlocks } from './markdown-profile.js';
import { repeatBlocks } from './markdown-repeat.js';
import { phaseRows, runVerdict, runWarnings, type Warning, whatHappened } from './run-facts.js';
import { serverPhaseRows } from './server-data.js';
import { sweepBlocks } from './markdown-sweep.js';
import { drainNote, goodputCriteriaNote, TOKEN_FIGURE_HEADER, TOKEN_HEADER, TOKEN_NUMERIC, tokenFigureCells, tokenPhaseRows } from './token-facts.js';

/** MARKDOWN_LIMIT is the largest report written, in characters (under GitHub's 65,536 for a comment). */
export const MARKDOWN_LIMIT = 60_000;
/** MAX_TABLE_ROWS bounds any one table; the rest is summarised in a line. */
export const MAX_TABLE_ROWS = 120;

/** MarkdownOptions: where the HTML report with the charts is, to point readers at it. */
export interface MarkdownOptions {
  htmlReport?: string;
}

/** mdTable renders a table; cells are escaped; numeric columns are right-aligned. */
export function mdTable(header: string[], rows: string[][], numeric: number[] = []): string {
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  const line = (cells: string[]): string => `| ${cells.map((c) => esc(c) || ' ').join(' | ')} |`;
  const out = [line(header), `|${header.map((_, i) => (numeric.includes(i) ? '---:' : '---')).join('|')}|`, ...shown.map(line)];
  if (rows.length > shown.length) out.push('', `…and ${rows.length - shown.length} more rows (the CSV report has them all).`);
  return out.join('\n');
}

function warningLines(ws: Warning[]): string {
  return ws.map((w) => `> ${w.severity === 'error' ? '⛔' : '⚠️'} ${esc(w.text)}`).join('\n>\n');
}

function bullets(lines: string[]): string {
  return lines.map((l) => `- ${esc(l)}`).join('\n');
}

/** renderMarkdown renders the inputs as one Markdown document. */
export function renderMarkdown(inputs: ReportInput[], opts: MarkdownOptions = {}): string {
  const runs = inputs.filter((i): i is RunInput => i.kind === 'run');
  const sweeps = inputs.filter((i): i is SweepInput => i.kind === 'sweep');
  const repeats = inputs.filter((i): i is RepeatInput => i.kind === 'repeat');
  const compared = inputs.filter((i): i is Compared => i.kind !== 'sweep');
  const parts = { mdTable, warningLines, bullets };
  const blocks: string[] = [];
  // Appended with a loop, not spread into push(): a block list grows with the runs' phases.
  const add = (more: string[]): void => {
    for (const b of more) blocks.push(b);
  };
  const profiles = profilesOf(inputs);
  if (profiles) add(profileMarkdownBlocks(profiles, parts));
  else if (runs.length === 1 && inputs.length === 1) add(runBlocks(runs[0]!, 2));
  else if (sweeps.length === 1 && inputs.length === 1) add(sweepBlocks(sweeps[0]!, 2, parts));
  else if (repeats.length === 1 && inputs.length === 1) add(repeatBlocks(repeats[0]!, 2, parts));
  else {
    if (compared.length > 1) add(comparisonBlocks(compared));
    for (const r of runs) add(runBlocks(r, 3));
    for (const r of repeats) add(repeatBlocks(r, 3, parts));
    if (compared.length <= 1) for (const b of compared) if (b.kind === 'baseline') add(baselineBlocks(b));
    for (const s of sweeps) add(sweepBlocks(s, 3, parts));
  }
  if (opts.htmlReport) blocks.push(`<sub>Charts: ${esc(opts.htmlReport)} (open it in a browser; it is self-contained).</sub>`);
  return `${fit(blocks)}\n`;
}

/** fit joins blocks while they fit the limit, and names what was left out. */
function fit(blocks: string[]): string {
  const out: string[] = [];
  let size = 0;
  let left = 0;
  for (const b of blocks) {
    if (size + b.length + 2 > MARKDOWN_LIMIT - 200) {
      left++;
      continue;
    }
    out.push(b);
    size += b.length + 2;
  }
  if (left) out.push(`…${left} more section(s) left out to stay under ${MARKDOWN_LIMIT} characters; the HTML report has everything.`);
  return out.join('\n\n');
}

function runBlocks(input: RunInput, level: 2 | 3): string[] {
  const r = input.results;
  const h = '#'.repeat(level);
  const v = runVerdict(r);
  const icons = `${v.stateText ? `⛔ ${v.stateText} · ` : ''}${v.slo === 'met' ? '✅' : v.slo === 'violated' ? '❌' : '➖'} ${v.sloText}${guardBadge(r)} · ${v.valid ? '✅' : '⚠️'} ${v.validityText}`;
  const title = level === 2 ? `${h} gauntlet: ${esc(r.scenario.name)} — ${icons}` : `${h} ${esc(input.label)} — ${icons}`;
  const blocks = [title, esc(`${r.target.name}${r.target.model ? ` · model ${r.target.model}` : ''} · ${r.target.protocol} · started ${r.startedAt} · results ${input.path}`)];
  const ws = runWarnings(r);
  if (ws.length) blocks.push(warningLines(ws));
  blocks.push(`**What happened**\n\n${bullets(whatHappened(r))}`);
  blocks.push(
    mdTable(
      ['phase', 'offered/s', 'sent/s', 'ok/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'failed', 'error rate', 'SLO'],
      phaseRows(r).map((p) => [p.ran ? `${p.name} (${p.ran})` : p.name, p.offered, p.sent, p.ok, p.p50, p.p90, p.p99, p.p999, p.max, p.errors, p.errorRate, p.slo === 'FAIL' ? `❌ ${p.failedChecks.join('; ')}` : p.slo === 'pass' ? '✅' : p.slo === 'not run' ? '➖ not run' : '-']),
      [1, 2, 3, 4, 5, 6, 7, 8, 10],
    ),
  );
  const tokens = tokenPhaseRows(r);
  if (tokens.length) blocks.push(`${h}# Tokens\n\n${mdTable(TOKEN_HEADER, tokens.map((x) => x.cells), TOKEN_NUMERIC)}\n\n${esc(`TTFT, ITL and TPOT in ms from intended send times; tokens per request p50; output tok/s counts the tokens that arrived within the phase's window. ${drainNote(r)} ${goodputCriteriaNote(tokens)}`.replace(/  +/g, ' '))}`);
  if (r.scaleEvents?.length) {
    const spikes = spikeRows(r);
    blocks.push(
      `${h}# Autoscaler\n\n${mdTable(['at', 'change', 'reason', 'limited by', 'ready after'], scaleRows(r), [0, 4])}${
        spikes.length ? `\n\n${mdTable(['phase', 'step at', 'decided after', 'lag', 'replicas', 'sent', 'shed', 'timed out', 'other failed', 'late'], spikes, [1, 2, 3, 5, 6, 7, 8, 9])}\n\n${esc('Lag: from the step up in load until the replicas of its last scale-up were ready; counts over the lag (docs/drills.md#the-spike-drill).')}` : ''
      }`,
    );
  }
  if (r.faults.length) {
    blocks.push(
      `${h}# Faults\n\n${mdTable(
        ['#', 'fault', 'at', 'outcome', 'failed', 'lost', 'worst p99', 'recovery', 'cold start', 'ok/s before → during → after'],
        faultRows(r).map((f) => [String(f.index), f.label, f.at, f.outcome, f.failed, f.lost, f.worstP99, f.recovery, f.coldStart, f.throughput]),
        [0, 5],
      )}`,
    );
    const guards = guardRows(r);
    if (guards.length) blocks.push(`${mdTable(GUARD_HEADER, guards.map((g) => g.cells.map((c, i) => (i === 2 && !g.pass ? `❌ ${g.reason}` : c))), [0, 7, 8, 9])}\n\n${esc('Rollout guards: detected at is when the guard saw the breach (after the step); the damage window runs from the first breaching second to the first second back within the guard after the rollback.')}`);
    const tokenRows = faultTokenRows(r);
    if (tokenRows.length) blocks.push(`${mdTable(FAULT_TOKEN_HEADER, tokenRows, [0, 2, 3])}\n\n${esc('Token streams: streams cut mid-answer, output tokens short of the pre-fault rate, TTFT p99 per second (median before, worst in the window, median after), and when TTFT p99 was back within 2× its pre-fault level.')}`);
  }
  if (r.alerts) {
    blocks.push(`${h}# Alerting drill\n\n${esc(alertVerdictText(r))}${r.alerts.length ? `\n\n${mdTable(ALERT_HEADER, alertRows(r), [2, 3, 4, 5, 6])}` : ''}${r.alertDrill?.checks.length ? `\n\n${mdTable(CHECK_HEADER, checkRows(r), [])}` : ''}`);
  }
  const shed = r.phases.filter(showsDegradation);
  if (shed.length) {
    blocks.push(
      `${h}# Graceful degradation\n\n${mdTable(
        ['phase', 'accepted', 'rejected', 'rejected share', 'other failures', 'accepted p99 ms', 'latency degraded', 'graceful'],
        shed.map((p) => {
          const d = p.degradation!;
          return [p.name, String(d.accepted), String(d.rejected), pct(d.rejectedShare), String(d.otherFailed), ms(d.acceptedLatencyUs.p99), d.latencyDegraded ?? '-', gracefulCell(d)];
        }),
        [1, 2, 3, 4, 5],
      )}`,
    );
  }
  const server = serverPhaseRows(r);
  if (server.length) {
    blocks.push(
      `${h}# The server's view\n\n${mdTable(
        ['phase', 'client p50 ms', 'server request ms', 'queue ms', 'inference ms', 'mean batch'],
        server.map((s) => [s.phase, msValue(s.clientP50Ms), msValue(s.serverRequestMs), msValue(s.queueMs), msValue(s.computeInferMs), s.meanBatch.toFixed(2)]),
        [1, 2, 3, 4, 5],
      )}`,
    );
  }
  return blocks;
}

function baselineBlocks(b: BaselineInput): string[] {
  const phases = b.baseline.phases.filter((p) => p.repetitions.throughput.length > 0);
  return [
    `### ${esc(b.label)}`,
    esc(`${b.baseline.scenario} · ${b.baseline.target.name} · created ${b.baseline.createdAt} · ${b.baseline.sources.length} run(s); medians of the repetitions`),
    mdTable(
      ['phase', 'repetitions', 'ok/s', 'p50 ms', 'p95 ms', 'p99 ms', 'error rate'],
      phases.map((p) => [p.name, String(p.repetitions.throughput.length), rps(median(p.repetitions.throughput)), msValue(median(p.repetitions.p50)), msValue(median(p.repetitions.p95)), msValue(median(p.repetitions.p99)), pct(median(p.repetitions.error_rate))]),
      [1, 2, 3, 4, 5, 6],
    ),
  ];
}

function comparisonBlocks(inputs: Compared[]): string[] {
  const c = compare(inputs);
  const blocks = [`## gauntlet: ${esc(inputs.map((i) => i.label).join(' vs '))}`];
  const ws = comparisonWarnings(inputs);
  if (ws.length) blocks.push(warningLines(ws));
  const headline = comparisonHeadline(c);
  if (headline.length) blocks.push(bullets(headline));
  blocks.push(
    `### At the maximum throughput within the SLO\n\n${mdTable(
      ['run', 'verdict', 'rps at SLO', 'phase', 'p50 ms', 'p99 ms', 'error rate', 'cost per hour', 'cost per million', ...(c.tokens ? TOKEN_FIGURE_HEADER : [])],
      c.contenders.map((x) => [x.label, x.verdict, x.atSlo ? rps(x.atSlo.throughputRps) : '-', x.atSlo?.phase ?? '-', x.atSlo ? msValue(x.atSlo.p50Ms) : '-', x.atSlo ? msValue(x.atSlo.p99Ms) : '-', x.atSlo ? pct(x.atSlo.errorRate) : '-', money(x.costPerHour), money(x.costPerMillion), ...(c.tokens ? tokenFigureCells(x.tokens) : [])]),
      c.tokens ? [2, 4, 5, 6, 7, 8, 9, 10, 11, 12] : [2, 4, 5, 6, 7, 8],
    )}\n\nCost per million inferences = cost_per_hour ÷ (throughput at the SLO × 3600) × 10⁶.`,
  );
  if (c.equalLoad.length) {
    blocks.push(
      `### At equal load\n\n${mdTable(
        ['phase', 'run', 'offered/s', 'ok/s', 'p50 ms', 'p99 ms', 'error rate', ...(c.tokens ? TOKEN_FIGURE_HEADER : [])],
        c.equalLoad.flatMap((row) => row.entries.map((e, i) => [i === 0 ? `${row.phase}${row.loadsDiffer ? ' ≠' : ''}` : '', `${e.label}${e.valid ? '' : ' (invalid)'}`, e.offeredRps === null ? '-' : rps(e.offeredRps), rps(e.throughputRps), msValue(e.p50Ms), msValue(e.p99Ms), pct(e.errorRate), ...(c.tokens ? tokenFigureCells(e.tokens) : [])])),
        c.tokens ? [2, 3, 4, 5, 6, 7, 8, 9, 10] : [2, 3, 4, 5, 6],
      )}`,
    );
  }
  return blocks;
}

